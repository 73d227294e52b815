package probe

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// mcp runs the real bridge with the probe as its host, as a client would
// use it: initialize, every page of each list, then stdin closed.
func (p *prober) mcp(ctx context.Context) {
	h := startHost(ctx, p.bridge)
	var caps []byte
	init := p.headersStep(ctx, "initialize", "the server's answer", true, func(ctx context.Context, st *Step) error {
		st.set("through", "the bridge, in this process, as a host would start it")
		raw, err := h.call(ctx, "initialize", initParams(p.cfg.Version))
		if err != nil {
			return withHint(fmt.Errorf("initialize through the bridge: %w", err), "the lines above say why; the same run with --debug writes a detailed log")
		}
		res := describeInit(st, raw)
		caps = res.Capabilities
		st.set("capabilities", memberNames(caps))
		st.set("instructions", res.Instructions != "")
		return h.send(jsonrpc.NewNotification("notifications/initialized", nil))
	})
	if init.OK {
		for _, l := range []struct{ method, field string }{{"tools/list", "tools"}, {"resources/list", "resources"}, {"prompts/list", "prompts"}} {
			p.list(ctx, h, l.method, l.field, jsonrpc.Field(caps, l.field) != nil)
		}
	}
	p.run.run("bridge-exit", "the bridge to stop", true, func(st *Step) error {
		st.set("how", "stdin closed, as a host that quits does")
		return h.close(5 * time.Second)
	})
}

// list fetches every page of a list method (at most 100) and counts the
// items; a method-not-found for a capability the server did not announce
// means none.
func (p *prober) list(ctx context.Context, h *host, method, field string, announced bool) {
	p.headersStep(ctx, method, "the server's answer", true, func(ctx context.Context, st *Step) error {
		var names []string
		cursor, pages := "", 0
		for pages < 100 {
			var params []byte
			if cursor != "" {
				params, _ = json.Marshal(map[string]string{"cursor": cursor})
			}
			raw, err := h.call(ctx, method, params)
			var f *jsonrpc.AnswerError
			if errors.As(err, &f) && f.Code == jsonrpc.CodeMethodNotFound && !announced {
				st.set("count", 0)
				st.set("note", "none: the server does not offer "+field)
				return nil
			}
			if err != nil {
				return withHint(err, "the server failed to list its "+field+"; its logs say why")
			}
			pages++
			got, next := pageItems(raw, field)
			names, cursor = append(names, got...), next
			if cursor == "" {
				break
			}
		}
		st.set("count", len(names))
		st.set("pages", pages)
		if field == "tools" {
			st.set("first", names[:min(len(names), 5)])
		}
		return nil
	})
}

// pageItems returns the names (or URIs) of one page's items and its
// nextCursor.
func pageItems(raw []byte, field string) ([]string, string) {
	var page map[string]json.RawMessage
	_ = json.Unmarshal(raw, &page)
	var items []struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	_ = json.Unmarshal(page[field], &items)
	var next string
	_ = json.Unmarshal(page["nextCursor"], &next)
	names := make([]string, 0, len(items))
	for _, it := range items {
		names = append(names, cmp.Or(it.Name, it.URI))
	}
	return names, next
}
