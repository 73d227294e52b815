// Package jsonrpc is the wire format mcpbridge forwards: JSON-RPC 2.0
// messages read in place, so that a message goes on as the bytes it came
// as and only its id and method are ever copied.
//
//   - scan.go: a validating JSON scanner over one buffer or many pieces
//     (a large answer read in chunks), with the lookups built on it
//     (Field, Members, Elements, StringValue, Compact).
//   - message.go: Message, what routing reads of it (Kind, ID, Method,
//     Params, Result, the protocol version in params._meta), the error
//     codes and error answers (JSON-RPC 2.0 §5.1).
//   - rewrite.go: new messages made from old ones by splicing members
//     (another id, added _meta or params), never by re-encoding.
//   - build.go: requests and notifications built from scratch (NewRequest,
//     NewNotification), and an error answer read as an error (Failure).
//   - batch.go: the answer to a batch, which MCP has not had since
//     2025-06-18.
//
// jsonrpctest holds what the tests of this package and of the bridge
// share. Specification: https://www.jsonrpc.org/specification.
package jsonrpc
