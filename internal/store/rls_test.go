package store

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/testenv"
)

const (
	tenantA = "tenant-a"
	tenantB = "tenant-b"
)

// seedTenant writes one row in every tenant table for tenant and returns the
// scenario and run ids.
func seedTenant(t *testing.T, s *Store, tenant string) (scenarioID, runID string) {
	t.Helper()
	ctx := context.Background()
	err := s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name, drivers, tags)
			VALUES ($1, $2, '[{"driver_type": "curve_shock", "payload": {"shift_abs": 1}}]', '{demo}') RETURNING id`,
			tenant, "base case").Scan(&scenarioID); err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds)
			VALUES ($1, $2, '2025-01-02', $3, 60) RETURNING id`, tenant, scenarioID, "hash-"+tenant).Scan(&runID); err != nil {
			return fmt.Errorf("scenario_run: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label,
			metric, value, deltas)
			VALUES ($1, $2, 1, 'MONTHLY', '2025-02', 'mid', 42, '{}')`, tenant, runID); err != nil {
			return fmt.Errorf("scenario_output: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (tenant_id, topic, key, payload)
			VALUES ($1, 'aurum.scenario.request.v1', $2, '{}')`, tenant, []byte(runID)); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed %s: %v", tenant, err)
	}
	return scenarioID, runID
}

// tenantRowSQL is, per tenant table, an insert of a row claiming tenant $1
// (and referencing tenant A's scenario or run $2 where the table needs one)
// and a column to update.
var tenantRowSQL = map[string]struct {
	insert string
	ref    string // "scenario" or "run": the insert's $2 is tenant A's
	column string
}{
	"scenario": {
		insert: `INSERT INTO scenario (tenant_id, name) VALUES ($1, 'intruder')`,
		column: "name = 'hijacked'",
	},
	"scenario_run": {
		insert: `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds)
			VALUES ($1, $2::uuid, '2025-01-02', 'intruder', 60)`,
		ref:    "scenario",
		column: "state = 'CANCELLED'",
	},
	"scenario_output": {
		insert: `INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label, metric, value, deltas)
			VALUES ($1, $2::uuid, 2, 'MONTHLY', '2025-02', 'mid', 1, '{}')`,
		ref:    "run",
		column: "value = -1",
	},
	"outbox": {
		insert: `INSERT INTO outbox (tenant_id, topic, payload) VALUES ($1, 'aurum.scenario.request.v1', '{}')`,
		column: "published_at = now()",
	},
}

func count(ctx context.Context, tx pgx.Tx, table string) (int, error) {
	var n int
	// table comes from the test's own list, never from input.
	err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}

