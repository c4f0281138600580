package scenario

import (
	"maps"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func request(tenant, run string, partition int32, offset int64) *kgo.Record {
	return &kgo.Record{Topic: "requests", Partition: partition, Offset: offset, Key: []byte(run), LeaderEpoch: 7,
		Headers: []kgo.RecordHeader{{Key: HeaderTenant, Value: []byte(tenant)}}}
}

func keys(recs []*kgo.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Key))
	}
	return out
}

// commitOffsets is what a transaction with the client's offsets commits
// once the backlog lowered them.
func commitOffsets(b *backlog, polled map[int32]int64) map[int32]int64 {
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	t := kmsg.NewTxnOffsetCommitRequestTopic()
	t.Topic = "requests"
	for p, o := range polled {
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = p, o
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	_ = b.commitFloor(req)
	out := map[int32]int64{}
	for _, p := range req.Topics[0].Partitions {
		out[p.Partition] = p.Offset
	}
	return out
}

func TestBacklogTakesRoundRobinAndCommitsTheFloor(t *testing.T) {
	var b backlog
	b.add(request("a", "a1", 0, 10), request("a", "a2", 0, 11), request("a", "a3", 1, 20),
		request("b", "b1", 1, 21), request("a", "a1", 1, 22), request("c", "c1", 0, 12))
	b.add(request("a", "a2", 0, 11)) // polled again after a rewind

	got, _ := b.take(3)
	// a's first run with both its requests, in offset order, then b's, c's.
	if want := []string{"a1", "a1", "b1", "c1"}; !slices.Equal(keys(got), want) {
		t.Fatalf("take(3) = %v, want %v", keys(got), want)
	}
	// a2 (0/11) and a3 (1/20) are left: nothing at or after them commits.
	if got, want := commitOffsets(&b, map[int32]int64{0: 13, 1: 23}), map[int32]int64{0: 11, 1: 20}; !maps.Equal(got, want) {
		t.Errorf("commit offsets %v, want %v", got, want)
	}
	rest, _ := b.take(10)
	if want := []string{"a2", "a3"}; !slices.Equal(keys(rest), want) {
		t.Errorf("take(10) = %v, want %v", keys(rest), want)
	}
	if got, want := commitOffsets(&b, map[int32]int64{0: 13, 1: 23}), map[int32]int64{0: 13, 1: 23}; !maps.Equal(got, want) {
		t.Errorf("empty backlog: commit offsets %v, want the polled %v", got, want)
	}
}

func TestBacklogRestoresOnlyOwnedPartitions(t *testing.T) {
	var b backlog
	b.add(request("a", "a1", 0, 1), request("a", "a2", 1, 1))
	recs, drops := b.take(2)
	b.drop(map[string][]int32{"requests": {1}})
	b.restore(recs, drops)
	if left, _ := b.take(10); !slices.Equal(keys(left), []string{"a1"}) {
		t.Errorf("restored %v, want a1 only: partition 1 was revoked", keys(left))
	}
}
