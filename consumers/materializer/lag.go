package materializer

import (
	"strconv"
	"sync"
	"time"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// lagTracker keeps aurum_consumer_lag_records and
// aurum_consumer_lag_seconds.
//
// Lag in records is, per partition, the high watermark of the last fetch
// minus the committed offset. Lag in seconds is, per topic, the age of the
// oldest record not yet committed: while a batch is in hand (and while
// its write is retried) that is its oldest record; after a commit, for a
// partition still behind, it is approximated by the timestamp of the last
// committed record (the next one is at least as recent); a partition that
// is caught up counts zero.
type lagTracker struct {
	group   string
	metrics *telemetry.Metrics
	now     func() time.Time

	mu       sync.Mutex
	parts    map[topicPartition]partitionLag
	inFlight map[string]time.Time // topic → oldest record of the batch in hand
}

type partitionLag struct {
	records int64
	last    time.Time // timestamp of the last committed record
}

func newLagTracker(group string, m *telemetry.Metrics, now func() time.Time) *lagTracker {
	return &lagTracker{group: group, metrics: m, now: now,
		parts: map[topicPartition]partitionLag{}, inFlight: map[string]time.Time{}}
}

// begin notes the oldest record per topic of a batch about to be written.
func (l *lagTracker) begin(parts []partitionBatch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.inFlight)
	for _, p := range parts {
		ts := p.records[0].Timestamp
		if at, ok := l.inFlight[p.topic]; !ok || ts.Before(at) {
			l.inFlight[p.topic] = ts
		}
	}
	l.publishLocked()
}

// waiting refreshes the seconds gauge while a batch is retried, so the lag
// keeps growing on dashboards during a database or registry outage.
func (l *lagTracker) waiting() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.publishLocked()
}

// committed records the state after the batch's offsets were committed.
func (l *lagTracker) committed(parts []partitionBatch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.inFlight)
	for _, p := range parts {
		last := p.records[len(p.records)-1]
		lag := max(p.highWatermark-(last.Offset+1), 0)
		l.parts[topicPartition{p.topic, p.partition}] = partitionLag{records: lag, last: last.Timestamp}
		l.metrics.ConsumerLagRecords.WithLabelValues(l.group, p.topic, strconv.Itoa(int(p.partition))).Set(float64(lag))
	}
	l.publishLocked()
}

// forget drops partitions this member no longer owns.
func (l *lagTracker) forget(gone map[string][]int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for topic, ps := range gone {
		for _, p := range ps {
			delete(l.parts, topicPartition{topic, p})
			l.metrics.ConsumerLagRecords.DeleteLabelValues(l.group, topic, strconv.Itoa(int(p)))
		}
	}
	l.publishLocked()
}

func (l *lagTracker) publishLocked() {
	now := l.now()
	oldest := map[string]time.Time{}
	seen := map[string]bool{}
	for tp, p := range l.parts {
		seen[tp.topic] = true
		if p.records > 0 {
			if at, ok := oldest[tp.topic]; !ok || p.last.Before(at) {
				oldest[tp.topic] = p.last
			}
		}
	}
	for topic, ts := range l.inFlight {
		seen[topic] = true
		if at, ok := oldest[topic]; !ok || ts.Before(at) {
			oldest[topic] = ts
		}
	}
	for topic := range seen {
		age := 0.0
		if ts, ok := oldest[topic]; ok {
			age = max(now.Sub(ts).Seconds(), 0)
		}
		l.metrics.ConsumerLagSeconds.WithLabelValues(l.group, topic).Set(age)
	}
}
