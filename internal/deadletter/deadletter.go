// Package deadletter builds the records Aurum puts on a dead-letter topic
// (docs/CONTRACTS.md#topics): the original key and value bytes, untouched, so the record
// can be inspected and replayed, plus headers saying what went wrong where. It also
// reads them back for an operator (docs/CONTRACTS.md#dead-letters): Inspect lists
// them, Replay re-publishes them to their source topic, each once.
package deadletter

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/topology"
)

// The headers of a dead-letter record.
const (
	HeaderReason    = "aurum.error.reason"
	HeaderStage     = "aurum.error.stage"
	HeaderTopic     = "aurum.error.topic"
	HeaderPartition = "aurum.error.partition"
	HeaderOffset    = "aurum.error.offset"
	HeaderTime      = "aurum.error.time"
)

// Stages at which a record can be dead-lettered.
const (
	StageLoad        = "load"        // a loader or collector rejected a row before publishing it
	StageDecode      = "decode"      // the bytes are not a record of the topic's schema
	StageValidate    = "validate"    // the record decodes but breaks a rule of the contract
	StageMaterialize = "materialize" // the database refused the row itself
	StageProcess     = "process"     // a worker gave up on the record
)

// Failure says why a record is dead-lettered. Reason is the short, stable
// cause (a metric label); Detail is for the person reading the record.
type Failure struct {
	Reason string
	Detail string
	Stage  string
}

// Error is the reason header's text, so that a function can refuse a
// record with a Failure (a quarantined row still invalid when replayed).
func (f *Failure) Error() string {
	if f.Detail == "" {
		return f.Reason
	}
	return f.Reason + ": " + f.Detail
}

// Record wraps orig for the dead-letter topic of its topic. Headers of the
// original record are kept; partition and offset headers are set only when
// orig was consumed (Offset >= 0 with a topic). now is the failure time.
func Record(orig *kgo.Record, f Failure, now time.Time) *kgo.Record {
	reason := f.Error()
	headers := append([]kgo.RecordHeader(nil), orig.Headers...)
	headers = append(headers,
		kgo.RecordHeader{Key: HeaderReason, Value: []byte(reason)},
		kgo.RecordHeader{Key: HeaderStage, Value: []byte(f.Stage)},
		kgo.RecordHeader{Key: HeaderTopic, Value: []byte(orig.Topic)},
		kgo.RecordHeader{Key: HeaderTime, Value: []byte(now.UTC().Format(time.RFC3339Nano))},
	)
	if f.Stage != StageLoad {
		headers = append(headers,
			kgo.RecordHeader{Key: HeaderPartition, Value: []byte(strconv.Itoa(int(orig.Partition)))},
			kgo.RecordHeader{Key: HeaderOffset, Value: []byte(strconv.FormatInt(orig.Offset, 10))},
		)
	}
	return &kgo.Record{
		Topic:   topology.DeadLetterTopic(orig.Topic),
		Key:     orig.Key,
		Value:   orig.Value,
		Headers: headers,
	}
}

// Header returns the value of the named header, or "".
func Header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
