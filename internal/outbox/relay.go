// Package outbox is the publishing half of Aurum's transactional outbox: a
// relay that produces the rows other code wrote to the outbox table, in the
// same transaction as the change they announce, to their Kafka topics, and
// marks them published.
//
// # Delivery
//
// Delivery is at least once. A row is marked published only after the broker
// acknowledged its record (idempotent producer, acks=all), so no committed
// row is ever lost; a relay that dies after the acknowledgement and before
// the mark commits leaves the row unpublished, and it is produced again.
// Consumers dedupe: the scenario worker by run_id, run-event subscribers by
// event_id.
//
// # Several relays
//
// Every API instance runs a relay. Each batch is read, produced and marked in
// one database transaction that first takes a transaction-level advisory lock
// (pg_try_advisory_xact_lock); a relay that cannot take it skips the round.
// So at any moment one relay publishes, batches follow each other in outbox id
// order, records of one key reach their partition in the order they were
// written, and in the absence of crashes every row is published exactly once.
// The lock goes with the transaction: a relay that dies (kill -9, lost
// connection) releases it, and the next relay republishes the rows it had not
// marked. One relay easily outpaces the API (it produces batches of
// Config.BatchSize records), so standby relays cost nothing but a cheap
// transaction per poll.
//
// A failed record is left unpublished with attempts incremented and
// last_error set, and the relay backs off before the next round; rows are
// never skipped or dropped.
//
// # Waking
//
// The database announces every committed insert into the outbox on
// NotifyChannel (migration 0014); a relay run beside its Waker starts a
// round at once rather than at its next poll, which stays as a slow
// fallback for notifications missed while nobody listened.
package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/store"
)

// Defaults of Config.
const (
	DefaultPollInterval   = time.Second
	DefaultBatchSize      = 500
	DefaultProduceTimeout = 15 * time.Second
	DefaultRetention      = 7 * 24 * time.Hour
	DefaultPurgeInterval  = 10 * time.Minute
	DefaultStatsInterval  = 5 * time.Second
)

// DefaultBackoff is Config.Backoff's default: from 100ms to 10s.
var DefaultBackoff = retry.Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second}

// Config configures a Relay. Brokers is required.
type Config struct {
	// Brokers are the seed brokers.
	Brokers []string
	// KafkaOptions are added to the producer's options: logger, metrics
	// hooks, TLS, SASL, client ID. Acks, idempotence, the partitioner and
	// the delivery timeout are the Relay's own.
	KafkaOptions []kgo.Opt
	// PollInterval is the wait between rounds when the outbox is drained.
	// Wake (and so the Waker) cuts it short. Default 1s.
	PollInterval time.Duration
	// BatchSize is the most rows read, produced and marked per round; a
	// full batch is followed by the next round at once. Default 500.
	BatchSize int
	// ProduceTimeout bounds producing one batch: records the broker has not
	// acknowledged by then fail and are retried in a later round (while
	// the broker is down, for instance). At least 1s; default 15s.
	ProduceTimeout time.Duration
	// Backoff bounds the wait after a round that failed (database or
	// broker unavailable). Default DefaultBackoff.
	Backoff retry.Backoff
	// Retention is how long published rows are kept before the relay
	// deletes them. Default 7 days; negative keeps them forever.
	Retention time.Duration
	// PurgeInterval is the time between two purges. Default 10 minutes.
	PurgeInterval time.Duration
	// StatsInterval is the time between two refreshes of the backlog
	// gauges. Default 5s.
	StatsInterval time.Duration
}

func (c Config) withDefaults() Config {
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.BatchSize = cmp.Or(c.BatchSize, DefaultBatchSize)
	c.ProduceTimeout = cmp.Or(c.ProduceTimeout, DefaultProduceTimeout)
	c.Backoff = c.Backoff.Or(DefaultBackoff)
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
	c.PurgeInterval = cmp.Or(c.PurgeInterval, DefaultPurgeInterval)
	c.StatsInterval = cmp.Or(c.StatsInterval, DefaultStatsInterval)
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
	case c.PollInterval < 0:
		return fmt.Errorf("poll interval %s: must not be negative", c.PollInterval)
	case c.BatchSize < 0:
		return fmt.Errorf("batch size %d: must not be negative", c.BatchSize)
	case c.ProduceTimeout != 0 && c.ProduceTimeout < time.Second:
		return fmt.Errorf("produce timeout %s: must be at least 1s", c.ProduceTimeout)
	case c.PurgeInterval < 0 || c.StatsInterval < 0:
		return errors.New("purge and stats intervals must not be negative")
	}
	return nil
}

// DB runs fn in a transaction as the relay role, committing when fn returns
// nil. *store.Store satisfies it.
type DB interface {
	InRelay(ctx context.Context, fn func(pgx.Tx) error) error
}

