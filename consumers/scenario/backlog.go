package scenario

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/runs"
)

// backlog holds the requests a session polled and has not yet committed,
// so that runs start across tenants rather than in log order: a tenant's
// burst of runs, spread over every partition, would otherwise put another
// tenant's run behind all of it. A transaction may so end runs whose
// requests lie after unhandled ones in their partition; it commits each
// partition's offset only up to the first request still waiting
// (commitFloor), so a crash or a rebalance delivers every unfinished
// request again, along with finished ones that the run's row then says are
// done.
//
// It is safe for concurrent use: the session's revocation callbacks drop
// requests of partitions it no longer owns.
type backlog struct {
	mu   sync.Mutex
	recs []*kgo.Record // in poll order
	seen map[partitionOffset]bool
	// drops counts drop calls; dropped is when each partition was last
	// dropped (offset -1 in the key), for restore.
	drops   uint64
	dropped map[partitionOffset]uint64
	last    string // the tenant served last
}

type partitionOffset struct {
	topic     string
	partition int32
	offset    int64
}

func at(r *kgo.Record) partitionOffset { return partitionOffset{r.Topic, r.Partition, r.Offset} }

func (b *backlog) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.recs)
}

// add appends recs that the backlog does not hold already: after an
// aborted transaction the client rewinds and polls some of them again.
func (b *backlog) add(recs ...*kgo.Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = make(map[partitionOffset]bool)
	}
	for _, r := range recs {
		if !b.seen[at(r)] {
			b.seen[at(r)] = true
			b.recs = append(b.recs, r)
		}
	}
}

// restore puts back requests that next returned when their transaction
// did not commit, unless their partition was dropped since next said
// drops: the session no longer owns it, or fetches it again from its
// committed offset.
func (b *backlog) restore(recs []*kgo.Record, drops uint64) {
	b.mu.Lock()
	kept := slices.DeleteFunc(slices.Clone(recs), func(r *kgo.Record) bool {
		return b.dropped[partitionOffset{r.Topic, r.Partition, -1}] > drops
	})
	b.mu.Unlock()
	b.add(kept...)
}

// keyOf is the run id of a request: the requests of one key are handled
// in turn, by one goroutine. A request without a key stands alone.
func keyOf(r *kgo.Record) string {
	if len(r.Key) == 0 {
		return fmt.Sprintf("\x00%s/%d/%d", r.Topic, r.Partition, r.Offset)
	}
	return string(r.Key)
}

// next removes and returns the requests of the next run to start, with its
// tenant (the aurum.tenant header) and the count of drops so far, for
// restore. Tenants take turns in the order they first appear in the
// backlog, starting after the tenant served last, each tenant's runs in
// poll order: a run requested behind another tenant's burst starts at the
// next free slot. A key that busy reports (executing, or awaiting its commit) is
// skipped, and so is a tenant with perTenant runs in running while another
// tenant has a run to start. ok is false when no run can start.
func (b *backlog) next(perTenant int, running map[string]int, busy func(key string) bool) (recs []*kgo.Record, tenant string, drops uint64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var order []string
	first := make(map[string]string) // tenant → its first key that can start
	for _, r := range b.recs {
		k := keyOf(r)
		if busy(k) {
			continue
		}
		t := deadletter.Header(r, runs.HeaderTenant)
		if _, seen := first[t]; !seen {
			first[t] = k
			order = append(order, t)
		}
	}
	if len(order) == 0 {
		return nil, "", b.drops, false
	}
	start := (slices.Index(order, b.last) + 1) % len(order) // 0 when last is gone
	pick := ""
	for _, limit := range []int{perTenant, math.MaxInt} {
		for i := range order {
			if t := order[(start+i)%len(order)]; running[t] < limit {
				pick = t
				break
			}
		}
		if pick != "" {
			break
		}
	}
	key := first[pick]
	b.recs = slices.DeleteFunc(b.recs, func(r *kgo.Record) bool {
		if keyOf(r) != key {
			return false
		}
		recs = append(recs, r)
		delete(b.seen, at(r))
		return true
	})
	slices.SortFunc(recs, func(x, y *kgo.Record) int { return cmp.Compare(x.Offset, y.Offset) })
	b.last = pick
	return recs, pick, b.drops, true
}

// drop forgets the requests of partitions the session lost: their new
// owner starts from the committed offsets. It has the signature of
// kgo.OnPartitionsRevoked's callback without the context and client.
func (b *backlog) drop(partitions map[string][]int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drops++
	if b.dropped == nil {
		b.dropped = make(map[partitionOffset]uint64)
	}
	for topic, ps := range partitions {
		for _, p := range ps {
			b.dropped[partitionOffset{topic, p, -1}] = b.drops
		}
	}
	b.recs = slices.DeleteFunc(b.recs, func(r *kgo.Record) bool {
		if slices.Contains(partitions[r.Topic], r.Partition) {
			delete(b.seen, at(r))
			return true
		}
		return false
	})
}

// commitFloor lowers each partition's offset in a transaction's offset
// commit to the first request of that partition still in the backlog or
// in also (the requests of runs still executing): the client commits
// everything it has polled, which may be past requests not yet handled.
// Every partition of the commit stays in it, so the commit still covers
// (for KIP-447) the partitions of every run the transaction ends.
func (b *backlog) commitFloor(req *kmsg.TxnOffsetCommitRequest, also []*kgo.Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first := make(map[partitionOffset]*kgo.Record) // offset -1: per partition
	for _, r := range slices.Concat(b.recs, also) {
		p := partitionOffset{r.Topic, r.Partition, -1}
		if f, ok := first[p]; !ok || r.Offset < f.Offset {
			first[p] = r
		}
	}
	for i := range req.Topics {
		t := &req.Topics[i]
		for j := range t.Partitions {
			p := &t.Partitions[j]
			if f, ok := first[partitionOffset{t.Topic, p.Partition, -1}]; ok && f.Offset < p.Offset {
				p.Offset, p.LeaderEpoch = f.Offset, f.LeaderEpoch
			}
		}
	}
}
