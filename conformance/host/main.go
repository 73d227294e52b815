// Command host is the MCP host that the official MCP conformance suite
// (npm @modelcontextprotocol/conformance) runs as its "client under test",
// with mcpbridge behind it: the suite starts
//
//	host [--mcpbridge PATH] [--timeout S] SERVER_URL
//
// with MCP_CONFORMANCE_SCENARIO (the scenario's name),
// MCP_CONFORMANCE_PROTOCOL_VERSION (the wire to speak: up to 2025-11-25 the
// stateful initialize handshake, 2026-07-28 stateless requests with _meta)
// and, for some scenarios, MCP_CONFORMANCE_CONTEXT (JSON: pre-registered
// client credentials, tool calls to make, ...). The host starts
// `mcpbridge SERVER_URL [flags]` and plays an ordinary MCP host over the
// bridge's stdin and stdout: it initializes (or discovers), lists and calls
// what the scenario asks for, answers the server's elicitation, sampling and
// roots requests, and exits 0 when every step got a proper answer, 1
// otherwise. Everything the scenario checks on the wire is then mcpbridge's
// doing.
//
// For OAuth scenarios the host sets BROWSER to `host browse`, so the bridge's
// "open the browser" fetches the authorization URL and follows its
// redirects to the bridge's loopback callback (the suite's authorization
// server approves without a login page). `host browse URL` refuses any host
// that is not on this machine.
//
// The bridge binary comes from --mcpbridge, else $MCPBRIDGE_BIN, else
// `mcpbridge` on PATH. $CONFORMANCE_HOST_TIMEOUT (seconds, default 25) bounds
// the whole run; $CONFORMANCE_HOST_EXTRA_ARGS adds bridge arguments
// (whitespace-separated); CONFORMANCE_HOST_ERA=legacy makes the host speak
// 2025-11-25 whatever the wire, so that mcpbridge translates to 2026-07-28. Each run gets a fresh MCPBRIDGE_CONFIG_DIR, so no
// token or registration leaks from one scenario into the next; the bridge's
// --debug log from it is copied to stderr at the end, after the host's own
// trace of every message.
//
// Files: main.go (flags, the run), session.go (the handshake of either
// era; JSON-RPC over the bridge's stdio is internal/stdiohost's),
// scenarios.go (what each scenario asks of a host), browse.go (`host browse`), proc_linux.go and
// proc_other.go (the bridge dies with the host, where the OS can do it).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/stdiohost"
)

