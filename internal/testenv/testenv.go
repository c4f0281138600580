// Package testenv gives tests real infrastructure: a private PostgreSQL and a
// private Redis server per test binary, started on first use from the local
// installation (see internal/devenv) and stopped when the binary's tests end,
// and an in-process Kafka cluster with the embedded registry per test.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/devenv"
	"github.com/aurum-energy/aurum/internal/registry"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// servers are shared by one test binary: starting PostgreSQL takes a second
// or two, a fresh database per test takes milliseconds.
var servers struct {
	mu    sync.Mutex
	root  string
	pg    *devenv.Postgres
	plain *devenv.Postgres // without TimescaleDB preloaded
	redis *devenv.Redis
	dbSeq atomic.Int64
}

// Main runs the tests of a package and then stops the servers they used.
func Main(m *testing.M) {
	code := m.Run()
	stopAll()
	os.Exit(code)
}

func stopAll() {
	servers.mu.Lock()
	defer servers.mu.Unlock()
	for _, pg := range []*devenv.Postgres{servers.pg, servers.plain} {
		if pg != nil {
			_ = pg.Stop()
		}
	}
	if servers.redis != nil {
		_ = servers.redis.Stop()
	}
	if servers.root != "" {
		_ = os.RemoveAll(servers.root)
	}
}

// rootDir is a world-traversable temporary directory for the servers' data;
// t.TempDir is private to root, and the servers run as unprivileged users.
func rootDir() (string, error) {
	if servers.root != "" {
		return servers.root, nil
	}
	dir, err := os.MkdirTemp("", "aurum-testenv-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	servers.root = dir
	return dir, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Postgres returns the binary's PostgreSQL server, starting it if needed.
// Outage tests may Stop, Kill and Start it; other tests should use
// DatabaseURL.
func Postgres(t testing.TB) *devenv.Postgres {
	t.Helper()
	return shared(t, &servers.pg, "PostgreSQL", func(ctx context.Context, root string) (*devenv.Postgres, error) {
		return devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: filepath.Join(root, "postgres"), NoJobs: true}, quietLogger())
	})
}

// shared returns *slot, starting the server into it on first use.
func shared[T comparable](t testing.TB, slot *T, name string, start func(ctx context.Context, root string) (T, error)) T {
	t.Helper()
	servers.mu.Lock()
	defer servers.mu.Unlock()
	var zero T
	if *slot != zero {
		return *slot
	}
	root, err := rootDir()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	server, err := start(ctx, root)
	if err != nil {
		t.Fatalf("testenv: start %s: %v", name, err)
	}
	*slot = server
	return server
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// PlainPostgres returns a second PostgreSQL server of the binary, one that
// does not preload TimescaleDB even where it is installed (as an operator
// may have left it): migrations make plain tables there. Tests of the
// plain-PostgreSQL path use it; on a machine without TimescaleDB it is a
// server like Postgres.
func PlainPostgres(t testing.TB) *devenv.Postgres {
	t.Helper()
	return shared(t, &servers.plain, "PostgreSQL without TimescaleDB", func(ctx context.Context, root string) (*devenv.Postgres, error) {
		return devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: filepath.Join(root, "postgres-plain"), NoTimescale: true}, quietLogger())
	})
}

// DatabaseURL creates a fresh, empty database for the calling test and
// returns its DSN, connecting as the server's superuser. The server
// preloads TimescaleDB when it is installed.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return databaseOn(t, Postgres(t))
}

// PlainDatabaseURL is DatabaseURL on PlainPostgres: a database where the
// migrations make plain tables.
func PlainDatabaseURL(t testing.TB) string {
	t.Helper()
	return databaseOn(t, PlainPostgres(t))
}

func databaseOn(t testing.TB, pg *devenv.Postgres) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", servers.dbSeq.Add(1), unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pg.CreateDatabase(ctx, name); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return pg.URL(name)
}

// Redis returns the binary's Redis server, starting it if needed.
func Redis(t testing.TB) *devenv.Redis {
	t.Helper()
	return shared(t, &servers.redis, "Redis", func(ctx context.Context, root string) (*devenv.Redis, error) {
		return devenv.StartRedis(ctx, devenv.RedisConfig{Dir: filepath.Join(root, "redis")}, quietLogger())
	})
}

// RedisURL returns the URL of the binary's Redis server. The server is
// shared by the binary's tests: use keys (tenants, prefixes) of your own.
func RedisURL(t testing.TB) string {
	t.Helper()
	return Redis(t).URL()
}

