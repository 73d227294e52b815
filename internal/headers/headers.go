// Package headers builds the extra HTTP headers the bridge sends to a
// server: "Name: value" lines from --header flags and a header file, with
// ${VAR} references filled from the environment.
//
// Everything is in headers.go: Parse splits one line, Expand fills the
// variables (warning by name only, as values may be secrets), Build reads
// the file and the flags, the flags winning.
package headers

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// varRef matches ${NAME} references in header values.
var varRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`) })

// Expand fills ${NAME} from the environment, warning about unset names
// (by name only: values may be secrets).
func Expand(s string, warn func(string)) string {
	return varRef().ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			warn(fmt.Sprintf("environment variable %s is not set; it is left empty in a --header value", name))
		}
		return v
	})
}

// Parse splits "Name: value" (the space is optional).
func Parse(s string) (string, string, error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", fmt.Errorf("invalid header %q: use \"Name: value\"", safetext.RedactHeader(s))
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n") {
		return "", "", fmt.Errorf("invalid header %s: the value holds a line break", name)
	}
	return name, value, nil
}

// Build reads --header-file (one header a line, # comments) and then
// the --header values, which win.
func Build(file string, flags []string, warn func(string)) (http.Header, error) {
	h := http.Header{}
	var lines []string
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read --header-file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read --header-file: %w", err)
		}
	}
	seen := map[string]bool{}
	for i, l := range append(lines, flags...) {
		name, value, err := Parse(Expand(l, warn))
		if err != nil {
			return nil, err
		}
		key := http.CanonicalHeaderKey(name)
		if i >= len(lines) && !seen[key] { // a --header replaces the file's value
			h.Del(key)
			seen[key] = true
		}
		h.Add(key, value)
	}
	return h, nil
}
