package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// platform is the infrastructure every long-running role shares: one
// Prometheus registry, the metrics, and clients of Kafka, the schema
// registry, PostgreSQL and Redis.
type platform struct {
	cfg      config.Config
	logger   *slog.Logger
	registry *prometheus.Registry
	metrics  *telemetry.Metrics
	kafka    *kgo.Client
	schemas  *sr.Client
	store    *store.Store
	redis    *redis.Client
}

// connect opens every client and checks each dependency answers, naming
// the setting of the first that does not. cfg must name a database and a
// Redis server.
func connect(ctx context.Context, cfg config.Config, logger *slog.Logger, cl *closers) (*platform, error) {
	p := &platform{cfg: cfg, logger: logger, registry: telemetry.NewRegistry()}
	p.metrics = telemetry.NewMetrics(p.registry)
	var err error
	if p.store, err = openStore(ctx, cfg.DatabaseURL, logger); err != nil {
		return nil, err
	}
	cl.add(p.store.Close)
	if p.redis, err = openRedis(ctx, cfg.RedisURL); err != nil {
		return nil, err
	}
	cl.add(func() { _ = p.redis.Close() })
	if p.kafka, err = kafkaClient(cfg, logger, p.registry, "api"); err != nil {
		return nil, err
	}
	cl.add(p.kafka.Close)
	if err := pingKafka(ctx, p.kafka); err != nil {
		return nil, err
	}
	if p.schemas, err = registryClient(cfg); err != nil {
		return nil, err
	}
	if err := pingRegistry(ctx, p.schemas); err != nil {
		return nil, err
	}
	return p, nil
}

// readinessChecks are what GET /ready reports on.
func (p *platform) readinessChecks() []api.Check {
	return []api.Check{
		{Name: "kafka", Fn: p.kafka.Ping},
		{Name: "schema_registry", Fn: func(ctx context.Context) error {
			_, err := p.schemas.Subjects(ctx)
			return err
		}},
		{Name: "postgres", Fn: p.store.Ping},
		{Name: "redis", Fn: func(ctx context.Context) error { return p.redis.Ping(ctx).Err() }},
	}
}

// newAPI builds the HTTP API on the platform.
func (p *platform) newAPI() (*api.Server, error) {
	return api.New(api.Config{
		Addr: p.cfg.HTTPAddr,
		Auth: api.AuthConfig{
			Mode:     p.cfg.AuthMode,
			Issuer:   p.cfg.OIDCIssuer,
			Audience: p.cfg.OIDCAudience,
			JWKSURL:  p.cfg.OIDCJWKSURL,
		},
		CursorSecret: p.cfg.CursorSecret,
	}, api.Deps{
		Logger:   p.logger,
		Registry: p.registry,
		Metrics:  p.metrics,
		Redis:    p.redis,
		Store:    p.store,
		Checks:   p.readinessChecks(),
	})
}

func runAPI(ctx context.Context, args []string) error {
	inv, err := parse("api", "Usage: aurum api [flags]\n\n"+
		"Serves the HTTP API on AURUM_HTTP_ADDR. Needs AURUM_DATABASE_URL and AURUM_REDIS_URL;\n"+
		"Kafka and the schema registry default to the embedded ones of `aurum broker`.\n", args)
	if err != nil {
		return err
	}
	if err := inv.cfg.Require(config.DatabaseURL, config.RedisURL); err != nil {
		return err
	}
	var cl closers
	defer cl.close()
	p, err := connect(ctx, inv.cfg, inv.logger, &cl)
	if err != nil {
		return err
	}
	srv, err := p.newAPI()
	if err != nil {
		return err
	}
	return ignoreCanceled(srv.Run(ctx))
}
