package scenario

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/topology"
)

// Defaults of Config.
const (
	DefaultConcurrency      = 4
	DefaultBacklog          = 512
	DefaultCheckEvery       = 10
	DefaultCheckInterval    = 200 * time.Millisecond
	DefaultMaxInterruptions = 2
	DefaultOpTimeout        = 30 * time.Second
)

// DefaultBackoff is Config.Backoff's default: from 500ms to 30s.
var DefaultBackoff = retry.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}

// Steps of an attempt, as passed to Config.BeforeStep.
const (
	StepLoad    = "load"    // read the base curves
	StepCompute = "compute" // reprice them, curve by curve
	StepWrite   = "write"   // write outputs and SUCCEEDED in one transaction
)

// Config configures a Worker. Brokers and TransactionalID are required.
type Config struct {
	// Brokers are the seed brokers.
	Brokers []string
	// Group is the consumer group. Default topology.GroupScenarioWorker.
	Group string
	// TransactionalID identifies this worker's transactional producer. It
	// must be unique among the workers running at one time and should stay
	// the same across restarts of one instance (a pod name, a host name):
	// the restarted worker then fences its predecessor at once and aborts
	// its open transaction, instead of waiting for the transaction timeout.
	TransactionalID string
	// Concurrency is how many runs execute at once. Default 4.
	Concurrency int
	// Backlog is how many polled requests the worker holds to start runs
	// from, round-robin across tenants: a tenant's run waits for a free
	// slot and its own tenant's earlier runs, not for every request polled
	// before it. Default 512.
	Backlog int
	// TenantConcurrency is how many runs of one tenant execute at once
	// while another tenant's runs wait. Runs start round-robin across
	// tenants, so one tenant's heavy runs cannot hold back another's.
	// Default Concurrency/2, at least 1.
	TenantConcurrency int
	// CheckEvery is how many curves the compute step reprices between two
	// checks of cancellation and the deadline. Default 10.
	CheckEvery int
	// CheckInterval is the least time between two of those checks (each a
	// database round trip, which also records progress): a run that ends
	// sooner is checked only by its final write. Default 200ms.
	CheckInterval time.Duration
	// MaxInterruptions is how many attempts beyond max_retries a run gets
	// for attempts that were interrupted (the worker died or lost the
	// partition mid-run). Default 2; negative means none.
	MaxInterruptions int
	// Backoff bounds the wait before a run's next attempt and between
	// tries of a database or broker operation that must succeed. Default
	// DefaultBackoff.
	Backoff retry.Backoff
	// OpTimeout bounds one database or Kafka operation outside a run's own
	// deadline (loading a run, writing its terminal state, a transaction).
	// Default 30s.
	OpTimeout time.Duration
	// KafkaOptions are added to every client the worker creates: logger,
	// metrics hooks, TLS, SASL, client ID, session and rebalance timeouts.
	// The group, topic, isolation, transaction and partitioner options are
	// the worker's own and must not be given here.
	KafkaOptions []kgo.Opt
	// SessionOptions are added to the transactional session's client only,
	// after KafkaOptions: options that fit one client at a time, such as the
	// metrics hooks of telemetry.KafkaHooks (the worker also runs a producer
	// for RUNNING events and short-lived readers of the run topic).
	SessionOptions []kgo.Opt
	// BeforeStep, when set, is called before each step of an attempt
	// (StepLoad, StepCompute, StepWrite) with the attempt's context, which
	// ends at the attempt's deadline. It exists for tests: blocking in it
	// makes cancellation and timeouts deterministic, and an error it returns
	// counts as a transient failure of the attempt. Cancellation and the
	// deadline are checked right after it returns.
	BeforeStep func(ctx context.Context, runID, step string) error
}

