package scenario

import (
	"maps"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurum-energy/aurum/internal/runs"
)

func request(tenant, run string, partition int32, offset int64) *kgo.Record {
	return &kgo.Record{Topic: "requests", Partition: partition, Offset: offset, Key: []byte(run), LeaderEpoch: 7,
		Headers: []kgo.RecordHeader{{Key: runs.HeaderTenant, Value: []byte(tenant)}}}
}

// starts takes runs from b until none can start, as a session with
// unlimited slots would, and returns their keys in order.
func starts(b *backlog, perTenant int) []string {
	running, busy := map[string]int{}, map[string]bool{}
	var out []string
	for {
		recs, tenant, _, ok := b.next(perTenant, running, func(k string) bool { return busy[k] })
		if !ok {
			return out
		}
		running[tenant]++
		busy[keyOf(recs[0])] = true
		for _, r := range recs {
			out = append(out, string(r.Key))
		}
	}
}

// commitOffsets is what a transaction with the client's offsets commits
// once the backlog lowered them, with the runs of executing executing.
func commitOffsets(b *backlog, polled map[int32]int64, executing ...*kgo.Record) map[int32]int64 {
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	t := kmsg.NewTxnOffsetCommitRequestTopic()
	t.Topic = "requests"
	for p, o := range polled {
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = p, o
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	b.commitFloor(req, executing)
	out := map[int32]int64{}
	for _, p := range req.Topics[0].Partitions {
		out[p.Partition] = p.Offset
	}
	return out
}

func TestBacklogStartsRoundRobin(t *testing.T) {
	var b backlog
	b.add(request("a", "a1", 0, 10), request("a", "a2", 0, 11), request("a", "a3", 1, 20),
		request("b", "b1", 1, 21), request("a", "a1", 1, 9), request("c", "c1", 0, 12))
	b.add(request("a", "a2", 0, 11)) // polled again after a rewind

	// a's first run with both its requests, in offset order; then b's and
	// c's; then a's others, as a is the only tenant left.
	if got, want := starts(&b, 1), []string{"a1", "a1", "b1", "c1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Errorf("starts = %v, want %v", got, want)
	}
}

func TestBacklogSkipsBusyKeysAndTurnsAfterTheLastTenant(t *testing.T) {
	var b backlog
	b.add(request("a", "a1", 0, 1), request("b", "b1", 0, 2), request("a", "a2", 0, 3))
	recs, tenant, _, _ := b.next(1, map[string]int{}, none)
	if tenant != "a" || string(recs[0].Key) != "a1" {
		t.Fatalf("first start %s of %s, want a1 of a", recs[0].Key, tenant)
	}
	b.add(request("a", "a1", 0, 4)) // a duplicate of a1 while it executes
	recs, tenant, _, _ = b.next(1, map[string]int{"a": 1}, keys("a1"))
	if tenant != "b" {
		t.Errorf("second start %s of %s, want b's turn", recs[0].Key, tenant)
	}
	recs, _, _, _ = b.next(1, map[string]int{"a": 1}, keys("a1", "b1"))
	if string(recs[0].Key) != "a2" {
		t.Errorf("third start %s, want a2: a1's duplicate waits for a1", recs[0].Key)
	}
}

func TestBacklogCommitsTheFloor(t *testing.T) {
	var b backlog
	b.add(request("a", "a2", 0, 11), request("a", "a3", 1, 20))
	executing := request("b", "b1", 1, 15)
	// Nothing at or after a2 (0/11), b1 (1/15) or a3 commits.
	if got, want := commitOffsets(&b, map[int32]int64{0: 13, 1: 23, 2: 5}, executing), map[int32]int64{0: 11, 1: 15, 2: 5}; !maps.Equal(got, want) {
		t.Errorf("commit offsets %v, want %v", got, want)
	}
	starts(&b, 1)
	if got, want := commitOffsets(&b, map[int32]int64{0: 13, 1: 23}), map[int32]int64{0: 13, 1: 23}; !maps.Equal(got, want) {
		t.Errorf("nothing waiting: commit offsets %v, want the polled %v", got, want)
	}
}

func TestBacklogRestoresOnlyOwnedPartitions(t *testing.T) {
	var b backlog
	b.add(request("a", "a1", 0, 1), request("b", "b1", 1, 1))
	a1, _, drops, _ := b.next(1, map[string]int{}, none)
	b1, _, _, _ := b.next(1, map[string]int{}, none)
	b.drop(map[string][]int32{"requests": {1}})
	b.restore(slices.Concat(a1, b1), drops)
	if got := starts(&b, 1); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("restored %v, want a1 only: partition 1 was revoked", got)
	}
}

// none is a busy that holds no key; keys one that holds those given.
func none(string) bool { return false }

func keys(ks ...string) func(string) bool {
	return func(k string) bool { return slices.Contains(ks, k) }
}
