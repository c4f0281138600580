package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/errgroup"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/devenv"
	"github.com/aurum-energy/aurum/internal/redisclient"
	"github.com/aurum-energy/aurum/internal/registry"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/producers/demo"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// env is the infrastructure of the scenario-run figures (d), in process:
// a private PostgreSQL and Redis, an embedded broker and registry.
type env struct {
	dir         string
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

func startEnv(ctx context.Context, dir string, logger *slog.Logger) (*env, error) {
	// The private servers run as unprivileged users when we are root.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	e := &env{dir: dir, logger: logger}
	if err := e.start(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) start(ctx context.Context) error {
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
	opts, err := redisclient.Options(e.redisServer.URL())
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

// serde is a Serde on the embedded registry.
func (e *env) serde(ctx context.Context) (*serde.Serde, error) {
	src, err := sr.NewClient(sr.URLs(e.registry.URL()))
	if err != nil {
		return nil, err
	}
	return serde.New(ctx, src, e.logger)
}

// seedDemoCurves publishes one business day of the demo model's curves
// (the day before today, or the Friday before) and materialises them with
// the curve materialiser, in process: the base curves of the scenario runs.
func (e *env) seedDemoCurves(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...))
	if err != nil {
		return err
	}
	defer cl.Close()
	sd, err := e.serde(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	day := businessDayOnOrBefore(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1))
	producer, err := demo.New(demo.Config{Seed: 7, Start: day, Until: day, TransactionalID: "bench-demo"},
		demo.Deps{Client: cl, Serde: sd, Logger: e.logger})
	if err != nil {
		return err
	}
	if err := producer.Run(ctx); err != nil {
		return fmt.Errorf("publish demo curves: %w", err)
	}
	m, err := materializer.New(materializer.Config{
		Group: topology.GroupCurveMaterializer, Topics: []string{topology.TopicCurveObservation}, Brokers: e.broker.Addrs(),
	}, curves.NewSink(sd), materializer.Deps{DB: e.store, Logger: e.logger})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(runCtx)
	var seeded bool
	g.Go(func() error { return m.Run(gctx) })
	g.Go(func() error {
		for {
			var n int
			if err := e.pool.QueryRow(gctx, "SELECT count(*) FROM curve_observation WHERE asof_date = $1", day).Scan(&n); err != nil {
				return err
			}
			if n >= producer.RowsPerDay() {
				seeded = true
				cancel() // stops the materialiser
				return nil
			}
			select {
			case <-gctx.Done():
				return fmt.Errorf("demo curves: %d of %d rows materialised: %w", n, producer.RowsPerDay(), gctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	err = g.Wait()
	if seeded {
		return nil
	}
	return err
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// waitAddr waits for srv to listen and returns its base URL.
func waitAddr(srv *api.Server) (string, error) {
	for range 200 {
		if a := srv.Addr(); a != nil {
			return "http://" + a.String(), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", fmt.Errorf("API did not start listening")
}
