package bridge

import "github.com/mcpbridge/mcpbridge/bridge/jsonrpc"

// The bridge's builders of its own messages and its reading of error
// answers (ask.go), exported for mcpbridge probe, which plays a host and
// a client with the same messages.

// AnswerError is a JSON-RPC error answer, as an error.
type AnswerError = rpcFailure

// Failure returns the error of an error answer as the bridge reads it, or
// nil for a result.
func Failure(ans *jsonrpc.Message) *AnswerError { return failure(ans) }

// NewRequest builds a request as the bridge builds its own; params is raw
// JSON or nil.
func NewRequest(id []byte, method string, params []byte) *jsonrpc.Message {
	return newRequest(id, method, params)
}

// NewNotification builds a notification; params is raw JSON or nil.
func NewNotification(method string, params []byte) []byte { return newNotification(method, params) }
