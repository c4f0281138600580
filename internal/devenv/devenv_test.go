package devenv_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/devenv"
	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestPostgresRestartKeepsData shows the property `aurum dev` relies on: a
// stopped or crashed server comes back on the same data dir with its rows.
func TestPostgresRestartKeepsData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := worldReadableTempDir(t)
	pg, err := devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: dir}, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	exec(ctx, t, pg.DefaultURL(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")

	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, pg.DefaultURL()); err == nil {
		t.Fatal("connected to a killed server")
	}
	if err := pg.Start(ctx); err != nil {
		t.Fatalf("restart after kill: %v", err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	pg2, err := devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: dir}, discard())
	if err != nil {
		t.Fatalf("second start on the same dir: %v", err)
	}
	t.Cleanup(func() { _ = pg2.Stop() })
	conn, err := pgx.Connect(ctx, pg2.DefaultURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("row after restarts: %d, %v", v, err)
	}
	if os.Geteuid() == 0 {
		info, err := os.Stat(filepath.Join(dir, "pgdata"))
		if err != nil {
			t.Fatal(err)
		}
		if info.Sys().(*syscall.Stat_t).Uid == 0 {
			t.Fatal("running as root, the cluster must belong to an unprivileged user")
		}
	}
}

func TestRedisServes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Set(ctx, "devenv-test", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := c.Get(ctx, "devenv-test").Val(); got != "v" {
		t.Fatalf("got %q", got)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func worldReadableTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "aurum-devenv-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		}
	})
	return dir
}

func exec(ctx context.Context, t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}
