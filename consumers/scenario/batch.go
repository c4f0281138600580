package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/topology"
)

// result is what handling requests gives: the records to produce in the
// batch's transaction and the bookkeeping to do once it committed.
type result struct {
	records []*kgo.Record
	// published are runs whose terminal event is in records or already
	// committed: their terminal_published_at is set after the commit.
	published []runRef
	// dead are the reasons of the dead letters in records, for metrics.
	dead []string
	// err is set when the batch must not commit (errAbandon, errSuperseded
	// after retries, a broker or encoding failure): it is redelivered.
	err error
}

func (r *result) add(o result) {
	r.records = append(r.records, o.records...)
	r.published = append(r.published, o.published...)
	r.dead = append(r.dead, o.dead...)
	if r.err == nil {
		r.err = o.err
	}
}

// batch executes requests taken from the backlog and commits their
// results in one transaction, with the offsets the backlog allows. It
// reports whether the transaction committed; when it did not, the
// requests belong back in the backlog. An error means the session cannot
// go on.
func (w *Worker) batch(ctx context.Context, sess *kgo.GroupTransactSession, recs []*kgo.Record, pending *backlog) (bool, error) {
	start := time.Now()
	w.metrics.RecordsConsumed.WithLabelValues(w.cfg.Group, topology.TopicScenarioRequest).Add(float64(len(recs)))
	defer func() { w.metrics.BatchDuration.WithLabelValues(w.cfg.Group).Observe(time.Since(start).Seconds()) }()

	groups := byKey(recs)
	results := make([]result, len(groups))
	tenants := make([]string, len(groups))
	for i, g := range groups {
		tenants[i] = deadletter.Header(g[0], HeaderTenant)
	}
	schedule(tenants, w.cfg.Concurrency, w.cfg.TenantConcurrency, func(i int) {
		results[i] = w.handleKey(ctx, groups[i])
	})
	var all result
	for _, r := range results {
		all.add(r)
	}

	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.OpTimeout)
	defer cancel()
	if all.err != nil {
		// The requests stay in the backlog; the client rewinds to what it
		// committed and may poll some of them again.
		if _, err := sess.End(ectx, kgo.TryAbort); err != nil {
			return false, fmt.Errorf("abort transaction: %w", err)
		}
		if !errors.Is(all.err, errAbandon) {
			w.logger.Warn("batch left uncommitted; its requests will be redelivered", slog.String("error", all.err.Error()))
			sleep(ctx, backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, 0))
		}
		return false, nil
	}

	if err := sess.Begin(); err != nil {
		return false, fmt.Errorf("begin transaction: %w", err)
	}
	promise := kgo.AbortingFirstErrPromise(sess.Client())
	for _, r := range all.records {
		sess.Produce(ectx, r, promise.Promise())
	}
	perr := promise.Err()
	committed, err := sess.End(kgo.PreTxnCommitFnContext(ectx, pending.commitFloor), kgo.TransactionEndTry(perr == nil))
	switch {
	case err != nil:
		return false, fmt.Errorf("end transaction: %w", errors.Join(err, perr))
	case !committed:
		// A rebalance or a failed produce: the requests come again, from
		// the backlog or from the committed offsets; the database says what
		// is already done.
		w.logger.Info("transaction aborted; its requests will be redelivered",
			slog.Int("requests", len(recs)), slog.String("produce_error", errString(perr)))
		return false, nil
	}
	for _, reason := range all.dead {
		w.metrics.RecordsDeadLettered.WithLabelValues(topology.TopicScenarioRequest, reason).Inc()
	}
	w.markAll(ctx, all.published)
	return true, nil
}

// byKey groups records by key, keeping their order: the requests of one
// run are handled one after the other by one goroutine.
func byKey(recs []*kgo.Record) [][]*kgo.Record {
	idx := make(map[string]int)
	var groups [][]*kgo.Record
	for _, r := range recs {
		k := string(r.Key)
		i, ok := idx[k]
		if !ok || len(r.Key) == 0 {
			i = len(groups)
			idx[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}

// handleKey handles the requests of one key in order. A run's terminal
// event goes into the batch once, however many of its requests it holds.
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
func (w *Worker) markAll(ctx context.Context, refs []runRef) {
	const tries = 3
	base := context.WithoutCancel(ctx)
	byTenant := make(map[string][]string)
	for _, ref := range refs {
		byTenant[ref.tenant] = append(byTenant[ref.tenant], ref.id)
	}
	for tenant, ids := range byTenant {
		for n := 0; n < tries; n++ {
			mctx, cancel := context.WithTimeout(base, w.cfg.OpTimeout)
			err := w.markPublished(mctx, tenant, ids)
			cancel()
			if err == nil {
				break
			}
			if n == tries-1 {
				w.logger.Warn("cannot mark the terminal events published", slog.Any("run_ids", ids),
					slog.String("tenant", tenant), slog.String("error", err.Error()))
				break
			}
			sleep(base, backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, n))
		}
	}
}
