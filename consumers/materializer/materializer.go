// Package materializer is Aurum's one mechanism for turning a Kafka stream
// into rows: a consumer group that polls records in large batches, decodes
// and validates each through a Sink, dead-letters the records it can never
// write, keeps the last record per primary key, writes the batch in one
// database transaction, and only then commits the offsets. The curve, ISO
// and external-series materialisers are Sinks run by it.
//
// Delivery is at least once and writes are idempotent upserts, so a record
// re-delivered after a crash rewrites the same row. Offsets never move past
// a record that is neither in the database nor acknowledged on the
// dead-letter topic.
package materializer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// Defaults of Config.
const (
	DefaultMaxBatchRecords = 20_000
	DefaultWorkers         = 4
	DefaultAttemptTimeout  = 2 * time.Minute
)

// DefaultBackoff is Config.Backoff's default: from 100ms to 10s.
var DefaultBackoff = retry.Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second}

// Config configures a Materializer. Group, Topics and Brokers are required.
type Config struct {
	// Group is the consumer group, e.g. topology.GroupCurveMaterializer.
	Group string
	// Topics are consumed by the group; their dead-letter topics are
	// derived with topology.DeadLetterTopic.
	Topics []string
	// Brokers are the seed brokers.
	Brokers []string
	// MaxBatchRecords caps the records taken from one poll; a poll returns
	// whatever is buffered up to this many, so batches grow with the
	// backlog. Default 20,000: loading 300,000 curve rows was as fast as
	// with 50,000 (63–64 k rows/s against 57–82 k, on two cores) and the
	// peak resident memory of `aurum dev` 222–241 MiB against 301–331.
	MaxBatchRecords int
	// Workers bounds the concurrency within one batch: partitions are
	// decoded by up to Workers goroutines, and the deduplicated rows are
	// written by up to Workers transactions, each on its own connection,
	// split by the Sink's shard (see Sharder); batches under 2,000 rows per
	// writer use fewer. Default 4; 1 writes each batch in one transaction.
	Workers int
	// Backoff bounds the wait between attempts while the database, the
	// registry or the broker is unavailable. Default DefaultBackoff.
	Backoff retry.Backoff
	// AttemptTimeout bounds one attempt to write a batch or to produce its
	// dead letters, so a hung connection is retried. Default 2m.
	AttemptTimeout time.Duration
	// KafkaOptions are added to the client's options: logger, metrics
	// hooks, TLS, SASL, client ID. The group, topic, commit and rebalance
	// options are the Materializer's own and must not be given here.
	KafkaOptions []kgo.Opt
}

func (c Config) withDefaults() Config {
	c.MaxBatchRecords = cmp.Or(c.MaxBatchRecords, DefaultMaxBatchRecords)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	c.Backoff = c.Backoff.Or(DefaultBackoff)
	c.AttemptTimeout = cmp.Or(c.AttemptTimeout, DefaultAttemptTimeout)
	return c
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	if err := c.Backoff.Validate(); err != nil {
		return err
	}
	switch {
	case c.Group == "":
		return errors.New("consumer group is required")
	case len(c.Topics) == 0:
		return errors.New("at least one topic is required")
	case len(c.Brokers) == 0:
		return errors.New("at least one seed broker is required")
	case c.MaxBatchRecords < 0:
		return fmt.Errorf("max batch records %d: must not be negative", c.MaxBatchRecords)
	case c.Workers < 0:
		return fmt.Errorf("workers %d: must not be negative", c.Workers)
	case c.AttemptTimeout < 0:
		return fmt.Errorf("attempt timeout %s: must not be negative", c.AttemptTimeout)
	}
	return nil
}

// DB runs fn in a transaction, committing when fn returns nil.
// *store.Store satisfies it (InTx runs as the application role).
type DB interface {
	InTx(ctx context.Context, fn func(pgx.Tx) error) error
}

// Deps are what a Materializer uses. DB is required.
type Deps struct {
	DB     DB
	Logger *slog.Logger
	// Metrics receives the consumer metrics of docs/CONTRACTS.md#metrics; nil records
	// into unregistered metrics.
	Metrics *telemetry.Metrics
	// Now is the clock, for lag and dead-letter times; default time.Now.
	Now func() time.Time
	// Tracer makes a span of each batch, linked to the spans that produced
	// its records; nil makes none.
	Tracer trace.Tracer
}

