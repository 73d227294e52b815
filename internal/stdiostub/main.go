// Command stdiostub is a reference for benchmarks, not a bridge: a Go
// process that answers every JSON-RPC request on stdin itself, with no
// network, the way the shared benchmark's echo server would (echo's message,
// blob's bytes). Measured beside mcpbridge with ../shared/bench/compare.sh,
// it shows what spawning a Go process and speaking stdio cost on the
// machine at hand:
//
//	go build -o /tmp/stdiostub ./internal/stdiostub
//	../shared/bench/compare.sh mcpbridge='./mcpbridge {URL}' stdio-stub='/tmp/stdiostub {URL}'
//
// required.go, built only with -tags required, adds the packages mcpbridge
// must link and its signal handling, to measure what they cost a start.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
)

type request struct {
	ID     json.RawMessage `json:"id"`
	Params struct {
		Arguments struct {
			Message string `json:"message"`
			Bytes   int    `json:"bytes"`
		} `json:"arguments"`
	} `json:"params"`
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			return
		}
		var m request
		if json.Unmarshal(line, &m) != nil || m.ID == nil {
			continue
		}
		text := m.Params.Arguments.Message
		if n := m.Params.Arguments.Bytes; n > 0 {
			text = strings.Repeat("x", n)
		}
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": map[string]any{
			"protocolVersion": "2025-11-25", "content": []any{map[string]any{"type": "text", "text": text}}}})
		_, _ = out.Write(append(b, '\n'))
		if in.Buffered() == 0 {
			_ = out.Flush()
		}
	}
}
