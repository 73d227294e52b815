package main

import (
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// shown makes text that may hold network text (an error, a name, a value
// from a server or the index) inert on a terminal: one line, no escape
// sequence, no bidi override; logx's rule for its lines.
func shown(s string) string { return logx.Clean(nil, s) }

// redactedArg shows a server URL without a password or query values, inert.
func redactedArg(raw string) string { return shown(netrule.RedactString(raw)) }
