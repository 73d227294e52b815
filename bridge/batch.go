package bridge

import "bytes"

// JSON-RPC batches were removed from MCP in protocol 2025-06-18. A client
// that still sends one gets, per JSON-RPC 2.0 §6, a batch of answers: an
// Invalid Request error for each request in it, so no request goes
// unanswered and none reaches the server.

const batchRefusal = "Invalid Request: JSON-RPC batches are not part of MCP since 2025-06-18; send each message on its own line"

func isBatch(line []byte) bool {
	t := bytes.TrimLeft(line, " \t\r\n")
	return len(t) > 0 && t[0] == '['
}

// rejectBatch answers every request in a batch.
func (b *Bridge) rejectBatch(line []byte) {
	var answers [][]byte
	n := 0
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
		b.reply(ErrorResponse(nil, CodeInvalidRequest, "Invalid Request: empty batch", nil))
	case len(answers) > 0:
		b.reply(joinArray(answers))
	}
	b.log.Warn("the client sent a JSON-RPC batch; refused", "messages", n)
}
