package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the relay's Prometheus metrics.
type metrics struct {
	published     *prometheus.CounterVec
	failed        *prometheus.CounterVec
	purged        prometheus.Counter
	delay         prometheus.Histogram
	roundDuration prometheus.Histogram
	unpublished   prometheus.Gauge
	oldest        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_outbox_published_total",
			Help: "Outbox rows produced to Kafka and marked published, by topic.",
		}, []string{"topic"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_outbox_publish_failures_total",
			Help: "Outbox rows whose record the broker did not acknowledge (retried later), by topic.",
		}, []string{"topic"}),
		purged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurum_outbox_purged_total",
			Help: "Published outbox rows deleted after the retention period.",
		}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurum_outbox_publish_delay_seconds",
			Help:    "Time from an outbox row's commit to its record's acknowledgement.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		roundDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurum_outbox_round_duration_seconds",
			Help:    "Time to read, produce and mark one batch of outbox rows.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		unpublished: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurum_outbox_unpublished_rows",
			Help: "Outbox rows not yet published, all tenants.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurum_outbox_oldest_unpublished_seconds",
			Help: "Age of the oldest unpublished outbox row; 0 when the outbox is drained.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	reuse := func(c prometheus.Collector) prometheus.Collector {
		if err != nil {
			return c
		}
		var got prometheus.Collector
		got, err = registerOrReuse(reg, c)
		return got
	}
	m.published = reuse(m.published).(*prometheus.CounterVec)
	m.failed = reuse(m.failed).(*prometheus.CounterVec)
	m.purged = reuse(m.purged).(prometheus.Counter)
	m.delay = reuse(m.delay).(prometheus.Histogram)
	m.roundDuration = reuse(m.roundDuration).(prometheus.Histogram)
	m.unpublished = reuse(m.unpublished).(prometheus.Gauge)
	m.oldest = reuse(m.oldest).(prometheus.Gauge)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// registerOrReuse registers c on reg, or returns the collector registered
// before under the same name: several relays in one process (tests, an
// embedded set-up) share their metrics.
func registerOrReuse(reg prometheus.Registerer, c prometheus.Collector) (prometheus.Collector, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector, nil
		}
		return c, fmt.Errorf("register metrics: %w", err)
	}
	return c, nil
}

// refreshStats sets the backlog gauges from the table.
func (r *Relay) refreshStats(ctx context.Context) {
	var (
		n      int64
		oldest float64
	)
	err := r.db.InRelay(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at))::float8, 0)
			FROM outbox WHERE published_at IS NULL`).Scan(&n, &oldest)
	})
	if err != nil {
		r.logger.Debug("outbox stats unavailable", slog.String("error", err.Error()))
		return
	}
	r.metrics.unpublished.Set(float64(n))
	r.metrics.oldest.Set(max(oldest, 0))
}

// purgeChunk bounds the rows one purge statement deletes, keeping its
// transaction short.
const purgeChunk = 5000

// purge deletes rows published more than Retention ago, a chunk at a time.
func (r *Relay) purge(ctx context.Context) {
	cutoff := time.Now().Add(-r.cfg.Retention)
	total := 0
	for range 100 {
		var n int64
		err := r.db.InRelay(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `
				DELETE FROM outbox WHERE id IN (
					SELECT id FROM outbox WHERE published_at < $1 ORDER BY id LIMIT $2)`, cutoff, purgeChunk)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				r.logger.Warn("outbox purge failed", slog.String("error", err.Error()))
			}
			break
		}
		total += int(n)
		r.metrics.purged.Add(float64(n))
		if n < purgeChunk {
			break
		}
	}
	if total > 0 {
		r.logger.Info("purged published outbox rows", slog.Int("rows", total), slog.Time("published_before", cutoff))
	}
}