const (
	clientName    = "mcpbridge-conformance-host"
	clientVersion = "0.1.0"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "browse" {
		os.Exit(browse(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	bin := fs.String("mcpbridge", os.Getenv("MCPBRIDGE_BIN"), "path to the mcpbridge binary")
	timeout := fs.Int("timeout", envInt("CONFORMANCE_HOST_TIMEOUT", 25), "seconds the whole run may take")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if fs.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: host [--mcpbridge PATH] [--timeout S] SERVER_URL  |  host browse URL")
		return 2
	}
	serverURL := fs.Arg(fs.NArg() - 1) // the suite appends it last
	if *bin == "" {
		*bin = "mcpbridge"
	}
	log := newLogger()
	scenario := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	version := os.Getenv("MCP_CONFORMANCE_PROTOCOL_VERSION")
	if version == "" {
		version = "2025-11-25"
	}
	var scenarioCtx map[string]json.RawMessage
	if raw := os.Getenv("MCP_CONFORMANCE_CONTEXT"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &scenarioCtx); err != nil {
			log.printf("MCP_CONFORMANCE_CONTEXT is not a JSON object: %v", err)
			return 2
		}
	}
	wire := version
	if os.Getenv("CONFORMANCE_HOST_ERA") == "legacy" && (version >= "2026-07-28" || version == "draft") {
		// A 2025-11-25 host in front of mcpbridge: the server's wire is
		// 2026-07-28, and mcpbridge must translate.
		version = "2025-11-25"
	}
	log.printf("scenario %q, protocol %s (server wire %s), server %s", scenario, version, wire, serverURL)

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Second)
	defer cancel()

	cfgDir, err := os.MkdirTemp("", "mcpbridge-conformance-")
	if err != nil {
		log.printf("temp dir: %v", err)
		return 2
	}
	if os.Getenv("CONFORMANCE_HOST_KEEP") == "" {
		defer os.RemoveAll(cfgDir)
	}

	self, err := os.Executable()
	if err != nil {
		log.printf("os.Executable: %v", err)
		return 2
	}
	args := bridgeArgs(*bin, serverURL, scenario, scenarioCtx, cfgDir, *timeout, log)
	cmd := exec.Command(*bin, args...)
	cmd.Env = append(os.Environ(),
		"MCPBRIDGE_CONFIG_DIR="+cfgDir,
		"BROWSER="+self+" browse",
	)
	cmd.Stderr = os.Stderr // the bridge's own lines, as a user would see them
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		log.printf("stdin pipe: %v", err)
		return 2
	}
	// Our own pipe rather than StdoutPipe: Wait must not close the read end
	// while the last answers are still being read.
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		log.printf("stdout pipe: %v", err)
		return 2
	}
	cmd.Stdout = stdoutW
	log.printf("starting %s %s", *bin, strings.Join(quoteArgs(args), " "))
	err = cmd.Start()
	stdoutW.Close()
	if err != nil {
		log.printf("cannot start mcpbridge: %v", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	s := &session{
		ctx: ctx, log: log, version: version,
		stateless: version >= "2026-07-28" || version == "draft",
		scenario:  scenario, context: scenarioCtx,
	}
	var violations violationLog
	p := stdiohost.New(stdin, stdiohost.Options{
		Handle: func(m *stdiohost.Msg) (any, *stdiohost.Error, bool) {
			res, rerr := s.handleServerRequest(m.Method, m.Params)
			return res, rerr, true
		},
		Problem:   func(v string) { violations.add(log, v) },
		Trace:     func(dir string, line []byte) { log.printf("%s %s", dir, stdiohost.Clip(line, 1500)) },
		StrictIDs: true,
	})
	s.p = p
	go func() {
		if err := p.Read(stdout); err != nil {
			log.printf("reading mcpbridge stdout: %v", err)
		}
	}()

	runErr := s.play()
	if runErr != nil {
		log.printf("FAIL: %v", runErr)
	} else {
		log.printf("scenario steps done")
	}

	// Close stdin: the bridge ends the session (DELETE) and exits 0 within ~2 s.
	_ = stdin.Close()
	code := 0
	select {
	case err := <-exited:
		code = exitCode(err)
		log.printf("mcpbridge exited with %d", code)
	case <-time.After(5 * time.Second):
		log.printf("FAIL: mcpbridge still running 5 s after stdin closed; killing it")
		_ = cmd.Process.Kill()
		<-exited
		code = -1
	}
	select {
	case <-p.Done(): // the reader saw EOF
	case <-time.After(2 * time.Second):
		log.printf("mcpbridge's stdout still open 2 s after it exited (a child holds it?)")
	}
	dumpDebugLogs(cfgDir, log)

	ok := runErr == nil
	if v := violations.take(); len(v) > 0 {
		for _, m := range v {
			log.printf("FAIL: bridge protocol violation: %s", m)
		}
		ok = false
	}
	if code != 0 && runErr == nil {
		log.printf("FAIL: mcpbridge exit status %d after stdin EOF (want 0)", code)
		ok = false
	}
	if !ok {
		return 1
	}
	return 0
}

// bridgeArgs is the mcpbridge command line for the scenario: the server URL,
// --debug (its log is copied to stderr at the end), the sign-in flags the
// scenario's context calls for, and $CONFORMANCE_HOST_EXTRA_ARGS. Flags this
// mcpbridge does not know (an older build) are left out with a notice, so
// the run still tests everything else.
func bridgeArgs(bin, serverURL, scenario string, sctx map[string]json.RawMessage, dir string, timeout int, log *logger) []string {
	known := knownFlags(bin)
	args := []string{serverURL}
	add := func(flag string, value ...string) {
		if known != nil && !known[flag] {
			log.printf("note: this mcpbridge has no %s; not passing it", flag)
			return
		}
		args = append(args, flag)
		args = append(args, value...)
	}
	add("--debug")
	if strings.HasPrefix(scenario, "auth/") {
		add("--token-store", "file")
		// Let a sign-in that went wrong end well before the suite's timeout.
		add("--auth-timeout", strconv.Itoa(max(5, timeout-10)))
	}
	for _, a := range authArgs(scenario, sctx, dir, log) {
		add(a.flag, a.value...)
	}
	args = append(args, strings.Fields(os.Getenv("CONFORMANCE_HOST_EXTRA_ARGS"))...)
	return args
}

type flagArg struct {
	flag  string
	value []string
}

// cimdURL is the client metadata URL the suite's auth/basic-cimd expects as
// client_id (its reference client passes it in every authorization-code
// scenario; the authorization server decides whether to use it).
const cimdURL = "https://conformance-test.local/client-metadata.json"

// authArgs maps a scenario and its context to mcp-remote's sign-in flags,
// which mcpbridge takes with the same names and meanings, and to
// mcpbridge's own for the agent-identity grants; tokens the context hands
// over go in files in dir (the run's config folder), as a platform would
// project them.
func authArgs(scenario string, sctx map[string]json.RawMessage, dir string, log *logger) []flagArg {
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(sctx[k], &s)
		return s
	}
	info := func(kv ...string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				m[kv[i]] = kv[i+1]
			}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	switch scenario {
	case "auth/pre-registration":
		// Context: client_id, client_secret (client_secret_basic), issuer.
		return []flagArg{{"--static-oauth-client-info", []string{info("client_id", str("client_id"), "client_secret", str("client_secret"))}}}
	case "auth/client-credentials-basic":
		// Context: client_id, client_secret; grant client_credentials, client_secret_basic.
		return []flagArg{
			{"--client-credentials", nil},
			{"--static-oauth-client-info", []string{info("client_id", str("client_id"), "client_secret", str("client_secret"))}},
		}
	case "auth/client-credentials-jwt":
		// Context: client_id, private_key_pem, signing_algorithm (private_key_jwt).
		// mcpbridge takes the key as "private_key" in the client info and
		// picks the algorithm from the key's type (ES256 for this EC key).
		return []flagArg{
			{"--client-credentials", nil},
			{"--static-oauth-client-info", []string{info("client_id", str("client_id"), "private_key", str("private_key_pem"))}},
		}
	case "auth/wif-jwt-bearer":
		// Context: client_id (not needed: SEP-1933's workload has no
		// client), valid_jwt (aud the authorization server),
		// wrong_audience_jwt and expired_jwt (not used: the checks are on
		// the grant with the valid one, and that a refusal is not retried).
		return []flagArg{{"--workload-identity", []string{"file:" + writeToken(dir, "workload.jwt", str("valid_jwt"), log)}}}
	case "auth/enterprise-managed-authorization":
		// Context: client_id, client_secret (client_secret_basic at the
		// server's authorization server), idp_client_id, idp_id_token,
		// idp_issuer, idp_token_endpoint (found from the issuer's metadata).
		// The id token comes from a command, as from a company's CLI.
		return []flagArg{
			{"--static-oauth-client-info", []string{info("client_id", str("client_id"), "client_secret", str("client_secret"))}},
			{"--idp-issuer", []string{str("idp_issuer")}},
			{"--idp-client-info", []string{info("client_id", str("idp_client_id"))}},
			{"--idp-id-token", []string{"command:cat " + writeToken(dir, "idp-id-token", str("idp_id_token"), log)}},
		}
	}
	// auth/dpop and auth/dpop-nonce need no flag: the authorization
	// server advertises DPoP, and mcpbridge follows it.
	if strings.HasPrefix(scenario, "auth/") {
		return []flagArg{{"--client-metadata-url", []string{cimdURL}}}
	}
	return nil
}

