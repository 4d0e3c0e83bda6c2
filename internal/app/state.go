package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tollgate-gw/tollgate/internal/admin"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// Damaged state is refused, not forgotten: serve starts only on a data
// directory whose database and counters belong together and read whole.
// Each refusal names the file (and, for the counters, the offset) and
// says to run tollgate repair, which quarantines what cannot be read and
// reports what was lost (internal/repair).

// CountersDir is the counters' directory in a data directory.
const CountersDir = "counters"

// StateError is a data directory serve refuses to start on.
type StateError struct {
	File   string
	Offset int64
	Reason string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s at offset %d: %s; nothing was changed: restore it from a backup, or run `tollgate repair --data DIR` to quarantine it and see what is lost",
		e.File, e.Offset, e.Reason)
}

// Used reports whether a data directory has been started on before: it
// has an admin token, which a first start writes once its store is open.
func Used(dataDir string) (bool, error) {
	_, err := os.Stat(tokenPath(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// CheckDatabaseFile refuses a database that is missing or empty in a data
// directory that has been used: opening it would start as new, with the
// old admin token and master key, and forget every group, key and
// subscription.
func CheckDatabaseFile(dataDir string) error {
	used, err := Used(dataDir)
	if err != nil || !used {
		return err
	}
	file := filepath.Join(dataDir, sqlite.FileName)
	fi, err := os.Stat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return &StateError{File: file, Reason: "the database is missing, but the data directory has been used (" + tokenPath(dataDir) + " exists)"}
	}
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return &StateError{File: file, Reason: "the database is empty (0 bytes), but the data directory has been used (" + tokenPath(dataDir) + " exists)"}
	}
	return nil
}

// openCounters opens the counters of dataDir for the store st, after
// checking that they belong together: the database and the counters name
// one data directory id (a database without one is stamped, once: a new
// one, or one written before ids), and counters are there if the store
// holds money whose spend they count. A damaged counters file is refused
// by limit.OpenMemory (limit.CorruptError); a torn tail is cut off and
// logged.
//
// A store that nodes share (shared) is stamped by the first node, and
// every node's counters take its id: counters kept with another store are
// refused as with SQLite. A node's counters may be missing whatever money
// the store holds: a node joining a cluster starts with none (until the
// counters are shared too, each node counts on its own; docs/cluster.md).
func openCounters(ctx context.Context, dataDir string, st configStore, shared bool, log *slog.Logger) (*limit.Memory, error) {
	dir := filepath.Join(dataDir, CountersDir)
	dbFile := filepath.Join(dataDir, sqlite.FileName)
	dbID, err := st.DataID(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the data directory id: %w", err)
	}
	counterID, _, err := limit.ReadDataID(dir)
	if err != nil {
		return nil, stateError(err)
	}
	if shared && dbID == "" && counterID == "" {
		// Nodes starting together on a new store take one id.
		if dbID, err = st.ClaimDataID(ctx, limit.NewDataID()); err != nil {
			return nil, err
		}
	}
	snapshot := filepath.Join(dir, "snapshot")
	if shared && counterID != "" && counterID != dbID {
		return nil, fmt.Errorf("the counters in %s were kept with another store (%s belongs to data directory %s, the store to %q): "+
			"start this node on a data directory without counters (with the cluster's master key), or point --store at the store they were kept with",
			dir, snapshot, counterID, dbID)
	}
	switch {
	case dbID == "" && counterID != "":
		return nil, &StateError{File: dbFile, Reason: "the database names no data directory, but " + snapshot +
			" belongs to " + counterID + ": the database is not the one these counters were kept with"}
	case dbID != "" && counterID != "" && dbID != counterID:
		return nil, &StateError{File: snapshot, Reason: "the counters belong to data directory " + counterID +
			", the database " + dbFile + " to " + dbID}
	}
	has, err := limit.HasState(dir)
	if err != nil {
		return nil, err
	}
	if !has && !shared {
		subs, recharges, err := st.Money(ctx)
		if err != nil {
			return nil, err
		}
		if subs+recharges > 0 {
			return nil, &StateError{File: dir, Reason: fmt.Sprintf("the counters are missing, but the store holds %d paid subscriptions and %d recharges: "+
				"every balance would be whole again", subs, recharges)}
		}
	}
	id := dbID
	if id == "" {
		id = counterID
	}
	if id == "" {
		id = limit.NewDataID()
	}
	if err := st.StampDataID(ctx, id); err != nil {
		return nil, err
	}
	m, err := limit.OpenMemory(dir, limit.Options{DataID: id, OnTorn: func(file string, offset, dropped int64) {
		log.Warn("torn tail of a counters journal cut off", "file", file, "offset", offset, "bytesDropped", dropped)
	}})
	if err != nil {
		return nil, stateError(err)
	}
	return m, nil
}

// stateError makes a limit.CorruptError a StateError.
func stateError(err error) error {
	var ce *limit.CorruptError
	if errors.As(err, &ce) {
		return &StateError{File: ce.File, Offset: ce.Offset, Reason: ce.Reason}
	}
	return err
}

// reconcilePurchases settles the purchases a crash left half done, before
// anything can be bought or called (admin.ReconcilePurchases).
func (s *Server) reconcilePurchases(ctx context.Context) error {
	settled, err := admin.ReconcilePurchases(ctx, s.store, s.counter)
	if err != nil {
		return fmt.Errorf("settle pending purchases: %w", err)
	}
	for _, p := range settled {
		outcome := "cancelled: its balance could not pay for it"
		switch {
		case p.ChargedNow:
			outcome = "finished: its payment was in the ledger, and is charged on the counters now"
		case p.Charged:
			outcome = "finished: its charge was made"
		}
		s.log.Warn("a purchase interrupted by a crash was "+outcome, "purchase", p.ID, "pin", p.Pin,
			"subscription", p.SubscriptionID, "price", p.Price)
	}
	return nil
}
