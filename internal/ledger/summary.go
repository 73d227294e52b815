package ledger

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// ServerOf is how an event names the MCP server: without query or
// fragment (the query may hold an API key) and without a password.
func ServerOf(u *url.URL) string { return netrule.Redact(netrule.WithoutQuery(u)) }

// Filter picks events: of one server (a URL the user typed; "" any), of
// one account ("" the default one; AnyAccount any), since a time (zero:
// all).
type Filter struct {
	Server  string
	Account string
	Since   time.Time
}

// AnyAccount is the Filter.Account that takes every account.
const AnyAccount = "\x00any"

// Apply returns the events f picks, in order.
func (f Filter) Apply(events []Event) []Event {
	want := ""
	if f.Server != "" {
		if u, err := url.Parse(f.Server); err == nil {
			want = strings.TrimSuffix(ServerOf(u), "/")
		}
	}
	var out []Event
	for _, e := range events {
		if want != "" && strings.TrimSuffix(e.Server, "/") != want {
			continue
		}
		if f.Account != AnyAccount && e.Account != f.Account {
			continue
		}
		if !f.Since.IsZero() && e.Time.Before(f.Since) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// ParseSince reads --since: a duration back from now ("24h", "90m"), a
// number of days ("7d"), or an RFC 3339 date or time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && days >= 0 && fmt.Sprintf("%dd", days) == s {
		return now.AddDate(0, 0, -days), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration (24h, 7d) or a date (2006-01-02, RFC 3339)", s)
}

// Summary is what `grants` shows of one server (and account).
type Summary struct {
	Server, Account, Issuer string
	Scopes                  []string  // granted, as of the newest grant or refresh
	FirstGranted            time.Time // the oldest granted or stepped-up event
	LastRefreshed           time.Time
	ExpiresAt               time.Time
	Events                  int
	Last                    Event
}

// Summarize groups events by server and account, in the order each was
// first seen.
func Summarize(events []Event) []Summary {
	var out []Summary
	at := map[[2]string]int{}
	for _, e := range events {
		k := [2]string{e.Server, e.Account}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Summary{Server: e.Server, Account: e.Account})
		}
		s := &out[i]
		s.Events++
		s.Last = e
		if e.Issuer != "" {
			s.Issuer = e.Issuer
		}
		switch e.Event {
		case Granted, SteppedUp, Refreshed:
			s.Scopes, s.ExpiresAt = e.Scopes, e.ExpiresAt
			if e.Event == Refreshed {
				s.LastRefreshed = e.Time
			} else if s.FirstGranted.IsZero() {
				s.FirstGranted = e.Time
			}
		case Revoked, Forgotten:
			if e.Note != "registration" {
				s.Scopes, s.ExpiresAt = nil, time.Time{}
			}
		}
	}
	return out
}

// WriteTable prints the summaries as a table, every text escaped
// (safetext): servers and authorization servers wrote much of it.
func WriteTable(w io.Writer, sums []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tACCOUNT\tAUTHORIZATION SERVER\tSCOPES GRANTED\tFIRST GRANTED\tLAST REFRESHED\tEXPIRES\tEVENTS\tLAST EVENT")
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", safetext.Escape(s.Server), cmp.Or(safetext.Escape(s.Account), "-"),
			cmp.Or(safetext.Escape(s.Issuer), "-"), cmp.Or(safetext.Escape(strings.Join(s.Scopes, " ")), "-"),
			when(s.FirstGranted), when(s.LastRefreshed), when(s.ExpiresAt), s.Events, Describe(s.Last))
	}
	return tw.Flush()
}

// Describe is one event in a few words, escaped: "refused (invalid_grant)
// 2026-12-02 19:30".
func Describe(e Event) string {
	what := e.Event
	switch {
	case e.Error != "":
		what += " (" + e.Error + ")"
	case e.Revocation != "":
		what += " (" + e.Revocation + ")"
	case e.Note != "":
		what += " (" + e.Note + ")"
	}
	return safetext.EscapeN(what, 120) + " " + when(e.Time)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