// writeToken writes tok to dir/name (0600) and returns the path.
func writeToken(dir, name, tok string, log *logger) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		log.printf("write %s: %v", path, err)
	}
	return path
}

// knownFlags asks the binary for its flags (--help); nil when it cannot tell.
func knownFlags(bin string) map[string]bool {
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil && len(out) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		f = strings.TrimRight(f, ",")
		if i := strings.IndexAny(f, "[="); i > 0 {
			f = f[:i] // --debug[=true|false]
		}
		if strings.HasPrefix(f, "--") {
			m[f] = true
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func dumpDebugLogs(dir string, log *logger) {
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		log.printf("---- mcpbridge --debug log %s ----", filepath.Base(f))
		_, _ = os.Stderr.Write(b)
		if b[len(b)-1] != '\n' {
			fmt.Fprintln(os.Stderr)
		}
		log.printf("---- end of debug log ----")
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t\"'{}") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

// logger writes the host's trace to stderr (the suite keeps it in
// stderr.txt), each line stamped with the time since start.
type logger struct{ start time.Time }

func newLogger() *logger { return &logger{start: time.Now()} }

func (l *logger) printf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "host %7.3fs: %s\n", time.Since(l.start).Seconds(), fmt.Sprintf(format, a...))
}

// violationLog collects the bridge's breaches of the stdio rules
// (internal/stdiohost finds them).
type violationLog struct {
	mu   sync.Mutex
	list []string
}

func (v *violationLog) add(log *logger, m string) {
	log.printf("VIOLATION: %s", m)
	v.mu.Lock()
	v.list = append(v.list, m)
	v.mu.Unlock()
}

func (v *violationLog) take() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.list
	v.list = nil
	return out
}
