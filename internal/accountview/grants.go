package accountview

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
)

// Grants prints the events f picks from the grant ledger in the config
// folder dir, as WriteGrants prints them.
func Grants(w io.Writer, dir string, f ledger.Filter, asJSON bool) error {
	events, err := ledger.Read(dir)
	if err != nil {
		return err
	}
	return WriteGrants(w, events, f, asJSON, dir)
}

// WriteGrants prints the events f picks: one table row per server and
// account (ledger.WriteTable), or with asJSON one JSON array of the events;
// dir is the config folder, named when there is none.
func WriteGrants(w io.Writer, events []ledger.Event, f ledger.Filter, asJSON bool, dir string) error {
	picked := f.Apply(events)
	switch {
	case asJSON:
		return json.NewEncoder(w).Encode(append([]ledger.Event{}, picked...))
	case len(picked) == 0:
		_, err := fmt.Fprintf(w, "No grants recorded (grant ledger: %s).\n", filepath.Join(dir, ledger.FileName))
		return err
	}
	return ledger.WriteTable(w, ledger.Summarize(picked))
}
