package app

import (
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// watchJournal exports where calls wait in the counters' journal
// (telemetry.WatchJournal), when the engine keeps one: a counter without
// JournalStats has no such metrics.
func watchJournal(m *telemetry.Metrics, counter any) error {
	j, ok := counter.(interface{ JournalStats() limit.JournalStats })
	if !ok {
		return nil
	}
	return m.WatchJournal(j.JournalStats)
}
