package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/errgroup"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/grouplag"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/topology"
	"github.com/aurum-energy/aurum/ui"
)

// platform is the infrastructure the long-running roles share: one
// Prometheus registry and the metrics, and — as its connector opened them —
// clients of PostgreSQL, the schema registry (with a serde on it), Kafka
// and Redis.
type platform struct {
	cfg      config.Config
	logger   *slog.Logger
	tracing  *telemetry.Tracing
	registry *prometheus.Registry
	metrics  *telemetry.Metrics
	schemas  *sr.Client
	serde    *serde.Serde
	store    *store.Store  // connectData, connect
	kafka    *kgo.Client   // connect, connectProducer
	redis    *redis.Client // connect
	// uiIdentity is who the workbench page acts as without a proxy in
	// front (`aurum dev` only).
	uiIdentity *ui.Identity
}

// connector opens the platform a role runs on, closing on cl what it
// opened, checking each dependency answers and naming the setting of the
// first that does not; tracing makes the roles' spans.
type connector func(ctx context.Context, cfg config.Config, logger *slog.Logger, tracing *telemetry.Tracing, cl *closers) (*platform, error)

func newPlatform(cfg config.Config, logger *slog.Logger, tracing *telemetry.Tracing) *platform {
	p := &platform{cfg: cfg, logger: logger, tracing: tracing, registry: telemetry.NewRegistry()}
	p.metrics = telemetry.NewMetrics(p.registry)
	return p
}

// connectData (a connector) opens what every role that reads or writes
// data needs: the database, the schema registry and a serde. cfg must name
// a database.
func connectData(ctx context.Context, cfg config.Config, logger *slog.Logger, tracing *telemetry.Tracing, cl *closers) (*platform, error) {
	if err := cfg.Require(config.DatabaseURL); err != nil {
		return nil, err
	}
	p := newPlatform(cfg, logger, tracing)
	var err error
	if p.store, err = openStore(ctx, store.Config{URL: cfg.DatabaseURL}, logger); err != nil {
		return nil, err
	}
	cl.add(p.store.Close)
	if p.schemas, p.serde, err = connectSerde(ctx, cfg, logger); err != nil {
		return nil, err
	}
	return p, nil
}

// connect (a connector) is connectData plus Redis and a Kafka client, for
// the API and dev. cfg must also name a Redis server.
func connect(ctx context.Context, cfg config.Config, logger *slog.Logger, tracing *telemetry.Tracing, cl *closers) (*platform, error) {
	if err := cfg.Require(config.DatabaseURL, config.RedisURL); err != nil {
		return nil, err
	}
	p, err := connectData(ctx, cfg, logger, tracing, cl)
	if err != nil {
		return nil, err
	}
	if p.redis, err = openRedis(ctx, cfg.RedisURL); err != nil {
		return nil, err
	}
	cl.add(func() { _ = p.redis.Close() })
	if p.kafka, err = openKafka(ctx, cfg, logger, p.registry, "api"); err != nil {
		return nil, err
	}
	cl.add(p.kafka.Close)
	return p, nil
}

// connectProducer is the connector of a role that only publishes: a Kafka
// client named name, the schema registry and a serde.
func connectProducer(name string) connector {
	return func(ctx context.Context, cfg config.Config, logger *slog.Logger, tracing *telemetry.Tracing, cl *closers) (*platform, error) {
		p := newPlatform(cfg, logger, tracing)
		var err error
		if p.kafka, err = openKafka(ctx, cfg, logger, p.registry, name); err != nil {
			return nil, err
		}
		cl.add(p.kafka.Close)
		if p.schemas, p.serde, err = connectSerde(ctx, cfg, logger); err != nil {
			return nil, err
		}
		return p, nil
	}
}

// runOn is what the commands running one component (`aurum api`,
// `consume`, `worker`, `collect`) do once their flags are read: open the
// platform with connect, build the component, serve the platform's
// metrics on metricsAddr unless it is empty, and run the component until
// ctx is cancelled.
func runOn(ctx context.Context, inv *invocation, metricsAddr string, connect connector, build func(*platform) (runner, error)) error {
	var cl closers
	defer cl.close()
	tracing, err := inv.tracing(&cl)
	if err != nil {
		return err
	}
	p, err := connect(ctx, inv.cfg, inv.logger, tracing, &cl)
	if err != nil {
		return err
	}
	r, err := build(p)
	if err != nil {
		return err
	}
	if err := serveMetrics(metricsAddr, p.registry, inv.logger, &cl); err != nil {
		return err
	}
	return ignoreCanceled(r.Run(ctx))
}

// readinessChecks are what GET /ready reports on; st is the API's store.
func (p *platform) readinessChecks(st *store.Store) []api.Check {
	return []api.Check{
		{Name: "kafka", Fn: p.kafka.Ping},
		{Name: "schema_registry", Fn: func(ctx context.Context) error {
			_, err := p.schemas.Subjects(ctx)
			return err
		}},
		{Name: "postgres", Fn: st.Ping},
		{Name: "redis", Fn: func(ctx context.Context) error { return p.redis.Ping(ctx).Err() }},
	}
}

