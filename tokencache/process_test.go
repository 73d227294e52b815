package tokencache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The multi-process tests re-execute the test binary: TestHelperProcess
// does one role, chosen by MCPBRIDGE_TOKENCACHE_HELPER, and reports on
// stdout in lines starting with "HELPER ". The test tells a helper when
// to go on with a line on its stdin (tell); a helper waits for it with
// parentSays, never for a guessed time.

const helperEnv = "MCPBRIDGE_TOKENCACHE_HELPER"

// helper is a running helper process.
type helper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	mu     sync.Mutex
	output bytes.Buffer // everything it wrote, for failure messages
	done   chan struct{}
	err    error // of Wait, once done is closed
}

func startHelper(t *testing.T, role string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + role}, env...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: in, lines: make(chan string, 100), done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{h}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			h.mu.Lock()
			h.output.WriteString(line + "\n")
			h.mu.Unlock()
			if rest, ok := strings.CutPrefix(line, "HELPER "); ok {
				h.lines <- rest
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-h.done:
		default:
			_ = h.cmd.Process.Kill()
			<-h.done
		}
	})
	go func() { h.err = h.cmd.Wait(); close(h.done) }()
	return h
}

type lockedWriter struct{ h *helper }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.output.Write(p)
}

func (h *helper) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.output.String()
}

// expect waits, up to d, for the helper's next report and checks that it
// starts with prefix.
func (h *helper) expect(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	line := h.next(t, prefix, d)
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("helper said %q, want %q; output:\n%s", line, prefix, h.log())
	}
	return strings.TrimSpace(strings.TrimPrefix(line, prefix))
}

// next waits, up to d, for the helper's next report, whatever it is; want
// says what was expected, for the failure message.
func (h *helper) next(t *testing.T, want string, d time.Duration) string {
	t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			t.Fatalf("helper %v ended before %q; output:\n%s", h.cmd.Args, want, h.log())
		}
		return line
	case <-time.After(d):
		t.Fatalf("no %q from the helper within %v; output:\n%s", want, d, h.log())
	}
	return ""
}

// tell writes line to the helper's stdin, where parentSays reads it.
func (h *helper) tell(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(h.stdin, line+"\n"); err != nil {
		t.Fatalf("telling the helper %q: %v; output:\n%s", line, err, h.log())
	}
}

// wait waits, up to d, for the helper to exit, and returns its error.
func (h *helper) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(d):
		_ = h.cmd.Process.Kill()
		t.Fatalf("helper did not exit within %v; output:\n%s", d, h.log())
	}
	return nil
}

func (h *helper) exitOK(t *testing.T, d time.Duration) {
	t.Helper()
	if err := h.wait(t, d); err != nil || !h.cmd.ProcessState.Success() {
		t.Errorf("helper failed (%v); output:\n%s", h.cmd.ProcessState, h.log())
	}
}

