package deadletter

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecordKeepsBytesAndSaysWhy(t *testing.T) {
	t.Parallel()
	orig := &kgo.Record{Topic: "aurum.curve.observation.v1", Partition: 3, Offset: 42,
		Key: []byte("k"), Value: []byte{0, 0, 0, 0, 1, 2}, Headers: []kgo.RecordHeader{{Key: "x-request-id", Value: []byte("r1")}}}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	dl := Record(orig, Failure{Reason: "missing_units", Detail: "units_raw is empty", Stage: StageValidate}, now)
	if dl.Topic != "aurum.curve.observation.dlq.v1" || string(dl.Key) != "k" || string(dl.Value) != string(orig.Value) {
		t.Fatalf("dead-letter record %+v", dl)
	}
	want := map[string]string{
		HeaderReason: "missing_units: units_raw is empty", HeaderStage: StageValidate,
		HeaderTopic: orig.Topic, HeaderPartition: "3", HeaderOffset: "42",
		HeaderTime: "2026-11-25T12:00:00Z", "x-request-id": "r1",
	}
	for k, v := range want {
		if got := Header(dl, k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestLoadStageHasNoOffset(t *testing.T) {
	t.Parallel()
	dl := Record(&kgo.Record{Topic: "aurum.curve.observation.v1", Value: []byte("row")}, Failure{Reason: "no_price", Stage: StageLoad}, time.Now())
	if Header(dl, HeaderOffset) != "" || Header(dl, HeaderPartition) != "" {
		t.Fatal("a row that was never consumed has no partition or offset")
	}
}
