package scenario

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/runs"
)

// result is what handling requests gives: the records to produce in the
// transaction that ends the run and the bookkeeping to do once it committed.
type result struct {
	records []*kgo.Record
	// published are runs whose terminal event is in records or already
	// committed: their terminal_published_at is set after the commit.
	published []runs.Ref
	// dead are the reasons of the dead letters in records, for metrics.
	dead []string
	// err is set when the results must not commit (errAbandon, runs.ErrSuperseded
	// after retries, a broker or encoding failure): it is redelivered.
	err error
	// span is the span of the last request handled, when the worker
	// traces: the transaction's span for these records is its child.
	span trace.SpanContext
}

func (r *result) add(o result) {
	r.records = append(r.records, o.records...)
	r.published = append(r.published, o.published...)
	r.dead = append(r.dead, o.dead...)
	if r.err == nil {
		r.err = o.err
	}
	if o.span.IsValid() {
		r.span = o.span
	}
}

// handleKey handles the requests of one key in order. A run's terminal
// event goes into the results once, however many of its requests there are.
func (w *Worker) handleKey(ctx context.Context, recs []*kgo.Record) result {
	var (
		res result
		st  keyState
	)
	for _, rec := range recs {
		res.add(w.handle(ctx, rec, &st))
		if res.err != nil {
			break
		}
	}
	return res
}

// markAll sets terminal_published_at of runs whose terminal event is
// committed, one statement per tenant. A mark that keeps failing is only
// logged: the run topic says the event is there, and a later duplicate
// request finds it (see the package documentation).
func (w *Worker) markAll(ctx context.Context, refs []runs.Ref) {
	const tries = 3
	base := context.WithoutCancel(ctx)
	byTenant := make(map[string][]string)
	for _, ref := range refs {
		byTenant[ref.Tenant] = append(byTenant[ref.Tenant], ref.ID)
	}
	for tenant, ids := range byTenant {
		for n := 0; n < tries; n++ {
			mctx, cancel := context.WithTimeout(base, w.cfg.OpTimeout)
			err := w.store.MarkPublished(mctx, tenant, ids)
			cancel()
			if err == nil {
				break
			}
			if n == tries-1 {
				w.logger.Warn("cannot mark the terminal events published", slog.Any("run_ids", ids),
					slog.String("tenant", tenant), slog.String("error", err.Error()))
				break
			}
			_ = retry.Sleep(base, w.cfg.Backoff.Delay(n))
		}
	}
}