func (c Config) withDefaults() Config {
	c.Group = cmp.Or(c.Group, topology.GroupScenarioWorker)
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.Backlog = cmp.Or(c.Backlog, DefaultBacklog)
	c.TenantConcurrency = cmp.Or(c.TenantConcurrency, max(1, c.Concurrency/2))
	c.CheckEvery = cmp.Or(c.CheckEvery, DefaultCheckEvery)
	c.CheckInterval = cmp.Or(c.CheckInterval, DefaultCheckInterval)
	if c.MaxInterruptions == 0 {
		c.MaxInterruptions = DefaultMaxInterruptions
	} else if c.MaxInterruptions < 0 {
		c.MaxInterruptions = 0
	}
	c.Backoff = c.Backoff.Or(DefaultBackoff)
	c.OpTimeout = cmp.Or(c.OpTimeout, DefaultOpTimeout)
	return c
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	if err := c.Backoff.Validate(); err != nil {
		return err
	}
	switch {
	case len(c.Brokers) == 0:
		return errors.New("at least one seed broker is required")
	case c.TransactionalID == "":
		return errors.New("transactional ID is required")
	case c.Concurrency < 0:
		return fmt.Errorf("concurrency %d: must not be negative", c.Concurrency)
	case c.Backlog < 0:
		return fmt.Errorf("backlog %d: must not be negative", c.Backlog)
	case c.TenantConcurrency < 0:
		return fmt.Errorf("tenant concurrency %d: must not be negative", c.TenantConcurrency)
	case c.CheckEvery < 0:
		return fmt.Errorf("check every %d curves: must not be negative", c.CheckEvery)
	case c.CheckInterval < 0:
		return fmt.Errorf("check interval %s: must not be negative", c.CheckInterval)
	case c.OpTimeout < 0:
		return fmt.Errorf("operation timeout %s: must not be negative", c.OpTimeout)
	}
	return nil
}

// DB runs fn in a transaction as the tenant, committing when fn returns
// nil. *store.Store satisfies it; row-level security applies.
type DB = runs.DB

// Deps are what a Worker uses. DB and Serde are required.
type Deps struct {
	DB    DB
	Serde *serde.Serde
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Metrics receives the metrics of docs/CONTRACTS.md#metrics; nil records into
	// unregistered metrics.
	Metrics *telemetry.Metrics
	// Now is the clock for computed_ts and dead-letter times; default
	// time.Now. Run states and their times come from the database clock.
	Now func() time.Time
	// Tracer makes the spans of a request (see Observability in the
	// package documentation); nil makes none.
	Tracer trace.Tracer
}

// Worker executes scenario run requests. Create it with New and start it
// with Run.
type Worker struct {
	cfg     Config
	db      DB // base curves
	store   *runs.Repository
	serde   *serde.Serde
	logger  *slog.Logger
	metrics *telemetry.Metrics
	now     func() time.Time
	tracer  trace.Tracer // nil: no spans
	events  *kgo.Client  // set by Run: RUNNING events, admin requests
	bases   baseCache
	lag     *lagTracker
}

// New validates cfg and returns a Worker.
func New(cfg Config, deps Deps) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("scenario worker config: %w", err)
	}
	if deps.DB == nil {
		return nil, errors.New("scenario worker: nil database")
	}
	if deps.Serde == nil {
		return nil, errors.New("scenario worker: nil serde")
	}
	cfg = cfg.withDefaults()
	cfg.Brokers = slices.Clone(cfg.Brokers)
	w := &Worker{cfg: cfg, db: deps.DB, store: runs.NewRepository(deps.DB), serde: deps.Serde, logger: deps.Logger, metrics: deps.Metrics, now: deps.Now,
		tracer: deps.Tracer}
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}
	w.logger = w.logger.With(slog.String("group", cfg.Group))
	if w.metrics == nil {
		w.metrics = telemetry.NewMetrics(nil)
	}
	if w.now == nil {
		w.now = time.Now
	}
	w.lag = newLagTracker(w.metrics, cfg.Group, w.now)
	return w, nil
}

// Run consumes requests until ctx is cancelled. Runs in flight when ctx is
// cancelled are finished and committed, unless the database or the broker
// stays unavailable, in which case their requests are left for the next
// worker. A broker failure recreates the transactional session after a
// backoff. A clean stop returns nil. Run may be called once.
func (w *Worker) Run(ctx context.Context) error {
	events, err := kgo.NewClient(w.clientOptions(
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
	)...)
	if err != nil {
		return fmt.Errorf("scenario worker: kafka client: %w", err)
	}
	defer events.Close()
	w.events = events
	lctx, stopLag := context.WithCancel(ctx)
	defer stopLag()
	go w.lag.refresh(lctx)

	for failures := 0; ; {
		committed, err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if committed {
			failures = 0
		}
		wait := w.cfg.Backoff.Delay(failures)
		failures++
		w.logger.Warn("transactional session failed; starting a new one",
			slog.String("error", errString(err)), slog.Duration("backoff", wait))
		if retry.Sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// fatalError is a failure that a new session would repeat.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

// clientOptions are the options of every client of the worker.
func (w *Worker) clientOptions(own ...kgo.Opt) []kgo.Opt {
	opts := append([]kgo.Opt{kgo.SeedBrokers(w.cfg.Brokers...)}, w.cfg.KafkaOptions...)
	return append(opts, own...)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
