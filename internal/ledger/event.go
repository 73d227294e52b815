package ledger

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The kinds of Event.
const (
	Granted   = "granted"    // a sign-in: code exchange, device grant or client credentials
	Refreshed = "refreshed"  // a refresh (RFC 6749 §6); Note says when the scope changed
	SteppedUp = "stepped-up" // a sign-in for more scopes the server demanded (RFC 6750 §3.1 insufficient_scope)
	Refused   = "refused"    // the authorization server refused a sign-in or refresh (RFC 6749 §5.2); Error is its code
	Revoked   = "revoked"    // logout; Revocation says whether the authorization server revoked (RFC 7009)
	Forgotten = "forgotten"  // tokens dropped after invalid_grant, a registration after invalid_client
)

// Event is one ledger line. The first twelve fields are the ones issue 12
// names; the rest say what only some kinds carry. No field holds a secret.
type Event struct {
	Time            time.Time `json:"time"` // RFC 3339, UTC, whole seconds
	Event           string    `json:"event"`
	Server          string    `json:"server"` // the MCP server, without its query (it may hold an API key)
	Resource        string    `json:"resource"`
	Issuer          string    `json:"issuer"`
	ClientID        string    `json:"client_id"`
	GrantType       string    `json:"grant_type"`
	RequestedScopes []string  `json:"requested_scopes"`
	Scopes          []string  `json:"scopes"` // granted
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	RefreshToken    bool      `json:"refresh_token"` // whether a refresh token came with the grant
	Process         Process   `json:"process"`

	Account        string   `json:"account,omitempty"`         // --account, when given
	DemandedScopes []string `json:"demanded_scopes,omitempty"` // stepped-up: what the server's challenge named
	Error          string   `json:"error,omitempty"`           // refused: the OAuth error code
	Revocation     string   `json:"revocation,omitempty"`      // revoked: "revoked", "not offered" or "failed"
	Note           string   `json:"note,omitempty"`            // e.g. the scope changed, more granted than asked, what was forgotten
}

// The most an event keeps of what the authorization server chose: a
// hostile one must not fill the ledger with one grant (its scope string
// may be as long as its answer).
const (
	maxText   = 1 << 10 // bytes of any one text
	maxScopes = 64      // scopes in any one list
)

// bounded is e with every text and list cut to the bounds above.
func (e Event) bounded() Event {
	for _, s := range []*string{&e.Server, &e.Resource, &e.Issuer, &e.ClientID, &e.GrantType, &e.Account, &e.Error, &e.Revocation, &e.Note, &e.Process.Host} {
		if len(*s) > maxText {
			*s = strings.ToValidUTF8((*s)[:maxText], "") + "…"
		}
	}
	for _, l := range []*[]string{&e.RequestedScopes, &e.Scopes, &e.DemandedScopes} {
		if *l == nil {
			continue
		}
		kept := slices.Clone((*l)[:min(len(*l), maxScopes)]) // the caller's list stays as it was
		for i, s := range kept {
			if len(s) > maxText {
				kept[i] = strings.ToValidUTF8(s[:maxText], "") + "…"
			}
		}
		if len(*l) > maxScopes {
			kept = append(kept, fmt.Sprintf("(and %d more)", len(*l)-maxScopes))
		}
		*l = kept
	}
	return e
}

// MarshalJSON writes every one of the first twelve fields, always:
// expires_at null when the token has no expiry (or the event none), the
// scope lists [] when empty, so that a reader finds each field it expects.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event // without this method
	p := plain(e)
	if p.RequestedScopes == nil {
		p.RequestedScopes = []string{}
	}
	if p.Scopes == nil {
		p.Scopes = []string{}
	}
	var exp *time.Time
	if !e.ExpiresAt.IsZero() {
		exp = &p.ExpiresAt
	}
	return json.Marshal(struct {
		plain
		ExpiresAt *time.Time `json:"expires_at"` // shallower: replaces plain's
	}{p, exp})
}

// Process is who recorded an event: its pid and, where the OS tells, the
// name of the program that started it (the MCP host, such as claude).
type Process struct {
	PID  int    `json:"pid"`
	Host string `json:"host,omitempty"`
}

// Wider returns the scopes granted that were not asked for, in the order
// granted; none when nothing was asked for (the server chose).
func Wider(requested, granted []string) []string {
	if len(requested) == 0 {
		return nil
	}
	var extra []string
	for _, s := range granted {
		if !slices.Contains(requested, s) {
			extra = append(extra, s)
		}
	}
	return extra
}