// TestHelperProcess is not a test: it is the body of the helper processes.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(helperEnv)
	if role == "" {
		t.Skip("helper process for the multi-process tests")
	}
	err := runHelper(role)
	if err != nil {
		fmt.Printf("HELPER error %v\n", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func runHelper(role string) error {
	dir, name := os.Getenv("DIR"), os.Getenv("NAME")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if role == "nobus" {
		return helperNoBus(ctx, dir)
	}
	s, err := Open(ctx, Options{Dir: dir, Mode: File})
	if err != nil {
		return err
	}
	switch role {
	case "counter":
		return helperCounter(ctx, s, name)
	case "hold":
		if _, err := s.Lock(ctx, name); err != nil {
			return err
		}
		fmt.Println("HELPER locked")
		// The test never writes this line: hold the lock until killed, or
		// until stdin ends with the test process.
		_ = parentSays("never")
		return errors.New("was not killed")
	case "wait":
		// Refused first, so that the test knows the lock is held against
		// it; then wait for it.
		if err := refused(ctx, s, name); err != nil {
			return err
		}
		fmt.Println("HELPER waiting")
		unlock, err := s.Lock(ctx, name)
		if err != nil {
			return err
		}
		fmt.Println("HELPER acquired")
		unlock()
		return nil
	case "crashwriter":
		return helperCrashWriter(ctx, s)
	case "put":
		n, _ := strconv.Atoi(os.Getenv("COUNT"))
		if err := parentSays("go"); err != nil {
			return err
		}
		return putMany(ctx, s, os.Getenv("PREFIX"), n)
	}
	return fmt.Errorf("unknown role %q", role)
}

var parentLines = bufio.NewReader(os.Stdin)

// parentSays waits for the line want on stdin, written by helper.tell.
func parentSays(want string) error {
	line, err := parentLines.ReadString('\n')
	if err != nil {
		return fmt.Errorf("waiting for %q from the test: %w", want, err)
	}
	if got := strings.TrimSuffix(line, "\n"); got != want {
		return fmt.Errorf("the test said %q, want %q", got, want)
	}
	return nil
}

// refused asks for the lock with a 20 ms deadline, shorter than Lock's
// 25 ms poll: one try. It fails unless the lock is held by someone else.
func refused(ctx context.Context, s *Store, name string) error {
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	unlock, err := s.Lock(short, name)
	if err == nil {
		unlock()
		return errors.New("got the lock that another process holds")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// helperCounter increments the counter secret under the lock, recording
// its critical section in an append-only log and an exclusive sentinel.
// On the test's "go" it asks for the lock with one try (see refused): the
// process that gets it says "holding" and stays in its critical section
// until the test, having heard every other process say "refused", says
// "on"; the others wait for the lock.
func helperCounter(ctx context.Context, s *Store, name string) error {
	dir := s.Dir()
	if err := parentSays("go"); err != nil {
		return err
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	unlock, err := s.Lock(short, name)
	cancel()
	first := err == nil
	switch {
	case first:
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Println("HELPER refused")
		if unlock, err = s.Lock(ctx, name); err != nil {
			return err
		}
	default:
		return err
	}
	defer unlock()
	logf, err := os.OpenFile(filepath.Join(dir, "sections.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	pid := os.Getpid()
	fmt.Fprintf(logf, "enter %d\n", pid)
	sentinel, err := os.OpenFile(filepath.Join(dir, "inside"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("another process is inside the critical section: %w", err)
	}
	sentinel.Close()
	if first {
		fmt.Println("HELPER holding")
		if err := parentSays("on"); err != nil {
			return err
		}
	}
	v, err := s.Get(ctx, name)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return err
	}
	if err := s.Put(ctx, name, []byte(strconv.Itoa(n+1)), Meta{Kind: "counter"}); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, "inside")); err != nil {
		return err
	}
	fmt.Fprintf(logf, "exit %d\n", pid)
	return nil
}

// putMany stores count secrets named prefix-i, and deletes every third
// one right after storing it.
func putMany(ctx context.Context, s *Store, prefix string, count int) error {
	for i := range count {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if err := s.Put(ctx, name, []byte("secret of "+name), Meta{Kind: "tokens", Server: "https://" + name}); err != nil {
			return err
		}
		if i%3 == 2 {
			if err := s.Delete(ctx, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestLockAcrossProcesses: 8 processes started at once increment a
// counter under Store.Lock: while the first is in its critical section,
// each of the other 7 is refused the lock; the result is 8 and no two
// critical sections overlap.
func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	s := openFiles(t, dir)
	ctx := context.Background()
	const name, procs = "tokens-counter", 8
	if err := s.Put(ctx, name, []byte("0"), Meta{}); err != nil {
		t.Fatal(err)
	}
	var hs []*helper
	for range procs {
		hs = append(hs, startHelper(t, "counter", "DIR="+dir, "NAME="+name))
	}
	for _, h := range hs {
		h.tell(t, "go")
	}
	holding := 0
	for _, h := range hs {
		switch line := h.next(t, "holding or refused", 15*time.Second); line {
		case "holding":
			holding++
		case "refused":
		default:
			t.Fatalf("helper said %q, want holding or refused; output:\n%s", line, h.log())
		}
	}
	if holding != 1 {
		t.Fatalf("%d processes got the lock at once, want 1", holding)
	}
	for _, h := range hs {
		h.tell(t, "on") // only the one holding the lock reads it
	}
	for _, h := range hs {
		h.exitOK(t, 25*time.Second)
	}
	got, err := s.Get(ctx, name)
	if err != nil || string(got) != strconv.Itoa(procs) {
		t.Errorf("counter = %q, %v; want %d", got, err, procs)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "sections.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2*procs {
		t.Errorf("%d log lines, want %d:\n%s", len(lines), 2*procs, raw)
	}
	pids := map[string]bool{}
	for i := 0; i+1 < len(lines); i += 2 {
		in, out := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(in) != 2 || len(out) != 2 || in[0] != "enter" || out[0] != "exit" || in[1] != out[1] {
			t.Fatalf("critical sections overlap or are incomplete at line %d:\n%s", i+1, raw)
		}
		pids[in[1]] = true
	}
	if len(pids) != procs {
		t.Errorf("%d distinct processes entered, want %d", len(pids), procs)
	}
}

// TestLockInOneProcess: the lock also excludes goroutines of one process
// (each Lock is a lock of its own), other names are independent, and a
// deadline bounds the wait.
func TestLockInOneProcess(t *testing.T) {
	synctest.Test(t, testLockInOneProcess)
}

// testLockInOneProcess runs in a synctest bubble: Lock's 25 ms polls and
// the 100 ms deadline pass on the fake clock, in no real time.
func testLockInOneProcess(t *testing.T) {
	s := openFiles(t, t.TempDir())
	ctx := context.Background()
	var inside, overlaps, total atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			unlock, err := s.Lock(lctx, "tokens-a")
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) != 1 {
				overlaps.Add(1)
			} else {
				// Stay inside until every other goroutine is done or
				// parked in Lock: a Lock that let one in would overlap.
				synctest.Wait()
			}
			total.Add(1)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if overlaps.Load() != 0 || total.Load() != 8 {
		t.Errorf("%d overlapping sections, %d of 8 done", overlaps.Load(), total.Load())
	}
	unlock, err := s.Lock(ctx, "tokens-a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Lock(ctx, "tokens-b")
	if err != nil {
		t.Fatalf("a lock on another name: %v", err)
	}
	other()
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Lock(short, "tokens-a")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "tokens-a") {
		t.Errorf("Lock past its deadline: %v", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 100*time.Millisecond+slack {
		t.Errorf("Lock with a 100 ms deadline returned after %v", d)
	}
	unlock()
	again, err := s.Lock(ctx, "tokens-a")
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	again()
}

// TestLockHolderKilled: another process holding the lock makes Lock fail
// at its deadline with an error naming the lock, and refuses it to a
// third process; when the holder is killed with SIGKILL, the process
// waiting for the lock gets it within a second.
func TestLockHolderKilled(t *testing.T) {
	dir := t.TempDir()
	s := openFiles(t, dir)
	const name = "tokens-held"
	holder := startHelper(t, "hold", "DIR="+dir, "NAME="+name)
	holder.expect(t, "locked", 15*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Lock(ctx, name)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Lock succeeded while another process holds it")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), name) {
		t.Errorf("error %q should name %s and wrap the deadline", err, name)
	}
	if elapsed < 280*time.Millisecond || elapsed > 300*time.Millisecond+slack {
		t.Errorf("Lock with a 300 ms deadline returned after %v", elapsed)
	}

	waiter := startHelper(t, "wait", "DIR="+dir, "NAME="+name)
	// "waiting" comes after the waiter was refused the lock (refused).
	waiter.expect(t, "waiting", 15*time.Second)
	select {
	case line := <-waiter.lines:
		t.Fatalf("the waiter got %q while the lock was held", line)
	default:
	}
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	waiter.expect(t, "acquired", 10*time.Second)
	if d := time.Since(killed); d > time.Second {
		t.Errorf("the waiter got the lock %v after the holder was killed, want under a second", d)
	}
	if err := holder.wait(t, 10*time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("holder: %v, want killed", err)
	}
	waiter.exitOK(t, 10*time.Second)
	quick, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	unlock, err := s.Lock(quick, name)
	if err != nil {
		t.Fatalf("Lock after the holder died and the waiter left: %v", err)
	}
	unlock()
}

// TestConcurrentPutsKeepTheIndex: goroutines (sharing a Store and each
// with its own) and processes Put and Delete at once; the index ends valid
// JSON holding exactly the surviving entries, each secret readable.
func TestConcurrentPutsKeepTheIndex(t *testing.T) {
	dir := t.TempDir()
	shared := openFiles(t, dir)
	ctx := context.Background()
	const goroutines, procs, count = 8, 4, 15
	var hs []*helper
	for p := range procs {
		hs = append(hs, startHelper(t, "put", "DIR="+dir, fmt.Sprintf("PREFIX=proc%d", p), fmt.Sprintf("COUNT=%d", count)))
	}
	for _, h := range hs {
		h.tell(t, "go")
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := shared
			if g%2 == 1 {
				s = openFiles(t, dir)
			}
			if err := putMany(ctx, s, fmt.Sprintf("gor%d", g), count); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, h := range hs {
		h.exitOK(t, 25*time.Second)
	}

	want := map[string]bool{}
	for _, prefix := range []string{"gor", "proc"} {
		n := goroutines
		if prefix == "proc" {
			n = procs
		}
		for p := range n {
			for i := range count {
				if i%3 != 2 {
					want[fmt.Sprintf("%s%d-%d", prefix, p, i)] = true
				}
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version int             `json:"version"`
		Entries map[string]Meta `json:"entries"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("credentials.json is not valid JSON: %v", err)
	}
	for n := range want {
		m, ok := f.Entries[n]
		if !ok {
			t.Errorf("entry %s missing from the index", n)
			continue
		}
		if m.Name != n || m.Server != "https://"+n || m.Backend != "file" {
			t.Errorf("entry %s = %+v", n, m)
		}
		if got, err := shared.Get(ctx, n); err != nil || string(got) != "secret of "+n {
			t.Errorf("Get(%s) = %q, %v", n, got, err)
		}
	}
	for n := range f.Entries {
		if !want[n] {
			t.Errorf("entry %s should have been deleted", n)
		}
	}
	if l, err := shared.List(); err != nil || len(l) != len(want) {
		t.Errorf("List: %d entries, %v; want %d", len(l), err, len(want))
	}
	noTemporaries(t, dir, filepath.Join(dir, "secrets"))
}

// TestAutoFallsBackWithoutSessionBus: the real go-keyring (no fake), with
// the session bus pointing at nothing, as on a headless machine or in a
// container: Auto mode opens on files and says so; Keychain mode fails
// clearly. It runs in a child process: go-keyring's D-Bus connection is
// shared process-wide, and another test may have opened it already.
func TestAutoFallsBackWithoutSessionBus(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, "nobus", "DIR="+dir, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent")
	var r noBusReport
	if err := json.Unmarshal([]byte(h.expect(t, "report", 20*time.Second)), &r); err != nil {
		t.Fatal(err)
	}
	h.exitOK(t, 10*time.Second)
	if r.Backend != "file" {
		t.Errorf("Auto mode without a session bus: backend %q", r.Backend)
	}
	folder := filepath.Join(dir, "secrets")
	if len(r.Notices) != 1 || !strings.Contains(r.Notices[0], folder) || !strings.Contains(r.Notices[0], "keychain") {
		t.Errorf("notices %q: want one, naming the keychain and %s", r.Notices, folder)
	}
	if r.Elapsed > 3*time.Second {
		t.Errorf("the fallback took %v: it waited for the timeout instead of seeing the error", r.Elapsed)
	}
	if r.RoundTrip != "ok" {
		t.Errorf("files after the fallback: %s", r.RoundTrip)
	}
	if !strings.Contains(r.KeychainErr, "keychain") || !strings.Contains(r.KeychainErr, "--token-store file") {
		t.Errorf("Keychain mode without a session bus: %q", r.KeychainErr)
	}
}

type noBusReport struct {
	Backend     string
	Notices     []string
	Elapsed     time.Duration
	RoundTrip   string
	KeychainErr string
}

func helperNoBus(ctx context.Context, dir string) error {
	var r noBusReport
	start := time.Now()
	s, err := Open(ctx, Options{Dir: dir, Mode: Auto, Timeout: 10 * time.Second, Notice: func(m string) { r.Notices = append(r.Notices, m) }})
	r.Elapsed = time.Since(start)
	if err != nil {
		return err
	}
	r.Backend = s.Backend()
	r.RoundTrip = "ok"
	if err := s.Put(ctx, "tokens-a", []byte("x"), Meta{}); err != nil {
		r.RoundTrip = err.Error()
	} else if got, err := s.Get(ctx, "tokens-a"); err != nil || string(got) != "x" {
		r.RoundTrip = fmt.Sprintf("Get = %q, %v", got, err)
	}
	if _, err := Open(ctx, Options{Dir: dir, Mode: Keychain, Timeout: 10 * time.Second}); err != nil {
		r.KeychainErr = err.Error()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Printf("HELPER report %s\n", b)
	return nil
}
