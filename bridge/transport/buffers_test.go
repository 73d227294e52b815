package transport

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// TestPiecedAnswerKeepsBoundarySpaces pins a bug found in review: trimming
// whitespace around a pieced answer must not touch a space that happens to
// end a piece inside a string.
func TestPiecedAnswerKeepsBoundarySpaces(t *testing.T) {
	text := strings.Repeat("a", ChunkSize-len(`{"jsonrpc":"2.0","id":1,"result":"`)-1) + " " + strings.Repeat("b", 3*ChunkSize)
	body := `{"jsonrpc":"2.0","id":1,"result":"` + text + "\"}\n"
	parts, err := readPieces(context.Background(), strings.NewReader(body), jsonrpc.MaxMessageBytes, nil)
	if err != nil || len(parts) < 2 {
		t.Fatalf("readPieces: %d parts, %v", len(parts), err)
	}
	m, err := jsonrpc.ParseParts(jsonrpc.TrimParts(parts))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(m.Bytes()), strings.TrimSpace(body); got != want {
		t.Fatalf("message changed: got %d bytes, want %d", len(got), len(want))
	}
	if m.Parts == nil {
		t.Fatal("a multi-chunk answer should stay in pieces")
	}
}
