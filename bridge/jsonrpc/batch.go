package jsonrpc

import "bytes"

// JSON-RPC batches were removed from MCP in protocol 2025-06-18. A client
// that still sends one gets, per JSON-RPC 2.0 §6, a batch of answers: an
// Invalid Request error for each request in it, so no request goes
// unanswered and none reaches the server.

const batchRefusal = "Invalid Request: JSON-RPC batches are not part of MCP since 2025-06-18; send each message on its own line"

// IsBatch reports whether line is a JSON array (a batch), not an object.
func IsBatch(line []byte) bool {
	t := bytes.TrimLeft(line, " \t\r\n")
	return len(t) > 0 && t[0] == '['
}

// RefuseBatch returns the answer to a batch: an array of Invalid Request
// errors, one per request in it (nil when it holds only notifications and
// responses), or a single error for an empty one; n counts its messages.
func RefuseBatch(line []byte) (answer []byte, n int) {
	var answers [][]byte
	_ = Elements(line, func(elem []byte) {
		n++
		m, err := Parse(bytes.Clone(elem))
		switch {
		case err == nil && m.Kind != KindRequest:
			// notifications and responses get no answer
		case err == nil:
			answers = append(answers, ErrorResponse(m.ID, CodeInvalidRequest, batchRefusal, nil))
		default:
			answers = append(answers, ErrorResponse(nil, CodeInvalidRequest, batchRefusal, nil))
		}
	})
	switch {
	case n == 0:
		return ErrorResponse(nil, CodeInvalidRequest, "Invalid Request: empty batch", nil), 0
	case len(answers) > 0:
		return JoinArray(answers), n
	}
	return nil, n
}
