package headerhelper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestSplit(t *testing.T) {
	for in, want := range map[string][]string{
		`vault read -field=token secret/mcp`: {"vault", "read", "-field=token", "secret/mcp"},
		`sh -c 'echo "X-A: $TOKEN"'`:         {"sh", "-c", `echo "X-A: $TOKEN"`},
		`"/Program Files/h" a\ b "q\"x" ''`:  {"/Program Files/h", "a b", `q"x`, ""},
		"  tab\tsep\n ":                      {"tab", "sep"},
		`"a"'b'c`:                            {"abc"},
		`"\n\$"`:                             {`\n$`},
	} {
		got, err := Split(in)
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("Split(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", `a 'b`, `a "b`, `a\`} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%q) took it", bad)
		}
	}
}

func TestParseOutput(t *testing.T) {
	h, err := parseOutput([]byte("X-Token: t1\r\n\nX-Tenant:blue\n"))
	if err != nil || h.Get("X-Token") != "t1" || h.Get("X-Tenant") != "blue" {
		t.Errorf("lines: %v, %v", h, err)
	}
	h, err = parseOutput([]byte(` {"Authorization": "Bearer t2", "X-Tenant": "red"} `))
	if err != nil || h.Get("Authorization") != "Bearer t2" || h.Get("X-Tenant") != "red" {
		t.Errorf("JSON: %v, %v", h, err)
	}
	const secret = "s3cr3t-value"
	for _, bad := range []string{
		"X-Token " + secret, `{"X-Token": 42, "v": "` + secret + `"`, `{"X-Token": ["` + secret + `"]}`,
		"X-Token: " + secret + "\x00", "Bad Name: " + secret, "Host: " + secret, "mcp-session-id: " + secret,
	} {
		_, err := parseOutput([]byte(bad))
		if err == nil {
			t.Errorf("took %q", bad)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the output: %v", err)
		}
	}
}

// TestHelperCommand is not a test: re-executed as a --headers-helper by
// the tests below, it prints a header numbered by how many times it has
// run (counted in $HEADERHELPER_COUNT), or fails after printing a secret.
func TestHelperCommand(t *testing.T) {
	counter := os.Getenv("HEADERHELPER_COUNT")
	if counter == "" {
		t.Skip("helper process only")
	}
	raw, _ := os.ReadFile(counter)
	n, _ := strconv.Atoi(string(raw))
	n++
	_ = os.WriteFile(counter, []byte(strconv.Itoa(n)), 0o600)
	fmt.Printf("X-Token: token-%d\n", n)
	if os.Getenv("HEADERHELPER_FAIL") != "" {
		os.Exit(3)
	}
	os.Exit(0)
}

// helperCommand is the command line that runs TestHelperCommand, and the
// file that counts its runs.
func helperCommand(t *testing.T, fail bool) string {
	t.Helper()
	count := filepath.Join(t.TempDir(), "count")
	t.Setenv("HEADERHELPER_COUNT", count)
	if fail {
		t.Setenv("HEADERHELPER_FAIL", "1")
	}
	return fmt.Sprintf("'%s' -test.run=^TestHelperCommand$", os.Args[0])
}

func authorize(t *testing.T, h *Helper) (*http.Request, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "https://mcp.example/mcp", nil)
	return req, h.Authorize(t.Context(), req)
}

// TestRotatingHeader: the helper runs once per interval, again on a 401,
// and each request carries the newest header.
func TestRotatingHeader(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	h, err := New(Config{Command: helperCommand(t, false), Interval: time.Minute,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	want := func(token string) {
		t.Helper()
		req, err := authorize(t, h)
		if err != nil || req.Header.Get("X-Token") != token {
			t.Fatalf("X-Token = %q, %v; want %s", req.Header.Get("X-Token"), err, token)
		}
	}
	want("token-1")
	want("token-1") // within the interval: not run again
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	want("token-2")
	if err := h.Refused(t.Context(), &http.Response{StatusCode: http.StatusUnauthorized}); err != nil {
		t.Fatalf("Refused(401) = %v, want a retry", err)
	}
	want("token-3")
	if err := h.Refused(t.Context(), &http.Response{StatusCode: http.StatusForbidden}); err == nil {
		t.Error("a 403 to the helper's own headers was retried")
	}
}

// TestFailingHelper: a helper that exits non-zero fails the request with
// an error naming the helper, and never showing what it printed.
func TestFailingHelper(t *testing.T) {
	h, err := New(Config{Command: helperCommand(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = authorize(t, h)
	if err == nil || !strings.Contains(err.Error(), "--headers-helper") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("error %v, want one naming the helper and its exit status", err)
	}
	if strings.Contains(err.Error(), "token-") {
		t.Errorf("the error shows the helper's output: %v", err)
	}
}

// TestSlowHelper: a helper that does not finish within the timeout gives
// every waiting request a clear error; they share one run, and the next
// request runs it again.
func TestSlowHelper(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		h, err := New(Config{Command: "slow", Timeout: 10 * time.Second, Run: func(ctx context.Context, _ []string) ([]byte, error) {
			runs.Add(1)
			<-ctx.Done()
			return nil, ctx.Err()
		}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { _, errs[i] = authorize(t, h) })
		}
		wg.Wait()
		for _, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "--headers-helper slow did not finish within 10s") {
				t.Errorf("error %v, want the timeout named", err)
			}
		}
		if runs.Load() != 1 {
			t.Errorf("%d runs for three waiting requests, want 1", runs.Load())
		}
		_, _ = authorize(t, h)
		if runs.Load() != 2 {
			t.Errorf("a failed run was not tried again")
		}
	})
}

// next is a sign-in that counts what it is asked.
type next struct{ authorized, refused int }

func (n *next) Authorize(_ context.Context, req *http.Request) error {
	n.authorized++
	req.Header.Set("Authorization", "Bearer from-sign-in")
	return nil
}

func (n *next) Refused(context.Context, *http.Response) error {
	n.refused++
	return errors.New("sign in")
}

// TestInFrontOfTheSignIn: the sign-in adds its token unless the helper
// gives Authorization, and handles the refusals of its token.
func TestInFrontOfTheSignIn(t *testing.T) {
	for _, c := range []struct {
		out       string
		signsIn   bool
		authValue string
	}{{"X-Tenant: blue", true, "Bearer from-sign-in"}, {"Authorization: Bearer from-helper", false, "Bearer from-helper"}} {
		n := &next{}
		runs := 0
		h, _ := New(Config{Command: "h", Next: n, Run: func(context.Context, []string) ([]byte, error) { runs++; return []byte(c.out), nil }})
		req, err := authorize(t, h)
		if err != nil || req.Header.Get("Authorization") != c.authValue || (n.authorized == 1) != c.signsIn {
			t.Errorf("%s: Authorization %q, sign-in asked %d times, %v", c.out, req.Header.Get("Authorization"), n.authorized, err)
		}
		err = h.Refused(t.Context(), &http.Response{StatusCode: http.StatusUnauthorized})
		if runs != 2 || (n.refused == 1) != c.signsIn || (err != nil) != c.signsIn {
			t.Errorf("%s: after a 401, %d runs, sign-in told %d times, %v", c.out, runs, n.refused, err)
		}
	}
}

// TestHelperOutputBounded: a helper that prints more than maxOutput is
// refused, not read on.
func TestHelperOutputBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	_, err := execArgv(context.Background(), []string{"sh", "-c", "head -c 70000 /dev/zero"})
	if err == nil || !strings.Contains(err.Error(), "more than 64 KiB") {
		t.Errorf("a helper printing 70,000 bytes: %v", err)
	}
}

// nonceNext is a sign-in whose tokens are bound to a server nonce.
type nonceNext struct{ next }

func (n *nonceNext) FreshNonce(resp *http.Response) bool { return resp.Header.Get("DPoP-Nonce") != "" }

// TestPassesNonceRetries: the helper lets the transport ask the sign-in
// behind it whether a refusal names a new DPoP nonce.
func TestPassesNonceRetries(t *testing.T) {
	run := func(context.Context, []string) ([]byte, error) { return []byte("X-Tenant: blue"), nil }
	h, _ := New(Config{Command: "h", Next: &nonceNext{}, Run: run})
	demand := &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{"Dpop-Nonce": {"n-1"}}}
	if !h.FreshNonce(demand) || h.FreshNonce(&http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}}) {
		t.Error("the sign-in's answer about the nonce did not come through the helper")
	}
	plain, _ := New(Config{Command: "h", Next: &next{}, Run: run})
	if plain.FreshNonce(demand) {
		t.Error("a sign-in without nonces was said to want a retry")
	}
}
