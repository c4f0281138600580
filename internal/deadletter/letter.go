package deadletter

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// HeaderReplayFrom is set on a record `aurum dlq replay` re-published: the
// position of the dead letter it came from, "<dead-letter topic>/<partition>/<offset>".
// A replayed record that fails again reaches the dead-letter topic with it.
const HeaderReplayFrom = "aurum.replay.from"

// headerPrefix starts every header Record adds.
const headerPrefix = "aurum.error."

// ReadFunc calls fn with every record of topic, from the start of each
// partition to its end as of the call, read with read_committed isolation
// and without a consumer group (producers/collector.ReadTopic does this).
type ReadFunc func(ctx context.Context, topic string, fn func(*kgo.Record)) error

// Position is where a record sits on a topic. Partition and Offset are -1
// for a record that never was on the topic (a file row the loader refused).
type Position struct {
	Topic     string
	Partition int32
	Offset    int64
}

// String is "topic/partition/offset", or the topic alone without an offset.
func (p Position) String() string {
	if p.Offset < 0 {
		return p.Topic
	}
	return p.Topic + "/" + strconv.Itoa(int(p.Partition)) + "/" + strconv.FormatInt(p.Offset, 10)
}

// Letter is a dead letter as an operator reads it: where it is, why and
// when it got there, and where it came from.
type Letter struct {
	// At is the dead letter's own position on its dead-letter topic.
	At Position
	// Source is where the original record was: its topic, and its
	// partition and offset when it was consumed from there.
	Source Position
	// Reason is the short cause (a metric label such as missing_units);
	// Detail the rest of the reason header.
	Reason, Detail string
	Stage          string
	// Time is when the record was dead-lettered: its aurum.error.time
	// header, else the record's timestamp.
	Time time.Time
	// ReplayOf is the HeaderReplayFrom of a replayed record that failed
	// again, or "".
	ReplayOf string
	// Record is the dead-letter record itself: the original key and value.
	Record *kgo.Record
}

// Open reads the headers of a record of a dead-letter topic.
func Open(r *kgo.Record) Letter {
	reason, detail, _ := strings.Cut(Header(r, HeaderReason), ": ")
	l := Letter{
		At:       Position{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset},
		Source:   Position{Topic: Header(r, HeaderTopic), Partition: -1, Offset: -1},
		Reason:   reason,
		Detail:   detail,
		Stage:    Header(r, HeaderStage),
		Time:     r.Timestamp.UTC(),
		ReplayOf: Header(r, HeaderReplayFrom),
		Record:   r,
	}
	if t, err := time.Parse(time.RFC3339Nano, Header(r, HeaderTime)); err == nil {
		l.Time = t.UTC()
	}
	p, perr := strconv.ParseInt(Header(r, HeaderPartition), 10, 32)
	o, oerr := strconv.ParseInt(Header(r, HeaderOffset), 10, 64)
	if perr == nil && oerr == nil && o >= 0 {
		l.Source.Partition, l.Source.Offset = int32(p), o
	}
	return l
}

// Filter selects dead letters. Its zero value selects every one.
type Filter struct {
	// Reasons are reason codes (missing_units, check_violation); empty
	// selects any.
	Reasons []string
	// Stage is a stage (load, decode, validate, materialize, process);
	// empty selects any.
	Stage string
	// Since and Until bound Letter.Time, both included; a zero bound is open.
	Since, Until time.Time
}

// Match reports whether f selects l.
func (f Filter) Match(l Letter) bool {
	switch {
	case len(f.Reasons) > 0 && !slices.Contains(f.Reasons, l.Reason):
		return false
	case f.Stage != "" && f.Stage != l.Stage:
		return false
	case !f.Since.IsZero() && l.Time.Before(f.Since):
		return false
	case !f.Until.IsZero() && l.Time.After(f.Until):
		return false
	}
	return true
}

// Inspect reads the dead-letter topic up to its end with read and returns
// the dead letters f selects, oldest first, and how many it read.
func Inspect(ctx context.Context, read ReadFunc, topic string, f Filter) (matched []Letter, seen int, err error) {
	err = read(ctx, topic, func(r *kgo.Record) {
		seen++
		if l := Open(r); f.Match(l) {
			matched = append(matched, l)
		}
	})
	if err != nil {
		return nil, seen, fmt.Errorf("read dead letters of %s: %w", topic, err)
	}
	slices.SortStableFunc(matched, func(a, b Letter) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if c := cmp.Compare(a.At.Partition, b.At.Partition); c != 0 {
			return c
		}
		return cmp.Compare(a.At.Offset, b.At.Offset)
	})
	return matched, seen, nil
}
