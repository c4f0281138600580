package devenv_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/devenv"
)

// privateRootDir is a directory like a clone in root's home: owned by root,
// mode 0700, so the servers' unprivileged users cannot enter it.
func privateRootDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the servers run as the caller unless it is root")
	}
	dir, err := os.MkdirTemp("", "aurum-private-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// removeRelocated removes, when the test ends, the files a server kept
// outside dir.
func removeRelocated(t *testing.T, dir string) {
	t.Cleanup(func() {
		if target, err := os.Readlink(dir); err == nil {
			_ = os.RemoveAll(target)
		}
	})
}

// requireServiceOwned fails unless dir leads to files the server's
// unprivileged user owns.
func requireServiceOwned(t *testing.T, dir string) {
	t.Helper()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Fatalf("%s belongs to root, not to the server's user", dir)
	}
}

// TestPostgresStartsUnderPrivateDir is `make run` from a clone in /root: the
// data dir's parent is root's and 0700. The server starts, a second start
// finds the rows of the first, and removing the data dir starts afresh.
func TestPostgresStartsUnderPrivateDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(privateRootDir(t), ".aurum", "postgres")
	removeRelocated(t, dir)

	start := func() *devenv.Postgres {
		t.Helper()
		pg, err := devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: dir}, discard())
		if err != nil {
			t.Fatalf("start under %s: %v", dir, err)
		}
		t.Cleanup(func() { _ = pg.Stop() })
		return pg
	}
	pg := start()
	requireServiceOwned(t, filepath.Join(dir, "pgdata"))
	exec(ctx, t, pg.DefaultURL(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	pg = start()
	if v := keptValue(ctx, t, pg.DefaultURL()); v != 42 {
		t.Fatalf("kept after restart: %d, want 42", v)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	pg = start()
	// Succeeds only on a fresh cluster: the old one had the table.
	exec(ctx, t, pg.DefaultURL(), "CREATE TABLE kept (v int)")
}

func keptValue(ctx context.Context, t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRedisStartsUnderPrivateDir: Redis, too, keeps its append-only file
// where its user can write it, and finds it again after the clone moved.
func TestRedisStartsUnderPrivateDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := func(dir string) (*devenv.Redis, *redis.Client) {
		t.Helper()
		removeRelocated(t, dir)
		rd, err := devenv.StartRedis(ctx, devenv.RedisConfig{Dir: dir, Durable: true}, discard())
		if err != nil {
			t.Fatalf("start under %s: %v", dir, err)
		}
		t.Cleanup(func() { _ = rd.Stop() })
		opts, err := redis.ParseURL(rd.URL())
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		return rd, c
	}
	clone := privateRootDir(t)
	rd, c := start(filepath.Join(clone, ".aurum", "redis"))
	requireServiceOwned(t, filepath.Join(clone, ".aurum", "redis"))
	if err := c.Set(ctx, "devenv-test", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}

	moved := clone + "-moved"
	if err := os.Rename(clone, moved); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(moved) })
	_, c = start(filepath.Join(moved, ".aurum", "redis"))
	if got := c.Get(ctx, "devenv-test").Val(); got != "v" {
		t.Fatalf("after the clone moved: got %q, want the value written before", got)
	}
}