// newAPI builds the HTTP API on the platform, streaming run events from
// Kafka and learning data versions from versions; the returned closer
// releases the stream's client and the API's store after the server
// stopped.
//
// The API has a store of its own, whose connections and transactions
// AURUM_DATABASE_TIMEOUT bounds: a request must not wait on a database that
// stopped answering, while the materialisers and the scenario worker that
// `aurum dev` runs on the platform's store write batches that take longer.
func (p *platform) newAPI(ctx context.Context, versions api.Versions) (*api.Server, func(), error) {
	st, err := openStore(ctx, store.Config{
		URL: p.cfg.DatabaseURL, Timeout: p.cfg.DatabaseTimeout, ReadConns: p.cfg.DatabaseReads,
	}, p.logger)
	if err != nil {
		return nil, nil, err
	}
	lags, err := p.newLagMonitor()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	events, err := p.newRunEvents(st)
	if err != nil {
		lags.Close()
		st.Close()
		return nil, nil, err
	}
	closeAll := func() {
		events.Close()
		lags.Close()
		st.Close()
	}
	srv, err := api.New(api.Config{
		Addr: p.cfg.HTTPAddr,
		Auth: api.AuthConfig{
			Mode:       p.cfg.AuthMode,
			Issuer:     p.cfg.OIDCIssuer,
			Audience:   p.cfg.OIDCAudience,
			JWKSURL:    p.cfg.OIDCJWKSURL,
			RolesClaim: p.cfg.OIDCRolesClaim,
		},
		RateLimit: api.RateLimitConfig{
			Disabled:          p.cfg.RateLimitRPS == 0,
			RequestsPerSecond: p.cfg.RateLimitRPS,
			Burst:             p.cfg.RateLimitBurst,
		},
		CursorSecret:    p.cfg.CursorSecret,
		DatabaseTimeout: p.cfg.DatabaseTimeout,
		UIIdentity:      p.uiIdentity,
	}, api.Deps{
		Logger:    p.logger,
		Registry:  p.registry,
		Metrics:   p.metrics,
		Redis:     p.redis,
		Store:     st,
		Serde:     p.serde,
		RunEvents: events,
		Checks:    p.readinessChecks(st),
		Lags:      lags,
		Versions:  versions,
		Tracer:    p.tracing.Tracer(scopeAPI),
	})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return srv, closeAll, nil
}

// newLagMonitor measures the lag GET /ready shows: that of the
// materialisers' groups, whichever processes run them.
func (p *platform) newLagMonitor() (*grouplag.Monitor, error) {
	groups := map[string][]string{}
	for _, s := range streams {
		g, ok := topology.LookupGroup(s.group)
		if !ok {
			return nil, fmt.Errorf("stream %s: consumer group %s is not declared in topology", s.name, s.group)
		}
		groups[g.Name] = g.Topics
	}
	return grouplag.New(grouplag.Config{Brokers: p.cfg.Brokers(), Groups: groups, KafkaOptions: kafkaOptions(p.logger, nil, "lag")})
}

// serveAPI runs the API and the outbox relay that publishes its run
// requests until ctx ends, together with extra components.
func (p *platform) serveAPI(ctx context.Context, extra ...runner) error {
	versions := market.NewVersions(p.store.Pool(), p.logger)
	srv, closeAPI, err := p.newAPI(ctx, versions)
	if err != nil {
		return err
	}
	defer closeAPI()
	relay, err := p.newOutboxRelay()
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range append([]runner{srv, relay, relay.Waker(p.store.Pool()), versions}, extra...) {
		g.Go(func() error { return r.Run(gctx) })
	}
	return ignoreCanceled(g.Wait())
}

// runner is a long-lived component: it runs until ctx is cancelled.
type runner interface {
	Run(ctx context.Context) error
}

// runFunc is a function that is a runner.
type runFunc func(ctx context.Context) error

func (f runFunc) Run(ctx context.Context) error { return f(ctx) }

func runAPI(ctx context.Context, args []string) error {
	inv, err := parse("api", "Usage: aurum api [flags]\n\n"+
		"Serves the HTTP API on AURUM_HTTP_ADDR and runs the outbox relay that publishes its run\n"+
		"requests. Needs AURUM_DATABASE_URL and AURUM_REDIS_URL;\n"+
		"Kafka and the schema registry default to the embedded ones of `aurum broker`.\n", args)
	if err != nil {
		return err
	}
	// The API serves its metrics itself, on /metrics.
	return runOn(ctx, inv, "", connect, func(p *platform) (runner, error) {
		return runFunc(func(ctx context.Context) error { return p.serveAPI(ctx) }), nil
	})
}
