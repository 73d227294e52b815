package headerhelper

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/runcmd"
)

// maxOutput bounds what a helper may print.
const maxOutput = 64 << 10

// Split breaks a command line into words as a POSIX shell does (IEEE Std
// 1003.1, 2.2 Quoting and 2.6.5 Field Splitting): blanks separate words;
// single quotes keep everything; double quotes keep all but \" \\ \$ \`;
// a backslash outside quotes keeps the next character. There is no
// expansion of any kind: no variables, globs or substitutions.
func Split(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case c == '\\':
			if i+1 == len(line) {
				return nil, errors.New("the command ends with a backslash")
			}
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("the command has an unclosed single quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i == len(line) {
				return nil, errors.New("the command has an unclosed double quote")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("the command is empty")
	}
	return words, nil
}

// Runner runs a helper's argv and returns its standard output.
type Runner func(ctx context.Context, argv []string) ([]byte, error)

// execArgv runs argv as a process (internal/runcmd: no shell, stdin and
// stderr empty — what a helper says may hold its secrets too —, stdout
// kept and never shown, killed when ctx ends).
func execArgv(ctx context.Context, argv []string) ([]byte, error) {
	out, over, err := runcmd.Output(ctx, argv, maxOutput)
	if err != nil {
		return nil, err
	}
	if over {
		return nil, fmt.Errorf("it printed more than %d KiB", maxOutput>>10)
	}
	return out, nil
}
