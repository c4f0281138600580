// Package demo is the synthetic market `aurum dev` runs so that a newcomer
// sees realistic forward curves, day-over-day diffs and strips from the
// first minute, without any vendor file.
//
// Every simulated business day it publishes one end-of-day curve set to
// aurum.curve.observation.v1: ten power hubs (PJM West and AEP-Dayton, ERCOT
// North and Houston, CAISO SP15 and NP15, MISO Indiana, NYISO Zone J,
// ISO-NE Mass Hub, SPP South) in ON and OFF blocks, five gas hubs (Henry
// Hub, Algonquin, Waha, SoCal and Chicago Citygates) and two carbon
// allowances (RGGI, CCA), each with 72 monthly tenors starting the month
// after the as-of date: 27 curves, 1,944 rows a day. Values are mids with a
// bid/ask around them; shapes are seasonal and hub-specific, and the curves
// move day over day by seeded, mean-reverting random walks shared by the
// tenors of a curve (and, through Henry Hub, across gas and power).
//
// A day is all-or-nothing: its curves and the demo's CollectorCheckpoint go
// out in one Kafka transaction, so a restart resumes after the last
// committed day and never shows half a day.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
)

// Retry pacing after a failed attempt (broker unreachable, transaction
// lost): the producer is rebuilt and the checkpoint read again.
const (
	minRetryBackoff = 500 * time.Millisecond
	maxRetryBackoff = 30 * time.Second
	// deliveryTimeout fails a day whose records the broker does not take
	// in time, so that it is aborted and retried.
	deliveryTimeout = time.Minute
)

// Producer publishes the demo curve set, one simulated business day at a
// time. Build it with New and start it with Run.
type Producer struct {
	cfg    Config
	deps   Deps
	logger *slog.Logger
	model  *model

	// hooks let tests act at precise points of a day; nil in production.
	hooks struct {
		produced     func(asof time.Time, n int) // after the n-th curve record was handed to the client
		beforeCommit func(asof time.Time)        // after the flush, before the commit
	}
}

// New checks cfg and deps and returns a producer ready to Run.
func New(cfg Config, deps Deps) (*Producer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := deps.check(); err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Producer{
		cfg:    cfg,
		deps:   deps,
		logger: logger.With(slog.String("component", "demo")),
		model:  newModel(cfg.Seed),
	}, nil
}

// RowsPerDay is how many curve records each simulated day publishes.
func (p *Producer) RowsPerDay() int { return p.model.rowsPerDay() }

// Day returns the curve set as of asof's date, exactly as Run publishes it
// except for IngestTS, which Run stamps at publication. The result depends
// only on Config.Seed and the date.
func (p *Producer) Day(asof time.Time) []schemas.CurveObservation {
	return p.model.day(dateOf(asof))
}

// Run publishes days until ctx is cancelled, or until Config.Until is
// committed. It first reads the demo's checkpoint and continues after the
// last committed day (or from Config.Start on a fresh topic, or when Start
// is later). Days up to today go out back to back unless NoBackfill is set;
// later days one per Interval.
//
// Cancelling ctx aborts the day in flight, which a later Run publishes
// again, and returns nil. A failure of the broker or of a transaction is
// logged and retried with backoff from the last committed checkpoint. Run
// returns an error only when retrying cannot help: another producer took
// over the transactional ID, the checkpoint cannot be decoded, or a record
// cannot be encoded.
func (p *Producer) Run(ctx context.Context) error {
	backoff := minRetryBackoff
	for {
		published, err := p.session(ctx)
		switch {
		case ctx.Err() != nil:
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				p.logger.Warn("demo stopped with the day in flight not cleanly aborted", slog.Any("error", err))
			}
			p.logger.Info("demo stopped")
			return nil
		case err == nil:
			p.logger.Info("demo reached Until", slog.String("until", p.cfg.Until.Format(time.DateOnly)))
			return nil
		case isFatal(err):
			return err
		}
		if published > 0 {
			backoff = minRetryBackoff
		}
		p.logger.Warn("demo attempt failed; retrying from the last checkpoint",
			slog.Any("error", err), slog.Duration("backoff", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			p.logger.Info("demo stopped")
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
}

// session publishes days with one transactional client, from the day after
// the checkpoint, until Until (nil error), ctx is done or a day fails. It
// returns how many days it committed.
func (p *Producer) session(ctx context.Context) (int, error) {
	cl, err := kgo.NewClient(append(collector.ConnectionOpts(p.deps.Client),
		kgo.TransactionalID(p.cfg.TransactionalID),
		kgo.RecordDeliveryTimeout(deliveryTimeout),
	)...)
	if err != nil {
		return 0, fatal(fmt.Errorf("demo producer client: %w", err))
	}
	defer cl.Close()

	next := p.cfg.Start
	last, found, err := p.lastCommitted(ctx)
	if err != nil {
		return 0, err
	}
	if found && !last.Before(next) {
		next = addBusinessDays(last, 1)
	}
	p.logger.Info("demo starting",
		slog.String("next_asof", next.Format(time.DateOnly)),
		slog.Bool("resumed", found), slog.Int("rows_per_day", p.RowsPerDay()),
		slog.Duration("interval", p.cfg.Interval), slog.Bool("backfill", !p.cfg.NoBackfill))

	published := 0
	for p.cfg.Until.IsZero() || !next.After(p.cfg.Until) {
		if p.cfg.NoBackfill || next.After(dateOf(p.cfg.Now())) {
			t := time.NewTimer(p.cfg.Interval)
			select {
			case <-ctx.Done():
				t.Stop()
				return published, ctx.Err()
			case <-t.C:
			}
		}
		if err := p.publishDay(ctx, cl, next); err != nil {
			return published, err
		}
		published++
		if !p.cfg.NoBackfill && next.Equal(onOrBefore(dateOf(p.cfg.Now()))) {
			p.logger.Info("demo backfill done; one business day per interval from now on",
				slog.String("asof", next.Format(time.DateOnly)), slog.Int("days", published))
		}
		next = addBusinessDays(next, 1)
	}
	return published, nil
}

// fatalError marks errors a retry cannot fix.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func fatal(err error) error { return &fatalError{err} }

func isFatal(err error) bool {
	var f *fatalError
	return errors.As(err, &f) ||
		errors.Is(err, kerr.ProducerFenced) ||
		errors.Is(err, kerr.TransactionalIDAuthorizationFailed) ||
		errors.Is(err, kerr.TopicAuthorizationFailed)
}
