package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/devenv"
	"github.com/aurum-energy/aurum/internal/registry"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// env is the infrastructure of one bench run: everything private to it.
type env struct {
	dir         string
	aurum       string // the aurum binary built for this run
	logger      *slog.Logger
	pg          *devenv.Postgres
	redisServer *devenv.Redis
	broker      *broker.Broker
	registry    *registry.Server
	store       *store.Store
	pool        *pgxpool.Pool
	redis       *redis.Client
	closers     []func()
}

func startEnv(ctx context.Context, logger *slog.Logger) (*env, error) {
	dir, err := os.MkdirTemp("", "aurum-bench-")
	if err != nil {
		return nil, err
	}
	// The private servers run as unprivileged users when we are root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	e := &env{dir: dir, logger: logger}
	e.closers = append(e.closers, func() { _ = os.RemoveAll(dir) })
	if err := e.start(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) start(ctx context.Context) error {
	progress("building aurum")
	e.aurum = filepath.Join(e.dir, "aurum")
	build := exec.CommandContext(ctx, "go", "build", "-o", e.aurum, "./cmd/aurum")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build aurum (run from the repository root): %w", err)
	}

	progress("starting PostgreSQL, Redis, Kafka and the schema registry")
	var err error
	if e.pg, err = devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: filepath.Join(e.dir, "postgres"), Durable: true}, e.logger); err != nil {
		return err
	}
	e.closers = append(e.closers, func() { _ = e.pg.Stop() })
	if e.redisServer, err = devenv.StartRedis(ctx, devenv.RedisConfig{Dir: filepath.Join(e.dir, "redis")}, e.logger); err != nil {
		return err
	}
	e.closers = append(e.closers, func() { _ = e.redisServer.Stop() })
	if e.broker, err = broker.New(broker.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(e.dir, "kafka")}, e.logger); err != nil {
		return err
	}
	e.closers = append(e.closers, e.broker.Close)
	if e.registry, err = registry.New(ctx, registry.Config{Addr: "127.0.0.1:0", Brokers: e.broker.Addrs()}, e.logger); err != nil {
		return err
	}
	e.closers = append(e.closers, func() { _ = e.registry.Close() })

	if e.store, err = store.Open(ctx, store.Config{URL: e.pg.DefaultURL(), MaxConns: 64}, e.logger); err != nil {
		return err
	}
	e.closers = append(e.closers, e.store.Close)
	e.pool = e.store.Pool()
	if _, err := e.store.Migrate(ctx); err != nil {
		return err
	}
	opts, err := redis.ParseURL(e.redisServer.URL())
	if err != nil {
		return err
	}
	opts.PoolSize = 64
	e.redis = redis.NewClient(opts)
	e.closers = append(e.closers, func() { _ = e.redis.Close() })

	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...))
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := topology.Apply(ctx, kadm.NewClient(cl)); err != nil {
		return err
	}
	src, err := sr.NewClient(sr.URLs(e.registry.URL()))
	if err != nil {
		return err
	}
	_, err = schemas.Register(ctx, src)
	return err
}

// childEnv is the environment of an aurum process pointed at this run.
func (e *env) childEnv() []string {
	return append(os.Environ(),
		"AURUM_KAFKA_BROKERS="+e.broker.Addrs()[0],
		"AURUM_SCHEMA_REGISTRY_URL="+e.registry.URL(),
		"AURUM_DATABASE_URL="+e.pg.DefaultURL(),
		"AURUM_REDIS_URL="+e.redisServer.URL(),
		"AURUM_LOG_LEVEL=warn",
	)
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}
