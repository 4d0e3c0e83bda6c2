// Package repair is tollgate repair: it makes a data directory that serve
// refuses (internal/app, StateError) one that it starts on, by moving what
// cannot be read aside into <data>/quarantine/<time>/, never deleting it,
// and telling what was lost: calls, charges and balances by account,
// decoded from the quarantined records where they can be.
package repair

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// QuarantineDir is where a repair moves what it cannot read, under a
// directory named for the time of the repair.
const QuarantineDir = "quarantine"

// Run repairs the data directory dataDir and writes what it did and what
// was lost to out. getenv reads the master key's variable, as serve does.
// A directory serve would start on is left as it is.
func Run(ctx context.Context, dataDir string, getenv func(string) string, out io.Writer, now time.Time) error {
	if _, err := os.Stat(dataDir); err != nil {
		return err
	}
	q := filepath.Join(dataDir, QuarantineDir, now.UTC().Format("20060102T150405.000000000Z"))
	changed := false

	// The database: missing or empty in a used directory.
	if err := app.CheckDatabaseFile(dataDir); err != nil {
		var se *app.StateError
		if !errors.As(err, &se) {
			return err
		}
		moved, err := moveDatabase(dataDir, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "database: %s\n  moved aside to %s: %s\n", se.File, q, se.Reason)
		fmt.Fprintf(out, "  lost: every group, API, backend, account, key, plan, subscription and recharge it held (%s)\n", moved)
		fmt.Fprintf(out, "  a new, empty database takes its place; the admin token and the master key are kept\n")
		changed = true
	}
	sealer, err := secret.Load(dataDir, getenv)
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	st, err := sqlite.Open(ctx, dataDir, sealer)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	counters := filepath.Join(dataDir, app.CountersDir)
	dbID, err := st.DataID(ctx)
	if err != nil {
		return err
	}
	counterID, _, idErr := limit.ReadDataID(counters)
	lost := &limit.Lost{}
	if idErr == nil && counterID != "" && counterID != dbID && (dbID != "" || !changed) {
		// Sound counters of another data directory than the database's:
		// the database holds the configuration and is kept.
		l, err := limit.QuarantineDir(counters, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "counters: %s belong to data directory %s, the database to %q: moved aside to %s\n",
			counters, counterID, dbID, q)
		merge(lost, l)
		counterID = ""
		changed = true
	}
	id := cmp.Or(dbID, counterID, limit.NewDataID())
	if err := st.StampDataID(ctx, id); err != nil {
		return err
	}
	has, err := limit.HasState(counters)
	if err != nil {
		return err
	}
	if !has {
		subs, recharges, err := st.Money(ctx)
		if err != nil {
			return err
		}
		if subs+recharges > 0 {
			fmt.Fprintf(out, "counters: %s is missing while the store holds %d paid subscriptions and %d recharges\n"+
				"  lost: what every account spent (balances are whole again), all usage and the nonces of the replay window\n",
				counters, subs, recharges)
			changed = true
		}
	}
	l, err := limit.Repair(counters, id, q)
	if err != nil {
		return err
	}
	merge(lost, l)
	for _, f := range l.Files {
		changed = true
		if f.From > 0 {
			fmt.Fprintf(out, "counters: %s is damaged at offset %d: copied to %s and cut there, keeping the records before it\n", f.File, f.From, f.To)
		} else {
			fmt.Fprintf(out, "counters: %s cannot be read as this data directory's: moved aside to %s\n", f.File, f.To)
		}
	}
	if err := reportLost(ctx, out, counters, id, lost); err != nil {
		return err
	}
	if !changed {
		fmt.Fprintln(out, "nothing to repair: serve starts on this data directory as it is")
		return nil
	}
	fmt.Fprintf(out, "repaired: serve can start; what was moved aside is in %s\n", q)
	return nil
}