// OwnPostgres starts a PostgreSQL server for the calling test alone, for
// tests that pause or stop it: the binary's shared server must keep
// answering the other tests. It is stopped when the test ends.
func OwnPostgres(t testing.TB) *devenv.Postgres {
	t.Helper()
	return own(t, "PostgreSQL", func(ctx context.Context, dir string) (*devenv.Postgres, error) {
		return devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: dir, NoJobs: true}, quietLogger())
	})
}

// OwnRedis starts a Redis server for the calling test alone, for tests that
// pause or stop it. It is stopped when the test ends.
func OwnRedis(t testing.TB) *devenv.Redis {
	t.Helper()
	return own(t, "Redis", func(ctx context.Context, dir string) (*devenv.Redis, error) {
		return devenv.StartRedis(ctx, devenv.RedisConfig{Dir: dir}, quietLogger())
	})
}

// pausable is a server a test may pause.
type pausable interface {
	Resume() error
	Stop() error
}

// own starts a server in a directory of its own under the binary's root
// and stops it (resumed first, should the test have left it paused) at the
// end of the test.
func own[T pausable](t testing.TB, name string, start func(ctx context.Context, dir string) (T, error)) T {
	t.Helper()
	servers.mu.Lock()
	root, err := rootDir()
	servers.mu.Unlock()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	dir, err := os.MkdirTemp(root, "own-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	server, err := start(ctx, dir)
	if err != nil {
		t.Fatalf("testenv: start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = server.Resume()
		_ = server.Stop()
		_ = os.RemoveAll(dir)
	})
	return server
}

// Kafka is an in-process Kafka cluster with the declared topology and an
// embedded schema registry holding every record schema.
type Kafka struct {
	Brokers     []string
	RegistryURL string
}

// NewKafka starts a fresh in-memory broker and registry for the calling
// test, applies the topology and registers the schemas. Both stop when the
// test ends.
func NewKafka(t testing.TB) *Kafka {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	k, stop, err := StartKafka(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return k
}

// StartKafka is NewKafka for code without a test at hand (a TestMain, an
// example): stop stops the broker and the registry.
func StartKafka(ctx context.Context) (k *Kafka, stop func(), err error) {
	b, err := broker.New(broker.Config{Addr: "127.0.0.1:0", InMemory: true}, quietLogger())
	if err != nil {
		return nil, nil, fmt.Errorf("testenv: broker: %w", err)
	}
	reg, err := registry.New(ctx, registry.Config{Addr: "127.0.0.1:0", Brokers: b.Addrs()}, quietLogger())
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("testenv: registry: %w", err)
	}
	stop = func() {
		_ = reg.Close()
		b.Close()
	}
	if err := declare(ctx, b.Addrs(), reg.URL()); err != nil {
		stop()
		return nil, nil, err
	}
	return &Kafka{Brokers: b.Addrs(), RegistryURL: reg.URL()}, stop, nil
}

// declare applies the topology on the cluster of brokers and registers the
// record schemas on the registry at registryURL.
func declare(ctx context.Context, brokers []string, registryURL string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return fmt.Errorf("testenv: kafka client: %w", err)
	}
	defer cl.Close()
	if _, err := topology.Apply(ctx, kadm.NewClient(cl)); err != nil {
		return fmt.Errorf("testenv: topology: %w", err)
	}
	src, err := sr.NewClient(sr.URLs(registryURL))
	if err != nil {
		return fmt.Errorf("testenv: registry client: %w", err)
	}
	if _, err := schemas.Register(ctx, src); err != nil {
		return fmt.Errorf("testenv: schemas: %w", err)
	}
	return nil
}

// Client returns a client of the cluster, its seed brokers followed by
// opts (transactions, consumed topics, linger). It is closed when the test
// ends.
func (k *Kafka) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Brokers...)}, opts...)...)
	if err != nil {
		t.Fatalf("testenv: kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Registry returns a client of the cluster's schema registry.
func (k *Kafka) Registry(t testing.TB) *sr.Client {
	t.Helper()
	src, err := sr.NewClient(sr.URLs(k.RegistryURL))
	if err != nil {
		t.Fatalf("testenv: registry client: %v", err)
	}
	return src
}

// Serde returns a serde on the cluster's registry, as the components
// encode and decode records with.
func (k *Kafka) Serde(t testing.TB) *serde.Serde {
	t.Helper()
	s, err := serde.New(context.Background(), k.Registry(t), nil)
	if err != nil {
		t.Fatalf("testenv: serde: %v", err)
	}
	return s
}