// Deps are what a Relay uses. DB is required.
type Deps struct {
	DB DB
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Registerer receives the relay metrics (aurum_outbox_*); nil leaves
	// them unregistered. Several relays may share one.
	Registerer prometheus.Registerer
}

// Relay publishes outbox rows to Kafka. Create it with New, start it with
// Run.
type Relay struct {
	cfg     Config
	db      DB
	logger  *slog.Logger
	metrics *metrics
	wake    chan struct{}

	// afterProduce, when set by tests, runs between the broker's
	// acknowledgement and the mark; an error aborts the round as a crash
	// would.
	afterProduce func(ctx context.Context) error
}

// New validates cfg and returns a Relay; it connects to nothing until Run.
func New(cfg Config, deps Deps) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("outbox relay config: %w", err)
	}
	if deps.DB == nil {
		return nil, errors.New("outbox relay: Deps.DB is required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, fmt.Errorf("outbox relay: %w", err)
	}
	return &Relay{
		cfg:     cfg.withDefaults(),
		db:      deps.DB,
		logger:  deps.Logger.With(slog.String("component", "outbox-relay")),
		metrics: m,
		wake:    make(chan struct{}, 1),
	}, nil
}

// Wake makes a waiting Relay start its next round now; code that has just
// committed outbox rows may call it to cut the poll wait. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// NotifyChannel is the channel the database announces committed outbox
// rows on.
const NotifyChannel = "aurum_outbox"

// Waker is the listener that wakes r whenever a transaction that wrote
// outbox rows commits, and once it listens (for rows committed while it
// did not). Run it beside r.
func (r *Relay) Waker(pool *pgxpool.Pool) *store.Listener {
	return &store.Listener{
		Pool:    pool,
		Channel: NotifyChannel,
		Subscribed: func(context.Context, *pgx.Conn) error {
			r.Wake()
			return nil
		},
		Notified: func(string) { r.Wake() },
		Lost: func(err error) {
			r.logger.Warn("outbox relay: not woken by the database; rows wait for the next poll until it listens again",
				slog.Duration("poll_interval", r.cfg.PollInterval), slog.Any("error", err))
		},
	}
}

// Run publishes until ctx is cancelled, then returns nil after finishing the
// round in hand: records already sent are awaited and marked, records not
// yet sent stay in the outbox. It fails only if the Kafka client cannot be
// created; unavailable brokers and databases are retried forever.
func (r *Relay) Run(ctx context.Context) error {
	cl, err := kgo.NewClient(r.clientOptions()...)
	if err != nil {
		return fmt.Errorf("outbox relay: kafka client: %w", err)
	}
	defer cl.Close()
	r.logger.Info("outbox relay started", slog.Duration("poll_interval", r.cfg.PollInterval),
		slog.Int("batch_size", r.cfg.BatchSize))
	defer r.logger.Info("outbox relay stopped")

	var (
		failures  int
		nextStats time.Time
		nextPurge = time.Now().Add(r.cfg.PurgeInterval / 10)
		logLevel  retry.Throttle
	)
	for {
		res, err := r.round(ctx, cl)
		wait := r.cfg.PollInterval
		switch {
		case err != nil || res.failed > 0:
			failures++
			wait = r.cfg.Backoff.Delay(failures - 1)
			msg, errText := "outbox round failed", ""
			if err != nil {
				errText = err.Error()
			} else {
				msg, errText = "outbox records not acknowledged; they stay unpublished", res.firstErr
			}
			r.logger.Log(ctx, logLevel.Next(), msg, slog.Int("published", res.published), slog.Int("failed", res.failed),
				slog.Int("consecutive_failures", failures), slog.Duration("backoff", wait), slog.String("error", errText))
		default:
			if failures > 0 {
				r.logger.Info("outbox relay publishing again", slog.Int("after_failed_rounds", failures))
			}
			failures = 0
			if res.published == r.cfg.BatchSize {
				wait = 0 // a backlog: go on at once
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		if !now.Before(nextStats) {
			r.refreshStats(ctx)
			nextStats = now.Add(r.cfg.StatsInterval)
		}
		if r.cfg.Retention > 0 && !now.Before(nextPurge) {
			r.purge(ctx)
			nextPurge = now.Add(r.cfg.PurgeInterval)
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-r.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (r *Relay) clientOptions() []kgo.Opt {
	opts := append([]kgo.Opt{kgo.SeedBrokers(r.cfg.Brokers...)}, r.cfg.KafkaOptions...)
	return append(opts,
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Kafka's default partitioner (murmur2 of the key): subscribers
		// such as GET /v1/runs/{id}/events compute a run's partition the
		// same way.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RecordDeliveryTimeout(r.cfg.ProduceTimeout),
		// A round flushes what it produced; lingering only adds latency.
		kgo.ProducerLinger(0),
	)
}
