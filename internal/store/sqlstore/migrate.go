package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationFiles are the schema's versions, one ordered list for every
// engine. Version N is either one file NNNN_name.sql that every engine
// runs, or one file per engine, NNNN_name.<engine>.sql, where their SQL
// differs. A migration, once released, is never edited: a change is a
// new version, written for every engine.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Engines are the engines every version must be written for.
var Engines = []string{"sqlite", "postgres"}

// Migration is one schema version, as one engine runs it.
type Migration struct {
	Version int
	Name    string // the file's name
	SQL     string
}

// ErrNewerSchema is the error of a database whose schema is newer than
// the migrations this build knows: a newer Tollgate has upgraded it, and
// running an older one on it could misread or damage what it holds.
var ErrNewerSchema = errors.New("the database's schema is newer than this tollgate knows")

// Migrations returns engine's migrations in version order. It checks the
// whole list, whatever the engine: every version must be there for every
// engine.
func Migrations(engine string) ([]Migration, error) {
	return migrationsIn(migrationFiles, engine)
}

// migrationsIn is Migrations reading the files of fsys.
func migrationsIn(fsys fs.FS, engine string) ([]Migration, error) {
	if !slices.Contains(Engines, engine) {
		return nil, fmt.Errorf("migrations: unknown engine %q", engine)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	type version struct {
		name  string            // the part after the number, e.g. "init"
		files map[string]string // engine ("" shared) → file name
	}
	versions := map[int]*version{}
	for _, file := range names {
		base := path.Base(file)
		stem := strings.TrimSuffix(base, ".sql")
		eng := ""
		if i := strings.LastIndexByte(stem, '.'); i >= 0 {
			stem, eng = stem[:i], stem[i+1:]
			if !slices.Contains(Engines, eng) {
				return nil, fmt.Errorf("migration %s: %q is no engine (%s)", base, eng, strings.Join(Engines, ", "))
			}
		}
		num, name, ok := strings.Cut(stem, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || name == "" {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name[.engine].sql", base)
		}
		ver := versions[v]
		if ver == nil {
			ver = &version{name: name, files: map[string]string{}}
			versions[v] = ver
		}
		if ver.name != name {
			return nil, fmt.Errorf("migration %s: version %d is also named %q", base, v, ver.name)
		}
		ver.files[eng] = file
	}
	var out []Migration
	for _, v := range slices.Sorted(maps.Keys(versions)) {
		ver := versions[v]
		file, shared := ver.files[""]
		switch {
		case shared && len(ver.files) > 1:
			return nil, fmt.Errorf("migration %04d_%s: both a shared file and per-engine files", v, ver.name)
		case !shared:
			for _, e := range Engines {
				if _, ok := ver.files[e]; !ok {
					return nil, fmt.Errorf("migration %04d_%s: no file for %s (%04d_%s.%s.sql)", v, ver.name, e, v, ver.name, e)
				}
			}
			file = ver.files[engine]
		}
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: path.Base(file), SQL: string(b)})
	}
	if len(out) == 0 {
		return nil, errors.New("migrations: none")
	}
	return out, nil
}

// createVersions makes the table of the versions applied, in SQL both
// engines run.
const createVersions = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate brings the schema of db up to date: it applies, each in its own
// transaction under the engine's write lock, the migrations that
// schema_migrations does not list yet. Processes starting together on one
// database apply each migration once: the one that takes the lock first
// applies it, the others find it applied. A schema newer than the last
// migration known is refused with ErrNewerSchema, before and after.
func Migrate(ctx context.Context, e *Engine, db *sql.DB) error {
	return MigrateTo(ctx, e, db, 0)
}

// MigrateTo is Migrate up to version only, or to the latest for 0: the
// schema an older Tollgate left, which tests build to upgrade it.
func MigrateTo(ctx context.Context, e *Engine, db *sql.DB, version int) error {
	all, err := Migrations(e.Name)
	if err != nil {
		return err
	}
	latest := all[len(all)-1].Version
	// One connection for the whole run: an engine's hooks may set what
	// is per connection (SQLite's pragmas).
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := e.inTx(ctx, conn, func(tx querier) error {
		_, err := tx.ExecContext(ctx, createVersions)
		return err
	}); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if err := newer(current, latest); err != nil {
		return err
	}
	for _, m := range all {
		if m.Version <= current {
			continue
		}
		if version > 0 && m.Version > version {
			break
		}
		if err := e.apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	// Another process may have gone further meanwhile.
	if current, err = schemaVersion(ctx, conn); err != nil {
		return err
	}
	return newer(current, latest)
}

func newer(current, latest int) error {
	if current > latest {
		return fmt.Errorf("%w: it is at version %d, this tollgate knows versions up to %d; run the newer tollgate that upgraded it", ErrNewerSchema, current, latest)
	}
	return nil
}

// schemaVersion returns the last version applied, 0 for none.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// inTx runs fn in a transaction on conn that holds the write lock, and
// commits it when fn returns nil.
func (e *Engine) inTx(ctx context.Context, conn *sql.Conn, fn func(tx querier) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.WriteLock != "" {
		if _, err := tx.ExecContext(ctx, e.WriteLock); err != nil {
			return err
		}
	}
	if err := fn(e.bind(tx)); err != nil {
		return err
	}
	return tx.Commit()
}

// apply runs one migration and records it, unless another process did
// while this one waited for the lock.
func (e *Engine) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	if e.BeforeMigration != nil {
		after, err := e.BeforeMigration(ctx, conn, m)
		if err != nil {
			return err
		}
		defer after()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.WriteLock != "" {
		if _, err := tx.ExecContext(ctx, e.WriteLock); err != nil {
			return err
		}
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil || current >= m.Version {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if e.CheckMigration != nil {
		if err := e.CheckMigration(ctx, tx, m); err != nil {
			return err
		}
	}
	if _, err := e.bind(tx).ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
