package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/topology"
)

// drainEvery is how long a session keeps starting runs before it lets the
// runs in flight end, commits them and allows a pending rebalance (the
// consumer blocks rebalances while it holds polled requests).
const drainEvery = time.Second

// session runs one GroupTransactSession until ctx is cancelled or the
// session fails; it reports whether any transaction committed.
//
// Runs start as slots free, Config.Concurrency at once, taken from the
// backlog of polled requests round-robin across tenants. Whenever runs
// have ended, the ones that ended commit in one transaction: their outputs
// and terminal events, and the offsets the backlog and the runs still
// executing allow (backlog.commitFloor). A run's terminal event so waits
// for its own run and the transaction in hand, not for the slowest run
// started with it.
func (w *Worker) session(ctx context.Context) (committed bool, err error) {
	var pending backlog
	lose := func(_ context.Context, _ *kgo.Client, partitions map[string][]int32) {
		pending.drop(partitions)
		w.lag.forget(partitions)
	}
	defer w.lag.reset()
	sess, err := kgo.NewGroupTransactSession(w.clientOptions(append(slices.Clone(w.cfg.SessionOptions),
		kgo.TransactionalID(w.cfg.TransactionalID),
		kgo.ConsumerGroup(w.cfg.Group),
		kgo.ConsumeTopics(topology.TopicScenarioRequest),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are fetched with RequireStable (KIP-447), always on in
		// franz-go: a new owner waits for a predecessor's open transaction.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// A rebalance waits until the session has drained its runs, so
		// routine rebalances do not interrupt runs; a member that overstays
		// the rebalance timeout is fenced and its transaction aborts.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(lose),
		kgo.OnPartitionsLost(lose),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)...)...)
	if err != nil {
		return false, &fatalError{fmt.Errorf("scenario worker: kafka session: %w", err)}
	}
	defer sess.CloseAllowingRebalance()

	f := newFlight(w.cfg.Concurrency)
	drainAt := time.Now().Add(drainEvery)
	for {
		stopping := ctx.Err() != nil
		if !stopping && time.Now().Before(drainAt) {
			if w.poll(ctx, sess, &pending, !f.idle()) {
				f.wait()
				return committed, errors.New("kafka client closed")
			}
			if ctx.Err() == nil { // no run starts once the worker stops
				w.startRuns(ctx, &pending, f)
			}
		}
		// Wait for a run to end when nothing else can happen meanwhile:
		// every slot is taken, or the session drains; else only briefly,
		// to look for new requests.
		switch {
		case f.executing() == 0:
		case f.full() || stopping || !time.Now().Before(drainAt):
			f.collect(-1)
		default:
			f.collect(5 * time.Millisecond)
		}
		if len(f.ready) > 0 {
			ok, err := w.commit(ctx, sess, &pending, f)
			committed = committed || ok
			if err != nil {
				f.wait()
				return committed, err
			}
		}
		if f.idle() {
			if stopping {
				return committed, nil
			}
			sess.AllowRebalance()
			drainAt = time.Now().Add(drainEvery)
		}
	}
}

// poll adds polled requests to the backlog, up to Config.Backlog: it waits
// for requests when the session has nothing to do (no backlog, no run in
// flight), and otherwise takes only those the client holds already. It
// reports whether the client is closed.
func (w *Worker) poll(ctx context.Context, sess *kgo.GroupTransactSession, pending *backlog, busy bool) (closed bool) {
	room := w.cfg.Backlog - pending.len()
	if room <= 0 {
		return false
	}
	pctx := ctx
	if busy || pending.len() > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
	}
	fetches := sess.PollRecords(pctx, room)
	if ctx.Err() != nil {
		return false
	}
	fetches.EachError(func(topic string, partition int32, err error) {
		switch {
		case errors.Is(err, kgo.ErrClientClosed) || errors.Is(err, context.Canceled):
			closed = true
		case errors.Is(err, context.DeadlineExceeded) && pctx != ctx:
			// Nothing buffered.
		default:
			w.logger.Warn("fetch failed", slog.String("topic", topic), slog.Int("partition", int(partition)),
				slog.String("error", err.Error()))
		}
	})
	w.lag.polled(fetches)
	recs := fetches.Records()
	w.metrics.RecordsConsumed.WithLabelValues(w.cfg.Group, topology.TopicScenarioRequest).Add(float64(len(recs)))
	pending.add(recs...)
	return closed
}

// startRuns starts runs from the backlog while slots are free.
func (w *Worker) startRuns(ctx context.Context, pending *backlog, f *flight) {
	for !f.full() {
		recs, tenant, drops, ok := pending.next(w.cfg.TenantConcurrency, f.running, f.busy)
		if !ok {
			return
		}
		f.start(keyRun{key: keyOf(recs[0]), tenant: tenant, recs: recs, drops: drops, started: time.Now()}, func() result {
			res := w.handleKey(ctx, recs)
			if res.err != nil && !errors.Is(res.err, errAbandon) {
				// Not committed: its requests go back to the backlog after a
				// pause, rather than at once into the same failure.
				w.logger.Warn("requests left uncommitted; they will be handled again", slog.String("error", res.err.Error()))
				_ = retry.Sleep(ctx, w.cfg.Backoff.Delay(0))
			}
			return res
		})
	}
}

