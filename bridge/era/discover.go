package era

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// The era probe: a server/discover request (2026-07-28 server/discover),
// read per Streamable HTTP §Backward Compatibility: a result, or a
// recognised modern error, is a modern server; any other refusal (a 4xx
// without a modern error body, method not found) is a legacy one.

// Error codes of 2026-07-28 (basic/index §Error Codes).
const (
	codeHeaderMismatch          = -32020
	codeMissingClientCapability = -32021
	codeUnsupportedVersion      = -32022
)

// Discovery is what an answer to server/discover says of the server, as
// the bridge reads it (its era probe, and mcpbridge probe).
type Discovery struct {
	Versions     []string // protocol versions the server supports
	Capabilities []byte   // raw ServerCapabilities; nil for a legacy server
	ServerInfo   []byte   // raw Implementation, when the server named itself
	Instructions []byte   // raw string, when given
}

func (d *Discovery) speaks(v string) bool {
	for _, s := range d.Versions {
		if s == v {
			return true
		}
	}
	return false
}

func (d *Discovery) notModern() error {
	if len(d.Versions) == 0 {
		return errors.New("the server does not answer server/discover, so it does not speak protocol 2026-07-28; use --protocol auto")
	}
	return fmt.Errorf("the server supports protocol versions %s, not 2026-07-28; use --protocol auto", strings.Join(d.Versions, ", "))
}

// discover probes the server. It errs only when the server could not be
// asked (unreachable, credentials refused); every answer is a verdict.
func discover(b *Env, ctx context.Context, first *jsonrpc.Message) (*Discovery, error) {
	m := discoverRequest(first, b.Version)
	b.Catalog.Annotate(m)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go probeWatch(b, ctx, cancel)
	ans, err := b.Ask(ctx, m)
	switch {
	case errors.Is(context.Cause(ctx), errProbeSilent):
		b.Log.Warn("no answer to server/discover in time: taking the server for a legacy one", "after", b.ProbeSilence)
		return &Discovery{}, nil
	case err != nil && cannotAsk(err):
		return nil, err
	case err != nil:
		b.Log.Debug("server/discover refused: a legacy server", "error", err)
		return &Discovery{}, nil
	}
	return ReadDiscover(ans), nil
}

// cannotAsk tells the errors that leave the server's era unknown (no
// server, no credentials) from refusals, which are a legacy server's.
func cannotAsk(err error) bool {
	var se *transport.StatusError
	return errors.Is(err, transport.ErrUnreachable) || transport.NoCredentials(err) || errors.Is(err, context.Canceled) ||
		errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden)
}

// Config.ProbeSilence is how long the probe waits for the server (time
// spent signing in aside): a server that ignores an unknown method is a
// legacy one (2026-07-28 basic/transports/stdio §Backward Compatibility:
// "the probe returns a non-modern error or times out").
var errProbeSilent = errors.New("no answer to server/discover")

// probeWatch cancels the probe after Config.ProbeSilence of waiting that
// is not a sign-in.
func probeWatch(b *Env, ctx context.Context, cancel context.CancelCauseFunc) {
	silence := b.ProbeSilence
	t := time.NewTicker(silence / 20)
	defer t.Stop()
	var waited time.Duration
	for waited < silence {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !b.SigningIn() {
			waited += silence / 20
		}
	}
	cancel(errProbeSilent)
}

// refusedDiscovery reads an error answer to server/discover: the modern
// errors identify a modern server (an unsupported-version one names the
// versions it speaks); any other error is a legacy server's.
func refusedDiscovery(f *jsonrpc.AnswerError) *Discovery {
	switch f.Code {
	case codeUnsupportedVersion:
		return &Discovery{Versions: stringList(jsonrpc.Field(f.Data, "supported"))}
	case codeHeaderMismatch, codeMissingClientCapability:
		// A modern error about the request itself: the server speaks the
		// version asked for (basic/versioning §Backward Compatibility).
		return &Discovery{Versions: []string{ModernVersion}}
	}
	return &Discovery{}
}

// probeMeta is the _meta of the probe: the client's own, taken from its
// first message (a modern request's _meta, or a legacy initialize).
func probeMeta(first *jsonrpc.Message, version string) []byte {
	caps, info := []byte("{}"), ownInfo(version)
	if first.Kind == jsonrpc.KindRequest && first.Method == "initialize" {
		if c := jsonrpc.Field(first.Params, "capabilities"); c != nil {
			caps = c
		}
		if i := jsonrpc.Field(first.Params, "clientInfo"); i != nil {
			info = i
		}
	}
	if meta := jsonrpc.Field(first.Params, "_meta"); meta != nil {
		if c := jsonrpc.Field(meta, jsonrpc.MetaClientCapabilities); c != nil {
			caps = c
		}
		if i := jsonrpc.Field(meta, jsonrpc.MetaClientInfo); i != nil {
			info = i
		}
	}
	return jsonrpc.JoinMembers(
		jsonrpc.Member([]byte(jsonrpc.MetaProtocolVersion), []byte(`"`+ModernVersion+`"`)),
		jsonrpc.Member([]byte(jsonrpc.MetaClientCapabilities), caps),
		jsonrpc.Member([]byte(jsonrpc.MetaClientInfo), info),
	)
}

// stringList decodes a JSON array of strings; other elements are skipped.
func stringList(arr []byte) []string {
	var out []string
	_ = jsonrpc.Elements(arr, func(e []byte) {
		if s, ok := jsonrpc.StringValue(e); ok {
			out = append(out, s)
		}
	})
	return out
}

// ownInfo is the clientInfo (Implementation) mcpbridge names itself with
// where the client named none.
func ownInfo(version string) []byte {
	return []byte(`{"name":"mcpbridge","version":` + strconv.Quote(version) + `}`)
}
