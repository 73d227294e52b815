package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// open returns a ledger in a new folder, locked by a file token store
// there (the lock the bridge writes it under).
func open(t *testing.T, dir string, keep int, now func() time.Time) *Ledger {
	t.Helper()
	st, err := tokencache.Open(t.Context(), tokencache.Options{Dir: dir, Mode: tokencache.File})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{Dir: dir, Lock: st, Keep: keep, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRecordAndRead(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 2, 19, 30, 0, 123, time.FixedZone("x", 3600))
	l := open(t, dir, 0, func() time.Time { return at })
	want := Event{Event: Granted, Server: "https://mcp.example.com/mcp", Issuer: "https://as.example.com",
		ClientID: "c1", GrantType: "authorization_code", RequestedScopes: []string{"a"}, Scopes: []string{"a", "b"},
		ExpiresAt: at.Add(time.Hour).UTC().Truncate(time.Second), RefreshToken: true}
	if err := l.Record(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || len(got) != 1 {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	want.Time = at.UTC().Truncate(time.Second)
	if got[0].Process.PID != os.Getpid() {
		t.Errorf("pid = %d, want %d", got[0].Process.PID, os.Getpid())
	}
	got[0].Process = Process{}
	if fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got[0], want)
	}
	fi, err := os.Stat(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(l.Path())
	var fields map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(raw), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"time", "event", "server", "resource", "issuer", "client_id", "grant_type", "requested_scopes", "scopes", "expires_at", "refresh_token", "process"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("the line has no %q: %s", k, raw)
		}
	}
	if err := l.Record(t.Context(), Event{Event: Revoked}); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(l.Path())
	_, second, _ := bytes.Cut(bytes.TrimSpace(raw), []byte("\n"))
	if !bytes.Contains(second, []byte(`"requested_scopes":[],"scopes":[]`)) || !bytes.Contains(second, []byte(`"expires_at":null`)) {
		t.Errorf("an event without scopes or expiry leaves fields out: %s", second)
	}
	if fields["time"] != "2026-12-02T18:30:00Z" {
		t.Errorf("time = %v, want RFC 3339 UTC seconds", fields["time"])
	}
}

