package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/devenv"
	"github.com/aurum-energy/aurum/producers/demo"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
	"github.com/aurum-energy/aurum/ui"
)

const devUsage = `Usage: aurum dev [flags]

Runs the whole platform in one process: an embedded Kafka broker (--broker-addr,
127.0.0.1:9092) and schema registry (--registry-addr, 127.0.0.1:8081), private PostgreSQL and Redis servers, migrations,
topics and schemas, the consumer groups, the API on AURUM_HTTP_ADDR, a demo
producer publishing realistic end-of-day curves and, against a built-in replay of
recorded provider answers, the collectors fred (series GDP) and pjm (da_hrl_lmps of
2026-06-09) once (--no-demo turns the demo off; AURUM_FRED_BASE_URL or
AURUM_PJM_BASE_URL with its _API_KEY collects that source for real). State lives under AURUM_DATA_DIR;
a second start on the same directory resumes. Setting AURUM_KAFKA_BROKERS,
AURUM_SCHEMA_REGISTRY_URL, AURUM_DATABASE_URL or AURUM_REDIS_URL uses that service
instead of starting one. Ctrl-C stops everything.
`

func runDev(ctx context.Context, args []string) error {
	var (
		addrs embeddedAddrs
		demoF demoFlags
	)
	inv, err := parse("dev", devUsage, args, addrs.register, demoF.register)
	if err != nil {
		return err
	}
	cfg, logger := inv.cfg, inv.logger
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	// World-traversable: the private servers run as unprivileged users.
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("AURUM_DATA_DIR: %w", err)
	}
	var cl closers
	defer func() {
		logger.Info("stopping")
		cl.close()
		logger.Info("stopped")
	}()
	tracing, err := inv.tracing(&cl)
	if err != nil {
		return err
	}

	if len(cfg.KafkaBrokers) == 0 {
		if cfg.KafkaBrokers, err = startBroker(addrs.broker, dataDir, logger, &cl); err != nil {
			return err
		}
	}
	if cfg.SchemaRegistryURL == "" {
		if cfg.SchemaRegistryURL, err = startRegistry(ctx, addrs.registry, cfg.Brokers(), logger, &cl); err != nil {
			return err
		}
	}
	if cfg.DatabaseURL == "" {
		pg, err := devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: filepath.Join(dataDir, "postgres"), Durable: true}, logger)
		if err != nil {
			return fmt.Errorf("private PostgreSQL (or set AURUM_DATABASE_URL): %w", err)
		}
		cl.add(func() { _ = pg.Stop() })
		cfg.DatabaseURL = pg.DefaultURL()
	}
	if cfg.RedisURL == "" {
		rd, err := devenv.StartRedis(ctx, devenv.RedisConfig{Dir: filepath.Join(dataDir, "redis"), Durable: true}, logger)
		if err != nil {
			return fmt.Errorf("private Redis (or set AURUM_REDIS_URL): %w", err)
		}
		cl.add(func() { _ = rd.Stop() })
		cfg.RedisURL = rd.URL()
	}

	if cfg.CursorSecret == "" {
		if cfg.CursorSecret, err = devSecret(filepath.Join(dataDir, "cursor.secret")); err != nil {
			return err
		}
	}
	p, err := connect(ctx, cfg, logger, tracing, &cl)
	if err != nil {
		return err
	}
	if err := p.bootstrap(ctx); err != nil {
		return err
	}
	if cfg.AuthMode != api.AuthOIDC {
		p.uiIdentity = &devIdentity
	}
	workers, err := p.newWorkers(demoF)
	if err != nil {
		return err
	}
	logUp(logger, cfg, dataDir)
	return p.serveAPI(ctx, workers...)
}

// devIdentity is who the workbench page at /ui acts as under `aurum dev`,
// where no proxy stands in front of the API to say it: the tenant of the
// README's examples, allowed to read, define and run scenarios.
var devIdentity = ui.Identity{Tenant: "acme", User: "workbench", Roles: "analyst,editor"}

// logUp says where everything of `aurum dev` is. The URLs may be the
// operator's own, with credentials: they are logged redacted.
func logUp(logger *slog.Logger, cfg config.Config, dataDir string) {
	logger.Info("aurum dev is up",
		slog.String("api", "http://"+cfg.HTTPAddr),
		slog.String("workbench", "http://"+cfg.HTTPAddr+"/ui"),
		slog.String("kafka", cfg.Brokers()[0]),
		slog.String("schema_registry", config.RedactURL(cfg.Registry())),
		slog.String("database", config.RedactURL(cfg.DatabaseURL)),
		slog.String("redis", config.RedactURL(cfg.RedisURL)),
		slog.String("data_dir", dataDir))
}

// demoFlags control the demo producer of `aurum dev`.
type demoFlags struct {
	off      bool
	interval time.Duration
}

func (f *demoFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.off, "no-demo", false, "do not publish demo curves nor run the collectors against the replay")
	fs.DurationVar(&f.interval, "demo-interval", time.Minute, "real time per simulated business day of demo curves, after the backfill of the last 20 days")
}

// newWorkers builds the consumer groups, the scenario worker and, unless
// turned off, the demo producer and the collectors of the replay that
// `aurum dev` runs beside the API.
func (p *platform) newWorkers(demoF demoFlags) ([]runner, error) {
	worker, err := p.newScenarioWorker("aurum-dev-scenario-worker", scenario.DefaultConcurrency)
	if err != nil {
		return nil, err
	}
	workers := []runner{worker}
	for _, s := range streams {
		m, err := p.newMaterializer(s, materializer.Config{})
		if err != nil {
			return nil, err
		}
		workers = append(workers, m)
	}
	if !demoF.off {
		d, err := demo.New(demo.Config{Interval: demoF.interval}, demo.Deps{Client: p.kafka, Serde: p.serde, Logger: p.logger})
		if err != nil {
			return nil, err
		}
		collectors, err := p.newDemoCollectors()
		if err != nil {
			return nil, err
		}
		workers = append(append(workers, d), collectors...)
	}
	return workers, nil
}

// bootstrap applies migrations, the topology and the schemas, as an
// operator would with `aurum migrate`, `aurum topology apply` and
// `aurum schemas register`.
func (p *platform) bootstrap(ctx context.Context) error {
	applied, err := p.store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := applyPolicies(ctx, p.store, p.cfg, p.logger); err != nil {
		return fmt.Errorf("storage policies: %w", err)
	}
	report, err := topology.Apply(ctx, admin(p.kafka))
	if err != nil {
		return fmt.Errorf("topology: %w", err)
	}
	for _, d := range report.Drift {
		p.logger.Warn("topology drift left as it is", slog.String("drift", d.String()))
	}
	ids, err := schemas.Register(ctx, p.schemas)
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	timescale, err := p.store.Timescale(ctx)
	if err != nil {
		return err
	}
	p.logger.Info("bootstrapped", slog.Int("migrations_applied", len(applied)), slog.Bool("timescaledb", timescale),
		slog.Int("topics_created", len(report.Created)), slog.Int("schemas", len(ids)))
	return nil
}

// devSecret reads the secret kept at path, creating a random one on first
// use, so that API cursors stay valid across restarts of `aurum dev`.
func devSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return string(b), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("AURUM_DATA_DIR: keep the cursor secret: %w", err)
	}
	return secret, nil
}
