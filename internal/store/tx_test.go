package store

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestInTenantRequiresTenant(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	called := false
	err := s.InTenant(context.Background(), "", func(pgx.Tx) error { called = true; return nil })
	if !errors.Is(err, ErrNoTenant) {
		t.Errorf("InTenant with no tenant = %v, want ErrNoTenant", err)
	}
	if called {
		t.Error("fn ran without a tenant")
	}
}

func TestInTenantSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	cases := []struct {
		name       string
		run        func(fn func(pgx.Tx) error) error
		wantRole   string
		wantTenant string
	}{
		{"InTenant", func(fn func(pgx.Tx) error) error { return s.InTenant(ctx, "acme", fn) }, AppRole, "acme"},
		// A tenant that is SQL in disguise is just an unknown tenant.
		{"InTenant with quotes", func(fn func(pgx.Tx) error) error { return s.InTenant(ctx, "x'; RESET ROLE; --", fn) },
			AppRole, "x'; RESET ROLE; --"},
		{"InTx", func(fn func(pgx.Tx) error) error { return s.InTx(ctx, fn) }, AppRole, ""},
		{"InRelay", func(fn func(pgx.Tx) error) error { return s.InRelay(ctx, fn) }, RelayRole, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var role, tenant string
			err := tc.run(func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT current_user, current_setting('app.current_tenant', true)`).Scan(&role, &tenant)
			})
			if err != nil {
				t.Fatal(err)
			}
			if role != tc.wantRole || tenant != tc.wantTenant {
				t.Errorf("ran as %q for tenant %q, want %q for %q", role, tenant, tc.wantRole, tc.wantTenant)
			}
		})
	}
}

func TestInTenantRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	errBoom := errors.New("boom")
	err := s.InTenant(ctx, tenantA, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO scenario (tenant_id, name) VALUES ($1, 'doomed')`, tenantA); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTenant = %v, want fn's error", err)
	}
	if err := s.InTenant(ctx, tenantA, func(tx pgx.Tx) error { return wantCount(ctx, tx, "scenario", 0) }); err != nil {
		t.Error(err)
	}
}

// TestNoTenantLeaksAcrossTransactions runs on a one-connection pool so every
// transaction reuses the connection the previous one left behind.
func TestNoTenantLeaksAcrossTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t), MaxConns: 1})
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seedTenant(t, s, tenantA)

	// A careless fn sets tenant A at session level, which outlives its
	// transaction.
	err := s.InTenant(ctx, tenantA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT set_config('app.current_tenant', $1, false)`, tenantA)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var leaked string
	if err := s.Pool().QueryRow(ctx, `SELECT current_setting('app.current_tenant', true)`).Scan(&leaked); err != nil {
		t.Fatal(err)
	}
	if leaked != tenantA {
		t.Fatalf("session setting %q, want %q: the test no longer sets up a leak", leaked, tenantA)
	}
	cases := []struct {
		name string
		run  func(fn func(pgx.Tx) error) error
	}{
		{"InTenant of another tenant", func(fn func(pgx.Tx) error) error { return s.InTenant(ctx, tenantB, fn) }},
		{"InTx", func(fn func(pgx.Tx) error) error { return s.InTx(ctx, fn) }},
	}
	for _, tc := range cases { // sequential: one connection
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(func(tx pgx.Tx) error { return wantCount(ctx, tx, "scenario", 0) }); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestInTxWritesMarketData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO ext_series (provider, series_id, title, updated_ts)
			VALUES ($1, $2, $3, now())`, "FRED", "CPILFESL", "Core CPI")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var title string
	if err := s.Pool().QueryRow(ctx, `SELECT title FROM ext_series WHERE provider = $1 AND series_id = $2`,
		"FRED", "CPILFESL").Scan(&title); err != nil || title != "Core CPI" {
		t.Errorf("title = %q, %v; want Core CPI", title, err)
	}
}
