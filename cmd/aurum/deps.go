package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/plugin/kslog"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/redisclient"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// startupTimeout bounds each dependency check a command makes before it
// starts serving, so an unreachable one fails fast.
const startupTimeout = 10 * time.Second

// invocation is a parsed command line: its settings, its logger and the
// positional arguments left over.
type invocation struct {
	name   string
	cfg    config.Config
	logger *slog.Logger
	args   []string
}

// parse reads a command's flags and the environment. usage is the text
// shown by --help above the flag list; extra registers the command's own
// flags.
func parse(name, usage string, args []string, extra ...func(*flag.FlagSet)) (*invocation, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	loader := config.NewLoader(fs, os.Getenv)
	for _, register := range extra {
		register(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nFlags (each overrides the environment variable named beside it):\n", usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg, err := loader.Load()
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	logger, err := telemetry.NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return nil, err
	}
	if cfg.TracesExporter != "" && cfg.TracesExporter != telemetry.ExporterNone {
		logger = slog.New(telemetry.NewTraceHandler(logger.Handler()))
	}
	return &invocation{name: name, cfg: cfg, logger: logger, args: fs.Args()}, nil
}

// Instrumentation scopes of the roles' spans: the packages that make them.
const (
	scopeAPI          = "github.com/aurum-energy/aurum/api"
	scopeWorker       = "github.com/aurum-energy/aurum/consumers/scenario"
	scopeMaterializer = "github.com/aurum-energy/aurum/consumers/materializer"
	scopeCollector    = "github.com/aurum-energy/aurum/producers/collector"
)

// tracing starts the OpenTelemetry tracing of the command
// (OTEL_TRACES_EXPORTER), off unless asked for; cl flushes its spans when
// the command ends.
func (inv *invocation) tracing(cl *closers) (*telemetry.Tracing, error) {
	t, err := telemetry.NewTracing(inv.cfg.Tracing(inv.name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.TracesExporter.Env, err)
	}
	cl.add(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			inv.logger.Warn("flushing spans failed", slog.String("error", err.Error()))
		}
	})
	return t, nil
}

// kafkaOptions are the options every Aurum Kafka client has: its name,
// its logs in slog and, when reg is not nil, its metrics in Prometheus
// (name must then be unique within reg).
func kafkaOptions(logger *slog.Logger, reg prometheus.Registerer, name string) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ClientID("aurum-" + name),
		kgo.WithLogger(kslog.New(logger.With(slog.String("component", "kafka")))),
	}
	if reg != nil {
		opts = append(opts, telemetry.KafkaHooks(reg, name))
	}
	return opts
}

// kafkaClient builds a franz-go client on the configured brokers.
func kafkaClient(cfg config.Config, logger *slog.Logger, reg prometheus.Registerer, name string, opts ...kgo.Opt) (*kgo.Client, error) {
	base := append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers()...)}, kafkaOptions(logger, reg, name)...)
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.KafkaBrokers.Env, err)
	}
	return cl, nil
}

// openKafka is kafkaClient once a broker answered (pingKafka); the caller
// closes it.
func openKafka(ctx context.Context, cfg config.Config, logger *slog.Logger, reg prometheus.Registerer, name string, opts ...kgo.Opt) (*kgo.Client, error) {
	kc, err := kafkaClient(cfg, logger, reg, name, opts...)
	if err != nil {
		return nil, err
	}
	if err := pingKafka(ctx, kc); err != nil {
		kc.Close()
		return nil, err
	}
	return kc, nil
}

// pingKafka fails fast, naming the setting, when no broker answers.
func pingKafka(ctx context.Context, cl *kgo.Client) error {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("%s: no broker reachable: %w", config.KafkaBrokers.Env, err)
	}
	return nil
}

// registryClient builds a schema registry client on the configured URL.
func registryClient(cfg config.Config) (*sr.Client, error) {
	c, err := sr.NewClient(sr.URLs(cfg.Registry()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.SchemaRegistryURL.Env, err)
	}
	return c, nil
}

// pingRegistry fails fast, naming the setting, when the registry does not
// answer.
func pingRegistry(ctx context.Context, c *sr.Client) error {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if _, err := c.Subjects(ctx); err != nil {
		return fmt.Errorf("%s: registry not reachable: %w", config.SchemaRegistryURL.Env, err)
	}
	return nil
}

// connectSerde connects to the configured registry, failing fast and
// naming the setting, and returns a serde that knows every record's schema.
func connectSerde(ctx context.Context, cfg config.Config, logger *slog.Logger) (*sr.Client, *serde.Serde, error) {
	reg, err := registryClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := pingRegistry(ctx, reg); err != nil {
		return nil, nil, err
	}
	sd, err := serde.New(ctx, reg, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", config.SchemaRegistryURL.Env, err)
	}
	return reg, sd, nil
}

// openStore connects to the database, failing fast and naming the setting.
// cfg's Timeout is zero for batch work, the configured
// AURUM_DATABASE_TIMEOUT for the API's requests, and its ReadConns
// AURUM_DATABASE_READS for the API.
func openStore(ctx context.Context, cfg store.Config, logger *slog.Logger) (*store.Store, error) {
	cfg.MaxConns = 20
	st, err := store.Open(ctx, cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.DatabaseURL.Env, err)
	}
	return st, nil
}

// openRedis connects to Redis, failing fast and naming the setting.
func openRedis(ctx context.Context, url string) (*redis.Client, error) {
	c, err := redisclient.New(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.RedisURL.Env, err)
	}
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%s: redis not reachable: %w", config.RedisURL.Env, err)
	}
	return c, nil
}

// closers stops what a command started, in reverse order.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// admin wraps a client for topic administration.
func admin(cl *kgo.Client) *kadm.Client { return kadm.NewClient(cl) }

// ignoreCanceled treats a cancelled context (Ctrl-C, SIGTERM) as a clean stop.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
