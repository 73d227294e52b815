package accountview

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// StatusRow is one stored sign-in as `status` shows it.
type StatusRow struct {
	Server    string    `json:"server"`
	Account   string    `json:"account,omitempty"`
	Issuer    string    `json:"issuer"`
	SignedIn  bool      `json:"signed_in"`
	Expiry    time.Time `json:"expiry,omitzero"` // none: the token response had no expires_in
	Refresh   bool      `json:"refresh"`         // a refresh token is kept
	Scopes    []string  `json:"scopes"`          // granted
	Backend   string    `json:"storage"`
	Updated   time.Time `json:"updated"`
	LastEvent string    `json:"last_event,omitempty"` // from the grant ledger
}

// StatusRows are the tokens entries among entries, of server when given
// (a URL the user typed) and of account (ledger.AnyAccount: all), each
// with its newest event among events.
func StatusRows(entries []tokencache.Meta, events []ledger.Event, server, account string, now time.Time) []StatusRow {
	var rows []StatusRow
	for _, e := range entries {
		if e.Kind != "tokens" || (server != "" && !netrule.SameServer(e.Server, server)) ||
			(account != ledger.AnyAccount && e.Account != account) {
			continue
		}
		r := StatusRow{Server: shown(netrule.RedactString(e.Server)), Account: shown(e.Account), Issuer: shown(e.Issuer),
			SignedIn: e.SignedIn(now), Expiry: e.Expiry, Refresh: e.Refreshable, Scopes: make([]string, len(e.Scopes)), Backend: shown(e.Backend), Updated: e.Updated}
		for i, s := range e.Scopes {
			r.Scopes[i] = shown(s)
		}
		if mine := (ledger.Filter{Server: netrule.RedactString(e.Server), Account: e.Account}).Apply(events); len(mine) > 0 {
			r.LastEvent = ledger.Describe(mine[len(mine)-1])
		}
		rows = append(rows, r)
	}
	return rows
}

// Status prints the sign-ins stored in the config folder dir, of server
// when given and of account (ledger.AnyAccount: all), each with its last
// grant-ledger event: StatusRows of the credentials index and the ledger,
// as WriteStatus prints them. It reads no secret and never opens the
// keychain.
func Status(w io.Writer, dir, server, account string, asJSON bool, now time.Time) error {
	entries, err := tokencache.List(dir)
	if err != nil {
		return err
	}
	events, err := ledger.Read(dir)
	if err != nil {
		return err
	}
	return WriteStatus(w, StatusRows(entries, events, server, account, now), asJSON, dir)
}

// WriteStatus prints rows as a table, or as JSON; dir is the config folder
// named when nothing is stored.
func WriteStatus(w io.Writer, rows []StatusRow, asJSON bool, dir string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "Not signed in to any server (credentials index: %s).\n", dir)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tAUTHORIZATION SERVER\tSIGNED IN\tTOKEN EXPIRES\tREFRESH\tSCOPES\tSTORED IN\tLAST EVENT")
	for _, r := range rows {
		// No expires_in (RFC 6749 §5.1: only RECOMMENDED): the token is
		// used until the server refuses it.
		exp := "not stated"
		if !r.Expiry.IsZero() {
			exp = r.Expiry.Local().Format("2006-01-02 15:04")
		}
		yes := map[bool]string{true: "yes", false: "no (run mcpbridge login)"}[r.SignedIn]
		server := r.Server
		if r.Account != "" {
			server += " (account " + r.Account + ")"
		}
		refresh := map[bool]string{true: "yes", false: "no"}[r.Refresh]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", server, r.Issuer, yes, exp, refresh, strings.Join(r.Scopes, " "), r.Backend, cmp.Or(r.LastEvent, "-"))
	}
	return tw.Flush()
}

func shown(s string) string { return logx.Clean(nil, s) }
