package store

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// openStore opens a store on url and closes it when the test ends.
func openStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// newStore opens a migrated store on a fresh database.
func newStore(t *testing.T) *Store {
	t.Helper()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t)})
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// pgCode is the SQLSTATE of err, or "" if err is not from the server.
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// SQLSTATEs the tests expect.
const (
	codeUniqueViolation       = "23505"
	codeInsufficientPrivilege = "42501"
	codeCheckViolation        = "23514"
)

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "empty URL", cfg: Config{}, wantErr: "database URL is required"},
		{name: "malformed URL", cfg: Config{URL: "postgres://aurum:s3cret@127.0.0.1:badport/x"}, wantErr: "invalid database URL"},
		{name: "negative max conns", cfg: Config{URL: "postgres://x@127.0.0.1/x", MaxConns: -1}, wantErr: "must not be negative"},
		{name: "negative read conns", cfg: Config{URL: "postgres://x@127.0.0.1/x", ReadConns: -1}, wantErr: "read connections -1: must not be negative"},
		{name: "min above max", cfg: Config{URL: "postgres://x@127.0.0.1/x", MaxConns: 2, MinConns: 3}, wantErr: "exceed max"},
		{
			name:    "unreachable server",
			cfg:     Config{URL: "postgres://aurum:s3cret@127.0.0.1:1/aurum?sslmode=disable", ConnectTimeout: 2 * time.Second},
			wantErr: "connect to database aurum@127.0.0.1:1/aurum",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(context.Background(), tc.cfg, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}

func TestOpenPingTimescale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t), MaxConns: 2, ReadConns: 3})
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if got, reads := s.Pool().Config().MaxConns, s.Reads().Config().MaxConns; got != 2 || reads != 3 {
		t.Errorf("MaxConns = %d, reads %d; want 2 and 3", got, reads)
	}
	byDefault := openStore(t, Config{URL: testenv.DatabaseURL(t)})
	if got, want := byDefault.Reads().Config().MaxConns, int32(2*runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("reads by default: %d connections, want twice GOMAXPROCS, %d", got, want)
	}
	if ts, err := s.Timescale(ctx); err != nil || ts {
		t.Errorf("Timescale before Migrate = %v, %v; want false, nil", ts, err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var available bool
	if err := s.Pool().QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')`).Scan(&available); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Timescale(ctx)
	if err != nil {
		t.Fatalf("Timescale: %v", err)
	}
	if ts != available {
		t.Errorf("Timescale after Migrate = %v, want %v (extension available)", ts, available)
	}
	s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// loginURL is dsn with its user replaced.
func loginURL(t *testing.T, dsn, user string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	return u.String()
}