// commit ends the runs that ended in one transaction. It reports whether
// the transaction committed; the requests of runs that did not commit go
// back to the backlog. An error means the session cannot go on.
func (w *Worker) commit(ctx context.Context, sess *kgo.GroupTransactSession, pending *backlog, f *flight) (bool, error) {
	ended := f.ready
	f.ready = nil

	var (
		all    result
		failed []keyRun
		first  = time.Now()
	)
	for _, k := range ended {
		if k.res.err != nil {
			failed = append(failed, k)
			continue
		}
		all.add(k.res)
		if k.started.Before(first) {
			first = k.started
		}
	}
	for _, k := range failed {
		pending.restore(k.recs, k.drops)
	}
	if len(failed) == len(ended) {
		return false, nil
	}
	defer func() { w.metrics.BatchDuration.WithLabelValues(w.cfg.Group).Observe(time.Since(first).Seconds()) }()

	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.OpTimeout)
	defer cancel()
	spans := w.startCommit(ctx, ended)
	if err := sess.Begin(); err != nil {
		endCommit(spans, false, err)
		return false, fmt.Errorf("begin transaction: %w", err)
	}
	promise := kgo.AbortingFirstErrPromise(sess.Client())
	for _, r := range all.records {
		sess.Produce(ectx, r, promise.Promise())
	}
	perr := promise.Err()
	floor := func(req *kmsg.TxnOffsetCommitRequest) error {
		pending.commitFloor(req, f.executingRecords())
		return nil
	}
	committed, err := sess.End(kgo.PreTxnCommitFnContext(ectx, floor), kgo.TransactionEndTry(perr == nil))
	endCommit(spans, committed, errors.Join(err, perr))
	if !committed {
		for _, k := range ended {
			if k.res.err == nil {
				pending.restore(k.recs, k.drops)
			}
		}
	}
	switch {
	case err != nil:
		return false, fmt.Errorf("end transaction: %w", errors.Join(err, perr))
	case !committed:
		// A rebalance or a failed produce: the requests come again, from
		// the backlog or from the committed offsets; the database says what
		// is already done.
		w.logger.Info("transaction aborted; its requests will be handled again",
			slog.Int("runs", len(ended)-len(failed)), slog.String("produce_error", errString(perr)))
		return false, nil
	}
	for _, reason := range all.dead {
		w.metrics.RecordsDeadLettered.WithLabelValues(topology.TopicScenarioRequest, reason).Inc()
	}
	w.lag.committed(ended)
	w.markAll(ctx, all.published)
	return true, nil
}

// keyRun is the handling of the requests of one key: executing, or ended
// and waiting for its transaction.
type keyRun struct {
	key, tenant string
	recs        []*kgo.Record
	drops       uint64 // backlog.next's, for restore
	started     time.Time
	res         result // once ended
}

// flight tracks a session's runs. It is used by the session's goroutine
// only; runs report their end on a channel.
type flight struct {
	slots   int
	running map[string]int    // tenant → keys executing
	runs    map[string]keyRun // executing, by key
	done    chan keyRun
	ready   []keyRun // ended, awaiting their commit
}

func newFlight(slots int) *flight {
	return &flight{slots: slots, running: map[string]int{},
		runs: map[string]keyRun{}, done: make(chan keyRun, slots)}
}

func (f *flight) full() bool { return len(f.runs) >= f.slots }

// idle reports whether no run executes or awaits its commit.
func (f *flight) idle() bool { return len(f.runs) == 0 && len(f.ready) == 0 }

// busy reports whether key's requests execute or await their commit: the
// run id must not start again until its transaction has ended. (A commit
// in hand holds keys in neither, but nothing starts while it runs.)
func (f *flight) busy(key string) bool {
	if _, ok := f.runs[key]; ok {
		return true
	}
	return slices.ContainsFunc(f.ready, func(k keyRun) bool { return k.key == key })
}

// start runs handle in a goroutine for k.
func (f *flight) start(k keyRun, handle func() result) {
	f.runs[k.key] = k
	f.running[k.tenant]++
	go func() {
		k.res = handle()
		f.done <- k
	}()
}

// collect moves ended runs to ready: those ended already, and when none
// has, the first to end within wait (negative: however long it takes).
func (f *flight) collect(wait time.Duration) {
	ended := func(k keyRun) {
		delete(f.runs, k.key)
		f.running[k.tenant]--
		f.ready = append(f.ready, k)
	}
	for drained := false; !drained; {
		select {
		case k := <-f.done:
			ended(k)
		default:
			drained = true
		}
	}
	if len(f.ready) > 0 || len(f.runs) == 0 || wait == 0 {
		return
	}
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case k := <-f.done:
		ended(k)
	case <-timeout:
	}
}

// wait waits for every run executing to end, dropping their results: the
// session is ending without committing them.
func (f *flight) wait() {
	for len(f.runs) > 0 {
		f.collect(-1)
	}
	f.ready = nil
}

// executingRecords are the requests of the runs executing.
func (f *flight) executingRecords() []*kgo.Record {
	var recs []*kgo.Record
	for _, k := range f.runs {
		recs = append(recs, k.recs...)
	}
	return recs
}

func (f *flight) executing() int { return len(f.runs) }
