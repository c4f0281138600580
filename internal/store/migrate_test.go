package store

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/testenv"
)

func embeddedNames(t *testing.T) []string {
	t.Helper()
	ms, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
	}
	return names
}

func TestMigrateAppliesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	want := embeddedNames(t)
	s := openStore(t, Config{URL: testenv.DatabaseURL(t)})

	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	if !slices.Equal(applied, want) {
		t.Errorf("first Migrate applied %v, want %v", applied, want)
	}
	applied, err = s.Migrate(ctx)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v, want none", applied)
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(want))
	}
}

func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.DatabaseURL(t)
	const migrators = 4
	stores := make([]*Store, migrators) // one pool each, as separate processes would have
	for i := range stores {
		stores[i] = openStore(t, Config{URL: dsn, MaxConns: 2})
	}
	results := make([][]string, migrators)
	errs := make([]error, migrators)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { results[i], errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	var all []string
	for i := range stores {
		if errs[i] != nil {
			t.Errorf("Migrate %d: %v", i, errs[i])
		}
		all = append(all, results[i]...)
	}
	slices.Sort(all)
	if want := embeddedNames(t); !slices.Equal(all, want) {
		t.Errorf("migrators applied %v together, want each of %v exactly once", all, want)
	}
}

func TestMigrateRefusesDivergedDatabase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		tamper  string
		wantErr error
	}{
		{
			name:    "migration from a newer binary",
			tamper:  `INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')`,
			wantErr: ErrUnknownMigration,
		},
		{
			name:    "applied migration edited",
			tamper:  `UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`,
			wantErr: ErrModifiedMigration,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newStore(t)
			if _, err := s.Pool().Exec(ctx, tc.tamper); err != nil {
				t.Fatal(err)
			}
			applied, err := s.Migrate(ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Migrate = %v, %v; want %v", applied, err, tc.wantErr)
			}
		})
	}
}

func TestMigrateStopsAtFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t)})
	ms, err := loadMigrations(fstest.MapFS{
		"m/0001_ok.sql":     {Data: []byte(`CREATE TABLE a (x int); CREATE TABLE b (y int);`)},
		"m/0002_broken.sql": {Data: []byte(`CREATE TABLE c (z int); SELECT no_such_function();`)},
		"m/0003_later.sql":  {Data: []byte(`CREATE TABLE d (w int);`)},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	applied, err := s.migrate(ctx, ms)
	if err == nil {
		t.Fatal("migrate succeeded, want the error of 0002_broken.sql")
	}
	if !slices.Equal(applied, []string{"0001_ok.sql"}) {
		t.Errorf("applied %v, want [0001_ok.sql]", applied)
	}
	rows, err := s.Pool().Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "schema_migrations"}; !slices.Equal(tables, want) {
		t.Errorf("tables %v, want %v (0002 rolled back whole, 0003 not run)", tables, want)
	}
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []string
		wantErr bool
	}{
		{
			name:  "ordered by version",
			files: fstest.MapFS{"m/0010_c.sql": {}, "m/0002_b.sql": {}, "m/0001_a.sql": {}},
			want:  []string{"0001_a.sql", "0002_b.sql", "0010_c.sql"},
		},
		{name: "duplicate version", files: fstest.MapFS{"m/0001_a.sql": {}, "m/0001_b.sql": {}}, wantErr: true},
		{name: "version zero", files: fstest.MapFS{"m/0000_a.sql": {}}, wantErr: true},
		{name: "bad name", files: fstest.MapFS{"m/1_a.sql": {}}, wantErr: true},
		{name: "stray file", files: fstest.MapFS{"m/0001_a.sql": {}, "m/README": {}}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms, err := loadMigrations(tc.files, "m")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("loadMigrations = %v, want an error", ms)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMigrateAcceptsAmendedMigration: a database that applied an earlier
// text of an amended migration is current, not diverged.
func TestMigrateAcceptsAmendedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for name, sums := range amendedMigrations {
		if _, err := s.Pool().Exec(ctx, `UPDATE schema_migrations SET checksum = $1 WHERE name = $2`, sums[0], name); err != nil {
			t.Fatal(err)
		}
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("Migrate over amended migrations = %v, %v; want nothing applied, no error", applied, err)
	}
}

// TestMigrateWithoutPreload: on a server that has TimescaleDB but does not
// preload it, migrations make plain tables and say once, naming the setting,
// why — they never fail.
func TestMigrateWithoutPreload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := testenv.PlainPostgres(t)
	var logs testenv.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := Open(ctx, Config{URL: testenv.PlainDatabaseURL(t)}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if ts, err := s.Timescale(ctx); err != nil || ts {
		t.Fatalf("Timescale = %v, %v; want false", ts, err)
	}
	if !pg.TimescaleInstalled() {
		return // plain PostgreSQL: nothing to warn about
	}
	got := logs.String()
	if n := strings.Count(got, "level=WARN"); n != 1 || !strings.Contains(got, "shared_preload_libraries") {
		t.Errorf("want one warning naming shared_preload_libraries, got %d:\n%s", n, got)
	}
}
