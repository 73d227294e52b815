package e2e

//lint:file-ignore SA1019 the era fixtures' SDK client answers sampling and roots on purpose: mcpbridge must carry these 2025-11-25 features (deprecated in 2026-07-28, SEP-2577) between eras, and these tests are what show it does.

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestEraFixtures checks the era servers themselves, without mcpbridge: the
// Go SDK's own client (which detects the era: server/discover, falling back
// to initialize) gets from each the results the mcpbridge tests expect. A
// failure here is a broken fixture, not a broken bridge.
func TestEraFixtures(t *testing.T) {
	for _, sc := range eraServers {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			checkFixture(t, newEraFixture(t, sc.era))
		})
	}
}

// sdkEraClient is a Go SDK client that answers like eraAnswers and reports
// list changes and resource updates on channels.
func sdkEraClient(changed chan<- struct{}, updated chan<- string) *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "sdk-client", Version: "1.0.0"}, &mcp.ClientOptions{
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			q := ""
			if tc, ok := req.Params.Messages[0].Content.(*mcp.TextContent); ok {
				q = tc.Text
			}
			return &mcp.CreateMessageResult{Model: "e2e-model", Role: "assistant", Content: &mcp.TextContent{Text: "answer to " + q}}, nil
		},
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		},
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) { updated <- req.Params.URI },
	})
	c.AddRoots(&mcp.Root{URI: "file:///work/a", Name: "a"}, &mcp.Root{URI: "file:///work/b", Name: "b"})
	return c
}

func sdkToolText(ctx context.Context, t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func checkFixture(t *testing.T, f *eraFixture) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*eraTimeout)
	defer cancel()
	changed, updated := make(chan struct{}, 8), make(chan string, 8)
	cs, err := sdkEraClient(changed, updated).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: f.url}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	want := "protocol=" + f.era + " client=sdk-client sampling=true elicitation=true"
	if got := sdkToolText(ctx, t, cs, "whoami", nil); got != want {
		t.Errorf("whoami: got %q, want %q", got, want)
	}
	for _, c := range inputCases {
		if got := sdkToolText(ctx, t, cs, c.tool, c.args); got != c.want {
			t.Errorf("%s: got %q, want %q", c.tool, got, c.want)
		}
	}
	f.waitListChangedReady(t, listChanges[0])
	f.addLateTool("late_tool")
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatalf("no tools/list_changed reached the SDK client")
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: counterURI}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	f.waitUpdatesReady(t, counterURI)
	f.bump(t, counterURI)
	select {
	case uri := <-updated:
		if uri != counterURI {
			t.Errorf("resources/updated for %q, want %q", uri, counterURI)
		}
	case <-ctx.Done():
		t.Fatalf("no resources/updated reached the SDK client")
	}
}
