package transport

import (
	"fmt"
	"net/http"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// StatusError is an HTTP answer that is not a JSON-RPC answer: a 4xx or 5xx,
// an HTML page, an empty body where one was due.
type StatusError struct {
	Status      int
	ContentType string
	Snippet     string // the first bytes of the body, as text
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("the server answered HTTP %d %s", e.Status, http.StatusText(e.Status))
	switch {
	case e.Snippet != "":
		msg += fmt.Sprintf(" (%s): %s", orUnknown(e.ContentType), e.Snippet)
	default:
		msg += " with an empty body"
	}
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		msg += `. The server wants credentials: pass them with --header "Authorization: Bearer …"`
	}
	return msg
}

func orUnknown(ct string) string {
	if ct == "" {
		return "no Content-Type"
	}
	return ct
}

// snippetLen is how much of an unexpected body goes into an error message.
const snippetLen = 200

// snippet renders the start of a body as one line of inert text.
func snippet(b []byte) string { return safetext.Line(b, snippetLen) }