// moveDatabase moves the database file and its WAL and shared-memory
// files into q, and says how big the database was.
func moveDatabase(dataDir, q string) (string, error) {
	if err := os.MkdirAll(q, 0o700); err != nil {
		return "", err
	}
	size := "missing"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		name := filepath.Join(dataDir, sqlite.FileName+suffix)
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if suffix == "" {
			size = fmt.Sprintf("%d bytes", fi.Size())
		}
		if err := os.Rename(name, filepath.Join(q, filepath.Base(name))); err != nil {
			return "", err
		}
	}
	return size, nil
}

func merge(into, l *limit.Lost) {
	if into.Quotas == nil {
		into.Quotas, into.Usage, into.Charges = map[limit.Key]int64{}, map[limit.UsageRow]bool{}, map[string]bool{}
	}
	into.Records += l.Records
	into.Nonces += l.Nonces
	into.Bytes += l.Bytes
	into.Files = append(into.Files, l.Files...)
	for k, v := range l.Quotas {
		into.Quotas[k] = v
	}
	for k := range l.Usage {
		into.Usage[k] = true
	}
	for k := range l.Charges {
		into.Charges[k] = true
	}
}

// reportLost prints what the quarantined records held that the repaired
// counters do not: per account, the spend of its balance and the calls
// and charges of its usage; then other quotas, charges and nonces.
func reportLost(ctx context.Context, out io.Writer, counters, id string, lost *limit.Lost) error {
	if lost.Records == 0 && lost.Bytes == 0 {
		return nil
	}
	m, err := limit.OpenMemory(counters, limit.Options{DataID: id})
	if err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(out, "lost: %d bytes quarantined, %d whole records decoded from them\n", lost.Bytes, lost.Records)
	keys := make([]limit.Key, 0, len(lost.Quotas))
	for k := range lost.Quotas {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b limit.Key) int { return cmp.Or(cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.ID, b.ID)) })
	for _, k := range keys {
		was := lost.Quotas[k]
		if k.Scope != "balance" {
			fmt.Fprintf(out, "  quota %s %s: use %d last recorded in the lost records\n", k.Scope, k.ID, was)
			continue
		}
		// A balance is a Total quota: its use is the spend.
		probe := limit.Quota{Key: k, Limit: math.MaxInt64 / 2, Period: limit.Total}
		r, err := m.Reserve(ctx, probe, 0, 0)
		if err != nil {
			return err
		}
		now := probe.Limit - r.Remaining
		fmt.Fprintf(out, "  account %s: balance spend %d recorded in the lost records, %d now: %d of charges forgotten\n",
			k.ID, was, now, max(0, was-now))
	}
	type total struct{ calls, ok, charged int64 }
	byPin := map[string]*total{}
	for row := range lost.Usage {
		rows, err := m.Usage(ctx, row.Pin, row.Hour, row.Hour.Add(time.Hour))
		if err != nil {
			return err
		}
		var now limit.Usage
		for _, r := range rows {
			if r.UsageKey == row.UsageKey && r.Hour.Equal(row.Hour) {
				now = r.Usage
			}
		}
		t := byPin[row.Pin]
		if t == nil {
			t = &total{}
			byPin[row.Pin] = t
		}
		t.calls += max(0, row.Calls-now.Calls)
		t.ok += max(0, row.OK-now.OK)
		t.charged += max(0, row.Charged-now.Charged)
	}
	pins := make([]string, 0, len(byPin))
	for p := range byPin {
		pins = append(pins, p)
	}
	slices.Sort(pins)
	for _, p := range pins {
		t := byPin[p]
		fmt.Fprintf(out, "  account %s: usage of %d calls (%d successful, %d charged) forgotten\n", p, t.calls, t.ok, t.charged)
	}
	for c := range lost.Charges {
		fmt.Fprintf(out, "  purchase %s: its charge was in the lost records; if it is still pending, the next start cancels it\n", c)
	}
	if lost.Nonces > 0 {
		fmt.Fprintf(out, "  %d nonces: a request signed with one of them could be replayed within its time window\n", lost.Nonces)
	}
	return nil
}
