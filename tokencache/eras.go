package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// The era memo: the one non-secret fact kept outside the index, that a
// server was found to speak a legacy protocol version (it answered
// server/discover with no 2026-07-28). The next bridge to it then sends the
// client's initialize at once instead of probing first, one round trip
// less at every start (2026-07-28 basic/versioning §Backward Compatibility:
// clients "MAY persist it across restarts of the same server
// configuration, re-probing if the cached assumption later fails").

const (
	erasFile = "eras.json"
	// EraMemoTTL is how long a legacy verdict is trusted: a server that
	// has since learned 2026-07-28 is probed again within a week.
	EraMemoTTL = 7 * 24 * time.Hour
	// eraMemoMax bounds the memo's entries (the oldest go first) and
	// eraMemoBytes the file read.
	eraMemoMax   = 256
	eraMemoBytes = 64 << 10
)

// EraMemo is the era memo of one server in a config folder. Its methods
// do nothing on a nil *EraMemo, and a memo that cannot be read or written
// is no memo: the bridge probes, as it would without one.
type EraMemo struct {
	path string
	key  string // the server URL's SHA-256: the file names no server
	now  func() time.Time
}

// EraMemoFor returns server's era memo in dir, or nil for a server this
// machine serves or one reached over plain HTTP: a port here is often
// another server the next time, so its era is always probed.
func EraMemoFor(dir string, server *url.URL) *EraMemo {
	if server == nil || server.Scheme != "https" || netrule.IsLoopback(server.Hostname()) {
		return nil
	}
	sum := sha256.Sum256([]byte(server.String()))
	return &EraMemo{path: filepath.Join(dir, erasFile), key: hex.EncodeToString(sum[:16]), now: time.Now}
}

// eraEntry is one server's verdict.
type eraEntry struct {
	Era     string    `json:"era"` // "legacy"
	Checked time.Time `json:"checked"`
}

// Legacy reports whether the server was found legacy within EraMemoTTL.
func (m *EraMemo) Legacy() bool {
	if m == nil {
		return false
	}
	e, ok := m.read()[m.key]
	return ok && e.Era == "legacy" && m.now().Sub(e.Checked) < EraMemoTTL
}

// Remember records a probe's verdict: legacy, or not (which forgets it).
// It creates the config folder if need be; after an error the memo is as
// it was, and the next start probes.
func (m *EraMemo) Remember(legacy bool) error {
	if m == nil {
		return nil
	}
	all := m.read()
	_, had := all[m.key]
	if !legacy && !had {
		return nil
	}
	delete(all, m.key)
	if legacy {
		trim(all, eraMemoMax-1)
		all[m.key] = eraEntry{Era: "legacy", Checked: m.now().UTC()}
	}
	return m.write(all)
}

// read returns the memo's entries; a missing, oversized or broken file
// reads as empty.
func (m *EraMemo) read() map[string]eraEntry {
	all := map[string]eraEntry{}
	f, err := os.Open(m.path)
	if err != nil {
		return all
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, eraMemoBytes+1))
	if err != nil || len(data) > eraMemoBytes || json.Unmarshal(data, &all) != nil {
		return map[string]eraEntry{}
	}
	return all
}

func (m *EraMemo) write(all map[string]eraEntry) error {
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the era memo: %w", err)
	}
	if err := privateDir(filepath.Dir(m.path)); err != nil {
		return err
	}
	if err := writeFileAtomic(m.path, data); err != nil {
		return fmt.Errorf("write the era memo: %w", err)
	}
	return nil
}

// trim drops the oldest entries until at most n are left.
func trim(all map[string]eraEntry, n int) {
	for len(all) > n {
		oldest := ""
		for k, e := range all {
			if oldest == "" || e.Checked.Before(all[oldest].Checked) {
				oldest = k
			}
		}
		delete(all, oldest)
	}
}
