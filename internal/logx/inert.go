package logx

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// maxText caps one escaped message or value: long enough for a sign-in
// link, short enough that a server cannot flood the log through one value.
const maxText = 4096

// Clean is the one sink rule of both handlers: secrets hidden, then the
// text made inert (no escape sequence, line break or bidi override from
// the network acts on a terminal or forges a log line).
func Clean(hide *strings.Replacer, s string) string {
	if hide != nil {
		s = hide.Replace(s)
	}
	return safetext.EscapeN(s, maxText)
}

// appendAttr renders a for the stderr line: nested groups as prefix.key,
// every key and value cleaned.
func appendAttr(parts []string, hide *strings.Replacer, prefix string, a slog.Attr) []string {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range v.Group() {
			parts = appendAttr(parts, hide, prefix, g)
		}
		return parts
	}
	if a.Equal(slog.Attr{}) {
		return parts
	}
	return append(parts, Clean(hide, prefix+a.Key)+"="+Clean(hide, v.String()))
}

// inert is the debug file's ReplaceAttr: the message, every string and
// every stringified value (errors, Stringers, anything) cleaned. The
// TextHandler then quotes what needs it; nothing raw is left to quote.
func inert(hide *strings.Replacer) func([]string, slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		a.Key = Clean(hide, a.Key)
		switch a.Value.Kind() {
		case slog.KindString:
			a.Value = slog.StringValue(Clean(hide, a.Value.String()))
		case slog.KindAny:
			a.Value = slog.StringValue(Clean(hide, stringify(a.Value.Any())))
		}
		return a
	}
}

func stringify(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	case []byte:
		return string(x)
	}
	return fmt.Sprintf("%+v", v)
}
