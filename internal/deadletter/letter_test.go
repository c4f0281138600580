package deadletter

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var failedAt = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// consumedLetter is a record the curve materialiser refused, as it sits on
// the dead-letter topic.
func consumedLetter() *kgo.Record {
	orig := &kgo.Record{Topic: "aurum.curve.observation.v1", Partition: 4, Offset: 1833, Key: []byte("4be1"),
		Value:   []byte{0, 0, 0, 0, 3, 0x14, 0x32, 0x30},
		Headers: []kgo.RecordHeader{{Key: "x-request-id", Value: []byte("r1")}}}
	dl := Record(orig, Failure{Reason: "constraint_violation", Detail: "mid too high", Stage: StageMaterialize}, failedAt)
	dl.Partition, dl.Offset = 1, 12
	return dl
}

// rowLetter is a file row the loader refused.
func rowLetter() *kgo.Record {
	orig := &kgo.Record{Topic: "aurum.curve.observation.v1", Key: []byte("4be1"),
		Value: []byte(`{"line":3,"file":"eod.csv","row":{"units_raw":""}}`)}
	dl := Record(orig, Failure{Reason: "missing_units", Detail: "units_raw is empty", Stage: StageLoad}, failedAt.Add(time.Hour))
	dl.Partition, dl.Offset = 0, 3
	return dl
}

func TestOpenReadsTheHeaders(t *testing.T) {
	t.Parallel()
	l := Open(consumedLetter())
	want := Letter{
		At:     Position{"aurum.curve.observation.dlq.v1", 1, 12},
		Source: Position{"aurum.curve.observation.v1", 4, 1833},
		Reason: "constraint_violation", Detail: "mid too high", Stage: StageMaterialize, Time: failedAt,
	}
	l.Record = nil
	if l != want {
		t.Fatalf("Open = %+v\nwant   %+v", l, want)
	}
	if got := Open(rowLetter()).Source; got != (Position{"aurum.curve.observation.v1", -1, -1}) || got.String() != "aurum.curve.observation.v1" {
		t.Fatalf("a row's source = %+v (%s): it never was on the topic", got, got)
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	consumed, row := Open(consumedLetter()), Open(rowLetter())
	tests := []struct {
		name          string
		f             Filter
		consumed, row bool
	}{
		{"the zero filter selects all", Filter{}, true, true},
		{"by reason", Filter{Reasons: []string{"missing_units"}}, false, true},
		{"by one of reasons", Filter{Reasons: []string{"no_price", "constraint_violation"}}, true, false},
		{"a reason is its code, not its detail", Filter{Reasons: []string{"units_raw is empty"}}, false, false},
		{"by stage", Filter{Stage: StageLoad}, false, true},
		{"since is included", Filter{Since: failedAt.Add(time.Hour)}, false, true},
		{"until is included", Filter{Until: failedAt}, true, false},
		{"a window around one", Filter{Since: failedAt.Add(-time.Minute), Until: failedAt.Add(time.Minute)}, true, false},
	}
	for _, tc := range tests {
		if got := tc.f.Match(consumed); got != tc.consumed {
			t.Errorf("%s: consumed dead letter matched = %v", tc.name, got)
		}
		if got := tc.f.Match(row); got != tc.row {
			t.Errorf("%s: row dead letter matched = %v", tc.name, got)
		}
	}
}

// TestWrite is the output of `aurum dlq inspect` for a refused record (a
// hex preview of its Avro bytes) and a refused file row (the raw row).
func TestWrite(t *testing.T) {
	t.Parallel()
	var text, js strings.Builder
	for _, r := range []*kgo.Record{consumedLetter(), rowLetter()} {
		if err := WriteText(&text, Open(r)); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&js, Open(r)); err != nil {
			t.Fatal(err)
		}
	}
	wantText := `2026-11-24T12:00:00.000Z 1/12 materialize/constraint_violation key=4be1 from=aurum.curve.observation.v1/4/1833 detail="mid too high"
    value 8 bytes, schema id 3: 0000000003143230
2026-11-24T13:00:00.000Z 0/3 load/missing_units key=4be1 from=aurum.curve.observation.v1 detail="units_raw is empty"
    row {"line":3,"file":"eod.csv","row":{"units_raw":""}}
`
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}
	wantJSON := `{"partition":1,"offset":12,"time":"2026-11-24T12:00:00Z","stage":"materialize","reason":"constraint_violation","detail":"mid too high","topic":"aurum.curve.observation.v1","source_partition":4,"source_offset":1833,"replay_of":null,"key":"4be1","value_hex":"0000000003143230","value_bytes":8,"schema_id":3}
{"partition":0,"offset":3,"time":"2026-11-24T13:00:00Z","stage":"load","reason":"missing_units","detail":"units_raw is empty","topic":"aurum.curve.observation.v1","source_partition":null,"source_offset":null,"replay_of":null,"key":"4be1","row":{"line":3,"file":"eod.csv","row":{"units_raw":""}},"value_bytes":50}
`
	if js.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), wantJSON)
	}
}

func TestWriteLongBinaryValue(t *testing.T) {
	t.Parallel()
	r := consumedLetter()
	r.Key, r.Value = []byte{0xff, 0x00}, make([]byte, 100)
	r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderReplayFrom, Value: []byte("aurum.curve.observation.dlq.v1/0/7")})
	var b strings.Builder
	if err := WriteText(&b, Open(r)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "key=0xff00 ") || !strings.Contains(b.String(), "replay_of=aurum.curve.observation.dlq.v1/0/7") ||
		!strings.Contains(b.String(), "value 100 bytes, schema id 0: "+strings.Repeat("00", previewBytes)+"…") {
		t.Errorf("got %s", b.String())
	}
}
