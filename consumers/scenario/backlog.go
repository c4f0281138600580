package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurum-energy/aurum/internal/deadletter"
)

// backlog holds the requests a session polled and has not yet committed,
// so that a batch is picked across tenants rather than in log order: a
// tenant's burst of runs, spread over every partition, would otherwise put
// another tenant's run behind all of it. A batch may so hold requests that
// lie after unhandled ones in their partition; its transaction commits
// each partition's offset only up to the first request still in the
// backlog (commitFloor), so a crash or a rebalance delivers every
// unfinished request again, along with finished ones that the run's row
// then says are done.
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

// restore puts back requests that take returned when their transaction
// did not commit, unless their partition was dropped since take said
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

// take removes and returns the requests of up to keys run ids (record
// keys), picked round-robin across tenants (the aurum.tenant header) in the
// order tenants first appear, each tenant's in poll order. All requests of
// a picked key come with it, in offset order, for one goroutine to handle
// in turn. It also returns the count of drops so far, for restore.
func (b *backlog) take(keys int) ([]*kgo.Record, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var (
		order []string
		byTen = make(map[string][]string) // tenant → its keys, in poll order
		byKey = make(map[string][]*kgo.Record)
	)
	for _, r := range b.recs {
		k := string(r.Key)
		if len(r.Key) == 0 { // no run id: a request of its own
			k = fmt.Sprintf("\x00%s/%d/%d", r.Topic, r.Partition, r.Offset)
		}
		if _, ok := byKey[k]; !ok {
			t := deadletter.Header(r, HeaderTenant)
			if _, ok := byTen[t]; !ok {
				order = append(order, t)
			}
			byTen[t] = append(byTen[t], k)
		}
		byKey[k] = append(byKey[k], r)
	}
	var out []*kgo.Record
	for picked := 0; picked < keys; {
		progress := false
		for _, t := range order {
			if picked == keys || len(byTen[t]) == 0 {
				continue
			}
			k := byTen[t][0]
			byTen[t] = byTen[t][1:]
			recs := byKey[k]
			slices.SortFunc(recs, func(x, y *kgo.Record) int { return cmp.Compare(x.Offset, y.Offset) })
			out = append(out, recs...)
			picked++
			progress = true
		}
		if !progress {
			break
		}
	}
	taken := make(map[partitionOffset]bool, len(out))
	for _, r := range out {
		taken[at(r)] = true
		delete(b.seen, at(r))
	}
	b.recs = slices.DeleteFunc(b.recs, func(r *kgo.Record) bool { return taken[at(r)] })
	return out, b.drops
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
// commit to the first request of that partition still in the backlog: the
// client commits everything it has polled, which may be past requests not
// yet handled. Every partition of the commit stays in it, so the commit
// still covers (for KIP-447) the partitions of every run the transaction
// ends.
func (b *backlog) commitFloor(req *kmsg.TxnOffsetCommitRequest) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	first := make(map[partitionOffset]*kgo.Record) // offset -1: per partition
	for _, r := range b.recs {
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
	return nil
}
