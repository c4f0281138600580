package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/topology"
)

// endTxnTimeout bounds committing or aborting a transaction. Ending one is
// never tied to the caller's context: an EndTransaction cut short leaves
// its outcome unknown.
const endTxnTimeout = 30 * time.Second

// publishDay publishes the curve set of asof and the checkpoint marking it,
// in one transaction. On any error, or when ctx is done before the commit,
// the transaction is aborted and nothing of the day becomes visible to
// read_committed consumers.
func (p *Producer) publishDay(ctx context.Context, cl *kgo.Client, asof time.Time) error {
	begun := time.Now()
	day := asof.Format(time.DateOnly)
	recs, err := p.records(asof, begun)
	if err != nil {
		return fatal(err)
	}

	if err := cl.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction for %s: %w", day, err)
	}
	var (
		mu       sync.Mutex
		firstErr error
	)
	for i, r := range recs {
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
		if p.hooks.produced != nil {
			p.hooks.produced(asof, i+1)
		}
	}
	err = cl.Flush(ctx)
	mu.Lock()
	err = errors.Join(err, firstErr)
	mu.Unlock()
	if err == nil && p.hooks.beforeCommit != nil {
		p.hooks.beforeCommit(asof)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		if aerr := p.abort(cl); aerr != nil {
			return fmt.Errorf("publish %s: %w (and the abort failed: %w)", day, err, aerr)
		}
		p.logger.Info("demo day aborted", slog.String("asof", day), slog.Any("reason", err))
		return fmt.Errorf("publish %s: %w", day, err)
	}

	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTxnTimeout)
	defer cancel()
	if err := cl.EndTransaction(ectx, kgo.TryCommit); err != nil {
		if aerr := cl.EndTransaction(ectx, kgo.TryAbort); aerr != nil {
			err = fmt.Errorf("%w (and the abort failed: %w)", err, aerr)
		}
		return fmt.Errorf("commit %s: %w", day, err)
	}
	p.logger.Debug("demo day published", slog.String("asof", day),
		slog.Int("records", len(recs)-1), slog.Duration("took", time.Since(begun)))
	return nil
}

// records encodes the day's curves, keyed by curve_key, followed by the
// checkpoint.
func (p *Producer) records(asof, now time.Time) ([]*kgo.Record, error) {
	obs := p.model.day(asof)
	ingest := now.UTC().Truncate(time.Microsecond)
	recs := make([]*kgo.Record, 0, len(obs)+1)
	for i := range obs {
		o := &obs[i]
		o.IngestTS = ingest
		v, err := p.deps.Serde.Encode(topology.TopicCurveObservation, o)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", o.CurveKey, o.TenorLabel, err)
		}
		recs = append(recs, &kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte(o.CurveKey), Value: v})
	}
	cp, err := p.checkpointRecord(asof, ingest)
	if err != nil {
		return nil, err
	}
	return append(recs, cp), nil
}

// abort drops whatever the open transaction buffered or wrote.
func (p *Producer) abort(cl *kgo.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), endTxnTimeout)
	defer cancel()
	if err := cl.AbortBufferedRecords(ctx); err != nil {
		return fmt.Errorf("abort buffered records: %w", err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return fmt.Errorf("abort transaction: %w", err)
	}
	return nil
}
