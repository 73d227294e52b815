package transport

import (
	"io"
	"net/http"
)

// What a client outside the Connector (mcpbridge probe) reads of the
// server with the transport's own rules, so that there is one of each: the
// SSE parser, and the refusals that mean "the other transport" (MediaType,
// ReadBody and ResolveEndpoint, exported where they live, are the others).

// Event is one dispatched server-sent event.
type Event struct {
	Name string // "message" when the stream named none
	Data []byte // the data lines, joined by LF
	ID   string // the last event id after this event
}

// EventReader reads events with the transport's SSE parser (sse.go).
type EventReader struct{ r *sseReader }

// NewEventReader reads events from r. One event's data is bounded by
// jsonrpc.MaxMessageBytes; bound r itself for less.
func NewEventReader(r io.Reader) *EventReader { return &EventReader{r: newSSEReader(r)} }

// Next returns the next event. At the end of the stream it returns io.EOF;
// a stream cut inside an event yields io.ErrUnexpectedEOF.
func (e *EventReader) Next() (Event, error) {
	ev, err := e.r.next()
	if err != nil {
		return Event{}, err
	}
	defer ev.release()
	return Event{Name: ev.name, Data: ev.bytes(), ID: ev.id}, nil
}

// OtherTransport reports whether a refusal with this status, carrying no
// JSON-RPC error, means the server speaks the other transport (2026-07-28
// streamable-http §Backward Compatibility): 400, 404 or 405.
func OtherTransport(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusNotFound || status == http.StatusMethodNotAllowed
}
