package accountview

import (
	"encoding/json"
	"io"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
)

// WriteGrants prints the events f picks: one table row per server and
// account (ledger.WriteTable), or with asJSON one JSON array of the events.
func WriteGrants(w io.Writer, events []ledger.Event, f ledger.Filter, asJSON bool) error {
	picked := f.Apply(events)
	if asJSON {
		return json.NewEncoder(w).Encode(append([]ledger.Event{}, picked...))
	}
	return ledger.WriteTable(w, ledger.Summarize(picked))
}
