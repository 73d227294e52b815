package mcpremote

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
)

// Hash is the name mcp-remote 0.15.1 gave a server's files, from the
// arguments it was started with, the server URL first (getServerUrlHash):
// the MD5 of the server URL, the --resource, the --authorize-param values,
// the headers as written (${VAR} not yet filled), the --client-metadata-url
// and the --token-endpoint, joined by "|".
func Hash(args []string) string {
	parts := []string{args[0]}
	if r := firstValue(args, "--resource"); strings.TrimSpace(r) != "" && !slices.Contains(args, "--disable-resource-parameter") {
		parts = append(parts, strings.TrimSpace(r))
	}
	if p := authorizeParams(args); len(p) > 0 {
		parts = append(parts, jsObject(p))
	}
	if h := headers(args); len(h) > 0 {
		parts = append(parts, jsObject(h))
	}
	if u := strings.TrimSpace(firstValue(args, "--client-metadata-url")); u != "" {
		if p, err := url.Parse(u); err == nil && p.Scheme == "https" && p.Path != "" && p.Path != "/" {
			parts = append(parts, u)
		}
	}
	if te := strings.TrimSpace(firstValue(args, "--token-endpoint")); te != "" && slices.Contains(args, "--client-credentials") {
		if p, err := url.Parse(te); err == nil {
			if p.Path == "" {
				p.Path = "/" // as WHATWG URL serializes it
			}
			parts = append(parts, p.String())
		}
	}
	sum := md5.Sum([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(sum[:])
}

// firstValue is the value after the first flag (args.indexOf).
func firstValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func authorizeParams(args []string) map[string]string {
	p := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--authorize-param" {
			if k, v, ok := strings.Cut(args[i+1], "="); ok && strings.TrimSpace(k) != "" {
				p[strings.TrimSpace(k)] = v
			}
		}
	}
	return p
}

// headers are the headers in argument order, --header-file read where it
// stands; unreadable files count as empty, as they do in mcp-remote.
func headers(args []string) map[string]string {
	h := map[string]string{}
	add := func(line string) {
		if m := headerLine().FindStringSubmatch(line); m != nil {
			h[m[1]] = m[2]
		}
	}
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--header":
			add(args[i+1])
			i++
		case "--header-file":
			for _, l := range headerFileLines(args[i+1]) {
				add(l)
			}
			i++
		}
	}
	return h
}

// headerFileLines are a --header-file's lines that are not empty or a
// # comment, trimmed, as mcp-remote reads the file; none when it cannot be
// read or is over maxHeaderFile.
func headerFileLines(path string) []string {
	b, err := readFile(path, maxHeaderFile)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// jsObject is JSON.stringify(obj, Object.keys(obj).sort()): keys in
// UTF-16 order, no spaces, JavaScript's string escaping.
func jsObject(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
	})
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(jsString(k) + ":" + jsString(m[k]))
	}
	b.WriteString("}")
	return b.String()
}

func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
