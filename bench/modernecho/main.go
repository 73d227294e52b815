// Command modernecho is the shared benchmark's raw echo server
// (../shared/bench/echoserver -raw) speaking only MCP 2026-07-28: no
// initialize and no sessions, server/discover, _meta and the
// MCP-Protocol-Version header required on every request, resultType on
// every result. A legacy client reaches it only through mcpbridge's
// translation, so bench/translation.sh measures what translating costs.
//
//	modernecho [-addr 127.0.0.1:0]   # prints http://ADDR/mcp on stdout
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
)

const version = "2026-07-28"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/mcp\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler{}))
}

type handler struct{}

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name      string `json:"name"`
		Arguments struct {
			Message string `json:"message"`
			Bytes   int    `json:"bytes"`
		} `json:"arguments"`
		Meta map[string]json.RawMessage `json:"_meta"`
	} `json:"params"`
}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "2026-07-28: POST only", http.StatusMethodNotAllowed)
		return
	}
	var msg request
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if msg.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if r.Header.Get("MCP-Protocol-Version") != version || string(msg.Params.Meta["io.modelcontextprotocol/protocolVersion"]) != `"`+version+`"` {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		answer(w, msg.ID, "error", map[string]any{"code": -32022, "message": "Unsupported protocol version",
			"data": map[string]any{"supported": []string{version}}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	answer(w, msg.ID, "result", result(msg))
}

func result(msg request) map[string]any {
	switch msg.Method {
	case "server/discover":
		return map[string]any{"resultType": "complete", "supportedVersions": []string{version},
			"capabilities": map[string]any{"tools": map[string]any{}},
			"_meta":        map[string]any{"io.modelcontextprotocol/serverInfo": map[string]any{"name": "modernecho", "version": "1"}}}
	case "tools/list":
		return map[string]any{"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "tools": []any{
			map[string]any{"name": "echo", "inputSchema": map[string]any{"type": "object"}},
			map[string]any{"name": "blob", "inputSchema": map[string]any{"type": "object"}}}}
	case "tools/call":
		text := msg.Params.Arguments.Message
		if msg.Params.Name == "blob" {
			text = strings.Repeat("x", msg.Params.Arguments.Bytes)
		}
		return map[string]any{"resultType": "complete", "content": []any{map[string]any{"type": "text", "text": text}}}
	}
	return map[string]any{"resultType": "complete"}
}

func answer(w http.ResponseWriter, id json.RawMessage, key string, v any) {
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, key: v})
}