// Materializer consumes Config.Topics as Config.Group and writes the
// records through a Sink. Create it with New and start it with Run.
type Materializer[K comparable, R any] struct {
	cfg     Config
	sink    Sink[K, R]
	db      DB
	logger  *slog.Logger
	metrics *telemetry.Metrics
	now     func() time.Time
	tracer  trace.Tracer // nil: no spans
	lag     *telemetry.ConsumerLag
	offsets *offsetBook
	// retry is how a batch is decoded, written and dead-lettered: again
	// and again until it succeeds or the process stops.
	retry  retry.Policy
	client *kgo.Client // set by Run; consumes, commits and produces dead letters
}

// New validates cfg and returns a Materializer writing through sink.
func New[K comparable, R any](cfg Config, sink Sink[K, R], deps Deps) (*Materializer[K, R], error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("materializer config: %w", err)
	}
	if sink == nil {
		return nil, errors.New("materializer: nil sink")
	}
	if deps.DB == nil {
		return nil, errors.New("materializer: nil database")
	}
	cfg = cfg.withDefaults()
	cfg.Topics = slices.Clone(cfg.Topics)
	m := &Materializer[K, R]{
		cfg:     cfg,
		sink:    sink,
		db:      deps.DB,
		logger:  deps.Logger,
		metrics: deps.Metrics,
		now:     deps.Now,
		tracer:  deps.Tracer,
	}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	m.logger = m.logger.With(slog.String("group", cfg.Group))
	if m.metrics == nil {
		m.metrics = telemetry.NewMetrics(nil)
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.lag = telemetry.NewConsumerLag(m.metrics, cfg.Group, m.now)
	m.offsets = newOffsetBook()
	m.retry = retry.Policy{
		Backoff:        cfg.Backoff,
		AttemptTimeout: cfg.AttemptTimeout,
		Logger:         m.logger,
		BeforeWait:     m.lag.Refresh,
	}
	return m, nil
}

// Run consumes until ctx is cancelled or the client fails. When ctx is
// cancelled it finishes the batch in hand — writes it, produces its dead
// letters, commits its offsets — unless the database stays unavailable,
// in which case the batch is left uncommitted for the next run. A clean
// stop returns nil. Run may be called once.
func (m *Materializer[K, R]) Run(ctx context.Context) error {
	opts := append(slices.Clone(m.cfg.KafkaOptions),
		kgo.SeedBrokers(m.cfg.Brokers...),
		kgo.ConsumerGroup(m.cfg.Group),
		kgo.ConsumeTopics(m.cfg.Topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.DisableAutoCommit(),
		// Rebalances wait until a polled batch is written and committed,
		// so a revoked partition never has work in flight.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(m.revoked),
		kgo.OnPartitionsLost(m.lost),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("materializer %s: kafka client: %w", m.cfg.Group, err)
	}
	defer cl.Close()
	m.client = cl
	m.logger.Info("materializer started", slog.Any("topics", m.cfg.Topics),
		slog.Int("max_batch_records", m.cfg.MaxBatchRecords), slog.Int("workers", m.cfg.Workers))

	err = m.consume(ctx, cl)
	// Offsets whose commit failed earlier get one more chance before the
	// group is left; Close then revokes what remains.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.AttemptTimeout)
	defer cancel()
	m.commitPending(cctx, cl, nil)
	cl.AllowRebalance()
	if err != nil {
		return err
	}
	m.logger.Info("materializer stopped")
	return nil
}

// consume is the poll loop: one poll, one batch, written and committed
// before the next poll.
func (m *Materializer[K, R]) consume(ctx context.Context, cl *kgo.Client) error {
	for {
		fetches := cl.PollRecords(ctx, m.cfg.MaxBatchRecords)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			m.logger.Warn("fetch failed", slog.String("topic", topic),
				slog.Int("partition", int(partition)), slog.String("error", err.Error()))
		})
		if err := m.process(ctx, cl, fetches); err != nil {
			if ctx.Err() != nil {
				m.logger.Warn("stopped with a batch unwritten; it will be re-delivered", slog.String("error", err.Error()))
				return nil
			}
			return err
		}
		cl.AllowRebalance()
	}
}