func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	scenarioA, runA := seedTenant(t, s, tenantA)
	seedTenant(t, s, tenantB)

	for _, table := range tenantTables {
		sql := tenantRowSQL[table]
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			insertArgs := []any{tenantA}
			switch sql.ref {
			case "scenario":
				insertArgs = append(insertArgs, scenarioA)
			case "run":
				insertArgs = append(insertArgs, runA)
			}
			// The owner sees exactly its row.
			if err := s.InTenant(ctx, tenantA, func(tx pgx.Tx) error { return wantCount(ctx, tx, table, 1) }); err != nil {
				t.Errorf("tenant A: %v", err)
			}
			if err := s.InTenant(ctx, tenantB, func(tx pgx.Tx) error {
				var n int
				err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()+" WHERE tenant_id = $1",
					tenantA).Scan(&n)
				if err != nil || n != 0 {
					return fmt.Errorf("select of tenant A's rows: %d, %v; want 0", n, err)
				}
				tag, err := tx.Exec(ctx, "UPDATE "+pgx.Identifier{table}.Sanitize()+" SET "+sql.column+" WHERE tenant_id = $1", tenantA)
				if err != nil || tag.RowsAffected() != 0 {
					return fmt.Errorf("update of tenant A's rows: %v, %v; want 0 rows", tag, err)
				}
				tag, err = tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{table}.Sanitize()+" WHERE tenant_id = $1", tenantA)
				if err != nil || tag.RowsAffected() != 0 {
					return fmt.Errorf("delete of tenant A's rows: %v, %v; want 0 rows", tag, err)
				}
				return nil
			}); err != nil {
				t.Errorf("tenant B: %v", err)
			}
			// Moving its own row to tenant A fails the WITH CHECK.
			err := s.InTenant(ctx, tenantB, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE "+pgx.Identifier{table}.Sanitize()+" SET tenant_id = $1", tenantA)
				return err
			})
			if pgCode(err) != codeInsufficientPrivilege {
				t.Errorf("tenant B moving its row to tenant A: %v, want SQLSTATE %s", err, codeInsufficientPrivilege)
			}
			// Inserting a row for tenant A, whether or not it references A's rows.
			err = s.InTenant(ctx, tenantB, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, sql.insert, insertArgs...)
				return err
			})
			if pgCode(err) != codeInsufficientPrivilege {
				t.Errorf("tenant B inserting a row of tenant A: %v, want SQLSTATE %s", err, codeInsufficientPrivilege)
			}
			// Tenant A's row is untouched.
			if err := s.InTenant(ctx, tenantA, func(tx pgx.Tx) error { return wantCount(ctx, tx, table, 1) }); err != nil {
				t.Errorf("tenant A afterwards: %v", err)
			}
			// No tenant: nothing visible, nothing insertable.
			if err := s.InTx(ctx, func(tx pgx.Tx) error { return wantCount(ctx, tx, table, 0) }); err != nil {
				t.Errorf("no tenant: %v", err)
			}
			err = s.InTx(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, sql.insert, insertArgs...)
				return err
			})
			if pgCode(err) != codeInsufficientPrivilege {
				t.Errorf("insert without a tenant: %v, want SQLSTATE %s", err, codeInsufficientPrivilege)
			}
		})
	}

	t.Run("cross-tenant reference", func(t *testing.T) {
		t.Parallel()
		// Tenant B naming tenant A's scenario in its own run: the composite
		// foreign key finds no (tenant-b, scenario) row.
		err := s.InTenant(ctx, tenantB, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds)
				VALUES ($1, $2, '2025-01-02', 'x', 60)`, tenantB, scenarioA)
			return err
		})
		if pgCode(err) != "23503" {
			t.Errorf("got %v, want foreign key violation", err)
		}
	})
}

func wantCount(ctx context.Context, tx pgx.Tx, table string, want int) error {
	n, err := count(ctx, tx, table)
	if err != nil {
		return fmt.Errorf("count %s: %w", table, err)
	}
	if n != want {
		return fmt.Errorf("%s: %d rows visible, want %d", table, n, want)
	}
	return nil
}

var loginSeq atomic.Int64

// loginStore opens a store connecting as a fresh LOGIN role that is only a
// member of aurum_app: the production set-up.
func loginStore(t *testing.T, admin *Store, dsn string) *Store {
	t.Helper()
	ctx := context.Background()
	role := fmt.Sprintf("aurum_login_%d_%d", loginSeq.Add(1), admin.Pool().Config().ConnConfig.Port)
	role = strings.ReplaceAll(role, "-", "_")
	if _, err := admin.Pool().Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN IN ROLE "+AppRole); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Runs after the login store's own Close (cleanups are LIFO).
		if _, err := admin.Pool().Exec(context.Background(), "DROP ROLE "+pgx.Identifier{role}.Sanitize()); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	return openStore(t, Config{URL: loginURL(t, dsn, role), MaxConns: 4})
}

// TestRowLevelSecurityArbitrarySQL shows what holds for any SQL, not only for
// InTenant's: connected as a non-superuser member of aurum_app, nothing but
// setting app.current_tenant to another tenant reveals that tenant's rows.
func TestRowLevelSecurityArbitrarySQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.DatabaseURL(t)
	admin := openStore(t, Config{URL: dsn})
	if _, err := admin.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seedTenant(t, admin, tenantA)
	seedTenant(t, admin, tenantB)
	login := loginStore(t, admin, dsn)
	var superuser string
	if err := admin.Pool().QueryRow(ctx, `SELECT current_user`).Scan(&superuser); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		store   *Store
		inB     bool     // run inside InTenant(tenant B) rather than a plain transaction
		stmts   []string // run first, as given
		want    int      // tenant A scenarios visible afterwards
		wantErr string   // SQLSTATE of the first failing statement
	}{
		{name: "plain transaction, no tenant", store: login, want: 0},
		{name: "RESET ROLE", store: login, stmts: []string{"RESET ROLE"}, want: 0},
		{name: "SET ROLE aurum_app", store: login, stmts: []string{"SET ROLE aurum_app"}, want: 0},
		{name: "SET ROLE to the superuser is refused", store: login,
			stmts: []string{"SET ROLE " + pgx.Identifier{superuser}.Sanitize()}, wantErr: codeInsufficientPrivilege},
		{name: "SET row_security = off fails instead of bypassing", store: login,
			stmts: []string{"SET row_security = off"}, wantErr: codeInsufficientPrivilege},
		{name: "InTenant(B), fn resets role", store: login, inB: true, stmts: []string{"RESET ROLE"}, want: 0},
		{name: "InTenant(B), fn resets role and all settings", store: login, inB: true,
			stmts: []string{"RESET ROLE", "RESET ALL"}, want: 0},
		{name: "setting app.current_tenant to A is the only way in", store: login,
			stmts: []string{"SELECT set_config('app.current_tenant', '" + tenantA + "', true)"}, want: 1},
		// The documented limit: a superuser connection can leave aurum_app.
		{name: "superuser connection, InTenant(B), fn resets role", store: admin, inB: true,
			stmts: []string{"RESET ROLE"}, want: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n int
			fn := func(tx pgx.Tx) error {
				for _, stmt := range tc.stmts {
					if _, err := tx.Exec(ctx, stmt); err != nil {
						return err
					}
				}
				return tx.QueryRow(ctx, `SELECT count(*) FROM scenario WHERE tenant_id = $1`, tenantA).Scan(&n)
			}
			var err error
			if tc.inB {
				err = tc.store.InTenant(ctx, tenantB, fn)
			} else {
				err = pgx.BeginFunc(ctx, tc.store.Pool(), fn)
			}
			if tc.wantErr != "" {
				if pgCode(err) != tc.wantErr {
					t.Fatalf("got %v, want SQLSTATE %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("%d of tenant A's scenarios visible, want %d", n, tc.want)
			}
		})
	}
}

// TestRelay shows the relay reads and marks every tenant's outbox rows and
// can do nothing else.
func TestRelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	seedTenant(t, s, tenantA)
	seedTenant(t, s, tenantB)

	cases := []struct {
		name     string
		sql      string
		want     int64 // rows affected or counted
		wantCode string
	}{
		{name: "marks rows of every tenant", sql: `UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE published_at IS NULL`, want: 2},
		{name: "cannot rewrite a message", sql: `UPDATE outbox SET topic = 'elsewhere'`, wantCode: codeInsufficientPrivilege},
		{name: "cannot add a message", sql: `INSERT INTO outbox (tenant_id, topic, payload) VALUES ('tenant-a', 't', '{}')`, wantCode: codeInsufficientPrivilege},
		{name: "cannot read scenarios", sql: `SELECT * FROM scenario`, wantCode: codeInsufficientPrivilege},
		{name: "cannot read runs", sql: `SELECT * FROM scenario_run`, wantCode: codeInsufficientPrivilege},
		{name: "deletes nothing unpublished", sql: `DELETE FROM outbox WHERE published_at IS NULL`, want: 0},
	}
	for _, tc := range cases { // sequential: the delete case relies on the marking one
		t.Run(tc.name, func(t *testing.T) {
			var affected int64
			err := s.InRelay(ctx, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, tc.sql)
				affected = tag.RowsAffected()
				return err
			})
			if tc.wantCode != "" {
				if pgCode(err) != tc.wantCode {
					t.Fatalf("got %v, want SQLSTATE %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if affected != tc.want {
				t.Errorf("%d rows affected, want %d", affected, tc.want)
			}
		})
	}
	var n int
	err := s.InRelay(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NOT NULL`).Scan(&n)
	})
	if err != nil || n != 2 {
		t.Errorf("published rows seen by the relay: %d, %v; want 2", n, err)
	}
}
