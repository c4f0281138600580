package materializer

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// offsetBook holds, per partition, the last record written to the
// database whose offset is not yet committed: normally empty, since a batch
// is committed right after its write; it fills only when a commit fails,
// and is retried by the next commit, on revocation and on shutdown.
type offsetBook struct {
	mu      sync.Mutex
	pending map[topicPartition]*kgo.Record
}

type topicPartition struct {
	topic     string
	partition int32
}

func newOffsetBook() *offsetBook {
	return &offsetBook{pending: map[topicPartition]*kgo.Record{}}
}

// add records that recs (the last of their partitions) are written.
func (b *offsetBook) add(recs []*kgo.Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range recs {
		tp := topicPartition{r.Topic, r.Partition}
		if at, ok := b.pending[tp]; !ok || at.Offset < r.Offset {
			b.pending[tp] = r
		}
	}
}

// take removes and returns the pending records of the given partitions, or
// of all when only is nil.
func (b *offsetBook) take(only map[string][]int32) []*kgo.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*kgo.Record
	for tp, r := range b.pending {
		if only != nil && !slices.Contains(only[tp.topic], tp.partition) {
			continue
		}
		out = append(out, r)
		delete(b.pending, tp)
	}
	return out
}

// restore puts back records whose commit failed, unless a later record of
// the partition was added meanwhile.
func (b *offsetBook) restore(recs []*kgo.Record) { b.add(recs) }

// commit commits the offsets after recs, the last record of each partition
// of a written batch, together with any still pending. A failed commit is
// logged and kept pending: the rows are in the database, so at worst the
// records are delivered and upserted again.
func (m *Materializer[K, R]) commit(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) {
	m.offsets.add(recs)
	m.commitPending(ctx, cl, nil)
}

// commitPending commits the pending offsets of the partitions in only (all
// when nil).
func (m *Materializer[K, R]) commitPending(ctx context.Context, cl *kgo.Client, only map[string][]int32) {
	recs := m.offsets.take(only)
	if len(recs) == 0 {
		return
	}
	if err := cl.CommitRecords(ctx, recs...); err != nil {
		m.logger.Warn("offset commit failed; will retry with the next batch", slog.String("error", err.Error()))
		m.offsets.restore(recs)
	}
}

// revoked runs before partitions are given to another member. Because
// rebalances wait for the batch in hand (BlockRebalanceOnPoll), everything
// polled from them is already written; this commits what is pending so the
// next owner starts after it.
func (m *Materializer[K, R]) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	m.commitPending(ctx, cl, revoked)
	m.lag.Forget(revoked)
	m.logger.Info("partitions revoked", slog.Any("partitions", revoked))
}

// lost runs when partitions were taken away without a chance to commit
// (session expired): their pending offsets can no longer be committed by
// this member, and the new owner re-delivers from the last commit.
func (m *Materializer[K, R]) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	m.offsets.take(lost)
	m.lag.Forget(lost)
	m.logger.Warn("partitions lost; their uncommitted records will be re-delivered", slog.Any("partitions", lost))
}
