// Package jsonrpctest holds what tests of the wire format and of the
// bridge share: seed messages for fuzzing and a way to cut a message into
// the pieces it might arrive in. Only tests import it (the hygiene test
// holds the product to that).
package jsonrpctest

import "strings"

// Seeds returns single messages and near-messages with the cases clients
// and servers get wrong.
func Seeds() []string {
	return []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"x"}}`,
		// Batches.
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":2,"result":{}},5]`,
		`[]`,
		`[ ]`,
		`[[]]`,
		// Not quite JSON-RPC.
		`{"id":1,"method":"ping"}`,
		`{"jsonrpc":"1.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`,
		`{"jsonrpc":"2.0","id":[1],"method":"ping"}`,
		`{"jsonrpc":"2.0","id":true,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":null,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":1,"error":{}}`,
		`{"jsonrpc":"2.0","\u0069d":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`,
		// Ids.
		`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":123456789012345678901234567890e-5,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":-0,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1.5e3,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"\ud83d\ude00\"\\","method":"ping"}`,
		`{"jsonrpc":"2.0","id":"日本","method":"ping"}`,
		// Whitespace, encodings.
		"{ \"jsonrpc\" : \"2.0\" ,\n\t\"id\" : 1 ,\r\n \"method\" : \"ping\" }",
		"\ufeff{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"\xff\xfe\",\"method\":\"\xc3\x28\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\x00b\"}",
		// Broken.
		`{"jsonrpc":"2.0","id":1,"method":"ping"`,
		`{"jsonrpc":"2.0","id":1,"method":"ping"}}`,
		`{"jsonrpc":"2.0","id":01,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping",}`,
		`{"a":"\u12"}`,
		`{"a":1e}`,
		`"just a string"`,
		`null`,
		``,
		strings.Repeat("[", 1001) + strings.Repeat("]", 1001),
		`{"jsonrpc":"2.0","id":1,"method":"m","params":` + strings.Repeat(`{"a":`, 998) + `1` + strings.Repeat(`}`, 998) + `}`,
		`{"jsonrpc":"2.0","id":1,"method":"m","params":` + strings.Repeat(`[`, 1000) + strings.Repeat(`]`, 1000) + `}`,
		strings.Repeat(`{"a":`, 5000),
	}
}

// Split cuts b into pieces of n bytes (a message read in chunks).
func Split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n:n])
		b = b[n:]
	}
	return append(out, b)
}
