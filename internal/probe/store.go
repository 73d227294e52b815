package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// credentialsStep shows what the token store holds for the server (as
// status does, never a secret) and whether these settings have a token.
func (p *prober) credentialsStep(ctx context.Context) (have, ok bool) {
	st := p.step(ctx, "credentials", "the token store", true, 0, "--timeout", func(ctx context.Context, st *Step) error {
		p.describeStored(st)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.bridge.URL.String(), nil)
		if err != nil {
			return fmt.Errorf("build the request: %w", err)
		}
		if err := p.signIn.Authorize(ctx, req); err != nil {
			return withHint(err, "the stored credentials cannot be used: mcpbridge logout URL, then sign in again")
		}
		have = req.Header.Get("Authorization") != ""
		st.set("token_for_these_settings", have)
		if !have && p.cfg.Flags.NoLogin {
			return withHint(errors.New("not signed in"), "sign in with: mcpbridge login URL (with the same flags), or probe without --no-login")
		}
		if !have {
			st.set("next", "sign in")
		}
		return nil
	})
	return have, st.OK
}

// StoredFor lists the sign-ins the credentials index in folder holds for
// server, newest first, as status shows them (Config.Stored). The index
// is read without opening a keychain; an index that cannot be read holds
// none.
func StoredFor(folder, server string) []StoredSignIn {
	entries, err := tokencache.List(folder)
	if err != nil {
		return nil
	}
	slices.SortFunc(entries, func(a, b tokencache.Meta) int { return b.Updated.Compare(a.Updated) })
	var out []StoredSignIn
	now := time.Now()
	for _, e := range entries {
		if e.Kind == "tokens" && netrule.SameServer(e.Server, server) {
			out = append(out, StoredSignIn{SignedIn: e.SignedIn(now), Issuer: e.Issuer, Expiry: e.Expiry, Refresh: e.Refreshable,
				Scopes: e.Scopes, Backend: e.Backend})
		}
	}
	return out
}

func (p *prober) stored() []StoredSignIn {
	if p.cfg.Stored == nil {
		return nil
	}
	return p.cfg.Stored()
}

func (p *prober) describeStored(st *Step) {
	rows := p.stored()
	if len(rows) == 0 {
		st.set("stored", "nothing for this server")
		return
	}
	if len(rows) > 1 {
		st.set("stored_sign_ins", fmt.Sprintf("%d (with other headers, clients or scopes); the newest:", len(rows)))
	}
	describeSignIn(st, rows[0])
}

func describeSignIn(st *Step, s StoredSignIn) {
	st.set("signed_in", s.SignedIn)
	st.set("authorization_server", s.Issuer)
	if s.Expiry.IsZero() {
		st.set("token_expires", "no expiry given")
	} else {
		st.set("token_expires", s.Expiry)
	}
	st.set("refresh_token", s.Refresh) // without one, the browser opens again at expiry
	st.set("scopes", s.Scopes)
	st.set("stored_in", s.Backend)
}

// signInStep signs in with the bridge's own flow. The time it takes is
// not counted against the probe's timeout: --auth-timeout bounds it.
func (p *prober) signInStep(ctx context.Context) bool {
	start := time.Now()
	defer func() { p.budget.extend(time.Since(start)) }()
	waiting := "the browser sign-in"
	switch {
	case p.cfg.Flags.ClientCredentials, p.cfg.Flags.Workload:
		waiting = "the token"
	case p.cfg.Flags.DeviceCode:
		waiting = "the sign-in on the other device"
	}
	return p.run.run("sign-in", waiting, true, func(st *Step) error {
		st.set("how", p.credentialSource())
		if err := p.signIn.Login(ctx); err != nil {
			return withHint(err, "finish the sign-in within --auth-timeout seconds; over SSH use mcpbridge login URL --no-browser, without a browser --device-code")
		}
		if rows := p.stored(); len(rows) > 0 {
			describeSignIn(st, rows[0])
		}
		return nil
	}).OK
}