// TestBound: the ledger keeps the newest events, by count and by size.
func TestBound(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 10, nil)
	for i := range 25 {
		if err := l.Record(t.Context(), Event{Event: Refreshed, Note: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := Read(dir)
	if len(got) != 10 || got[0].Note != "15" || got[9].Note != "24" {
		t.Fatalf("kept %d events, first %q last %q; want the newest 10 (15…24)", len(got), got[0].Note, got[len(got)-1].Note)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".grants-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	if fi, _ := os.Stat(l.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten with mode %v", fi.Mode().Perm())
	}

	big := strings.Repeat("x", 100<<10) // ten of these pass MaxBytes
	l = open(t, t.TempDir(), 0, nil)
	for i := range 15 {
		if err := l.Record(t.Context(), Event{Event: Refreshed, Note: strconv.Itoa(i) + big}); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := os.ReadFile(l.Path())
	got, _ = Read(l.dir)
	if len(raw) > MaxBytes || len(got) < 5 || !strings.HasPrefix(got[len(got)-1].Note, "14") {
		t.Errorf("size %d (max %d), %d events kept, last %.3q", len(raw), MaxBytes, len(got), got[len(got)-1].Note)
	}
}

func TestKeepNewest(t *testing.T) {
	data := []byte("a\nbb\nccc\n")
	for _, c := range []struct {
		n, max int
		want   string
	}{{3, 100, "a\nbb\nccc\n"}, {2, 100, "bb\nccc\n"}, {3, 7, "bb\nccc\n"}, {3, 3, ""}, {0, 100, ""}} {
		if got := string(keepNewest(data, c.n, c.max)); got != c.want {
			t.Errorf("keepNewest(%d, %d) = %q, want %q", c.n, c.max, got, c.want)
		}
	}
}

// TestReadSkipsDamagedLines: a line cut by a crash is skipped, not fatal.
func TestReadSkipsDamagedLines(t *testing.T) {
	dir := t.TempDir()
	line := `{"time":"2026-12-02T19:30:00Z","event":"granted"}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(line+"\n{\"time\":\"2026\n"+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || len(got) != 2 {
		t.Fatalf("Read = %d events, %v; want 2", len(got), err)
	}
	if got, err := Read(t.TempDir()); err != nil || got != nil {
		t.Errorf("no ledger: %v, %v", got, err)
	}
}

// TestHelperAppender is not a test: re-executed by TestLockAcrossProcesses,
// it records events into the ledger in $LEDGER_DIR.
func TestHelperAppender(t *testing.T) {
	dir := os.Getenv("MCPBRIDGE_LEDGER_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	keep, _ := strconv.Atoi(os.Getenv("MCPBRIDGE_LEDGER_HELPER_KEEP"))
	l := open(t, dir, keep, nil)
	for i := range 40 {
		if err := l.Record(context.Background(), Event{Event: Refreshed, Note: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLockAcrossProcesses: 8 processes record at once; no event is lost
// or torn, and the bound holds while the file is rewritten under them.
func TestLockAcrossProcesses(t *testing.T) {
	for _, keep := range []int{MaxEvents, 100} {
		t.Run(strconv.Itoa(keep), func(t *testing.T) {
			dir := t.TempDir()
			var cmds []*exec.Cmd
			for range 8 {
				c := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$")
				c.Env = append(os.Environ(), "MCPBRIDGE_LEDGER_HELPER_DIR="+dir, "MCPBRIDGE_LEDGER_HELPER_KEEP="+strconv.Itoa(keep))
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, c)
			}
			pids := map[int]int{}
			for _, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Fatalf("helper: %v", err)
				}
				pids[c.Process.Pid] = 0
			}
			raw, _ := os.ReadFile(filepath.Join(dir, FileName))
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			got, _ := Read(dir)
			want := min(8*40, keep)
			if len(lines) != want || len(got) != want {
				t.Fatalf("%d lines, %d events; want %d", len(lines), len(got), want)
			}
			last := map[int]int{}
			for _, e := range got {
				n, _ := strconv.Atoi(e.Note)
				if _, ok := pids[e.Process.PID]; !ok {
					t.Fatalf("an event from pid %d, not a helper", e.Process.PID)
				}
				if prev, ok := last[e.Process.PID]; ok && n != prev+1 {
					t.Fatalf("pid %d: event %d after %d (lost or reordered)", e.Process.PID, n, prev)
				}
				last[e.Process.PID] = n
			}
			if keep == MaxEvents && len(last) != 8 {
				t.Errorf("events of %d processes, want 8", len(last))
			}
		})
	}
}

func TestWider(t *testing.T) {
	if got := Wider([]string{"a", "b"}, []string{"b", "c", "a", "d"}); fmt.Sprint(got) != "[c d]" {
		t.Errorf("Wider = %v", got)
	}
	if got := Wider(nil, []string{"a"}); got != nil {
		t.Errorf("nothing asked: Wider = %v, want none", got)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h": now.Add(-24 * time.Hour), "90m": now.Add(-90 * time.Minute), "7d": now.AddDate(0, 0, -7),
		"2026-11-30": time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "2026-11-30T08:00:00Z": time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
	} {
		if got, err := ParseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-1h", "7dd", "d"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("ParseSince(%q) took it", bad)
		}
	}
}

func TestFilterAndSummarize(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ev := func(kind, server, account string, h int, scopes ...string) Event {
		return Event{Event: kind, Server: server, Account: account, Time: t0.Add(time.Duration(h) * time.Hour), Issuer: "https://as", Scopes: scopes}
	}
	a, b := "https://a.example/mcp", "https://b.example/mcp"
	events := []Event{ev(Granted, a, "", 0, "x"), ev(Refreshed, a, "", 1, "x", "y"), ev(Granted, b, "", 2, "z"),
		ev(Granted, a, "work", 3, "w"), ev(Revoked, b, "", 4)}
	if got := (Filter{Server: a + "?key=SECRET", Account: AnyAccount}).Apply(events); len(got) != 3 {
		t.Errorf("server filter (a query in the URL typed): %d events, want 3", len(got))
	}
	if got := (Filter{Server: a}).Apply(events); len(got) != 2 {
		t.Errorf("default account: %d events, want 2", len(got))
	}
	if got := (Filter{Account: AnyAccount, Since: t0.Add(2 * time.Hour)}).Apply(events); len(got) != 3 {
		t.Errorf("since: %d events, want 3", len(got))
	}
	sums := Summarize(events)
	if len(sums) != 3 {
		t.Fatalf("%d summaries, want 3 (a, b, a as work)", len(sums))
	}
	if s := sums[0]; fmt.Sprint(s.Scopes) != "[x y]" || !s.FirstGranted.Equal(t0) || !s.LastRefreshed.Equal(t0.Add(time.Hour)) || s.Events != 2 {
		t.Errorf("a: %+v", s)
	}
	if s := sums[1]; s.Scopes != nil || s.Last.Event != Revoked || s.Events != 2 {
		t.Errorf("b after its logout: %+v", s)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, []Summary{{Server: "https://e.example/\x1b[2J", Issuer: "https://as", Scopes: []string{"a\u202e"}, Events: 1, Last: Event{Event: Refused, Error: "bad\x07"}}}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\u202e") || !strings.Contains(out.String(), "refused (bad") {
		t.Errorf("the table is not inert:\n%q", out.String())
	}
}

// TestHostileGrantIsBounded: an authorization server that grants a huge
// scope list or writes a huge error cannot fill the ledger with one event.
func TestHostileGrantIsBounded(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, 0, nil)
	huge := make([]string, 10000)
	for i := range huge {
		huge[i] = "scope-" + strconv.Itoa(i)
	}
	huge[0] = strings.Repeat("é", 5000)
	e := Event{Event: Granted, Scopes: huge, Error: strings.Repeat("x", 100000), Note: "fine"}
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if len(huge) != 10000 || huge[0] != strings.Repeat("é", 5000) {
		t.Error("the caller's scope list was changed")
	}
	raw, _ := os.ReadFile(l.Path())
	got, _ := Read(dir)
	if len(raw) > 80<<10 || len(got) != 1 || len(got[0].Scopes) != maxScopes+1 || got[0].Scopes[maxScopes] != "(and 9936 more)" || got[0].Note != "fine" {
		t.Errorf("%d bytes, %d events, %d scopes (last %q)", len(raw), len(got), len(got[0].Scopes), got[0].Scopes[len(got[0].Scopes)-1])
	}
	if s := got[0].Scopes[0]; len(s) > maxText+len("…") || !utf8.ValidString(s) {
		t.Errorf("a long scope kept %d bytes, valid UTF-8 %v", len(s), utf8.ValidString(s))
	}
}
