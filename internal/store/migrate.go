package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var embeddedMigrations embed.FS

// ErrUnknownMigration is returned by Migrate when the database records a
// migration this binary does not have: a newer binary migrated it, and this
// one must not run against a schema it does not know.
var ErrUnknownMigration = errors.New("database has a migration this binary does not know")

// ErrModifiedMigration is returned by Migrate when an applied migration's
// file has changed since: migrations are forward-only, add a new one.
var ErrModifiedMigration = errors.New("applied migration was modified")

// migrateLockKey is the pg_advisory_lock key serialising Migrate across
// processes ("aurum" followed by 1). Advisory locks are per database.
const migrateLockKey int64 = 0x617572756d000001

// migration is one embedded file, migrations/NNNN_name.sql.
type migration struct {
	version  int
	name     string // file name, e.g. 0001_roles.sql
	sql      string
	checksum string // hex sha256 of sql
}

// amendedMigrations lists, per migration, the checksums of its earlier
// texts that a database may have recorded. A migration is amended only when
// it could not apply somewhere, or in its comments, its effect where it did
// apply unchanged: a database that applied an earlier text is as current as
// one that applied the amended one.
var amendedMigrations = map[string][]string{
	// Checked the TimescaleDB preload before CREATE EXTENSION, which
	// otherwise ends the session with FATAL on a server that has the
	// extension but does not preload it; comments cite docs/CONTRACTS.md.
	"0002_market_data.sql": {"3ddbab790ecc38386d29ef84c97d945555c45143b72619f3102158019720eddf"},
	// Comments cite docs/CONTRACTS.md.
	"0003_tenant_data.sql": {"1a6d2c0677ebf242661facb491a79631eca566f2b1b1054553583357c9dbe2aa"},
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads dir of fsys, ordered by version.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_lower_snake.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if v == 0 {
			return nil, fmt.Errorf("migration %s: versions start at 0001", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body), checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// Migrate applies the embedded migrations the database lacks, in version
// order, each in its own transaction, and returns the names of those it
// applied (none when the schema is current). Concurrent callers, in this or
// other processes, are serialised by an advisory lock; the second finds
// nothing left to do. It fails with ErrUnknownMigration if the database is
// ahead of this binary and with ErrModifiedMigration if an applied file was
// edited. A failed migration is rolled back and stops the run; those before
// it stay applied. Migrations must not use statements that cannot run in a
// transaction (CREATE INDEX CONCURRENTLY).
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	return s.migrate(ctx, ms)
}

// MigrateTo is Migrate stopping after migration version: it applies the
// embedded migrations up to and including it. For upgrade tests, and for
// operators who stage a release's schema change.
func (s *Store) MigrateTo(ctx context.Context, version int) ([]string, error) {
	ms, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return m.version > version })
	if i < 0 {
		i = len(ms)
	}
	return s.migrate(ctx, ms[:i])
}

func (s *Store) migrate(ctx context.Context, ms []migration) (applied []string, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: acquire connection: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		conn.Release()
		return nil, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrateLockKey); uerr != nil {
			// A connection that may still hold the lock must not return to
			// the pool; closing it releases the lock.
			_ = conn.Conn().Close(uctx)
		}
		conn.Release()
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		checksum   text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	done, err := appliedMigrations(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	if err := checkApplied(ms, done); err != nil {
		return nil, err
	}
	applied = []string{}
	for _, m := range ms {
		if _, ok := done[m.version]; ok {
			continue
		}
		start := time.Now()
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return applied, err
		}
		s.logger.Info("store: applied migration", slog.String("migration", m.name),
			slog.Duration("took", time.Since(start)))
		applied = append(applied, m.name)
	}
	return applied, nil
}

type appliedMigration struct{ name, checksum string }

func appliedMigrations(ctx context.Context, conn *pgx.Conn) (map[int]appliedMigration, error) {
	rows, err := conn.Query(ctx, `SELECT version, name, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	done := map[int]appliedMigration{}
	var v int
	var a appliedMigration
	_, err = pgx.ForEachRow(rows, []any{&v, &a.name, &a.checksum}, func() error {
		done[v] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	return done, nil
}

// checkApplied refuses a database that is ahead of, or diverged from, ms.
func checkApplied(ms []migration, done map[int]appliedMigration) error {
	known := map[int]migration{}
	for _, m := range ms {
		known[m.version] = m
	}
	var unknown []string
	for v, a := range done {
		m, ok := known[v]
		if !ok {
			unknown = append(unknown, a.name)
			continue
		}
		if m.checksum != a.checksum && !slices.Contains(amendedMigrations[m.name], a.checksum) {
			return fmt.Errorf("migrate: %w: %s differs from the file applied as %s", ErrModifiedMigration, m.name, a.name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("migrate: %w: %s (upgrade this binary)", ErrUnknownMigration, strings.Join(unknown, ", "))
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m migration) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// No arguments: pgx sends the file with the simple protocol, which
		// runs several statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
			m.version, m.name, m.checksum)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: apply %s: %w", m.name, err)
	}
	return nil
}
