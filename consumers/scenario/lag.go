package scenario

import (
	"context"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// lagEvery is how often the lag in seconds is published again while runs
// take their time.
const lagEvery = time.Second

// lagTracker reports the worker's lag (telemetry.ConsumerLag). A request
// is unprocessed from its poll until the transaction that commits its
// offset: in the backlog, executing, or awaiting its commit. A partition's
// lag in records runs from its first such request (or, with none, the
// offset after the last polled) to the high watermark of its last fetch;
// its oldest unprocessed record is the oldest request held. A partition
// whose requests are all committed holds none: whatever follows is polled
// at once, and a transaction marker is nothing to process.
type lagTracker struct {
	lag *telemetry.ConsumerLag

	mu    sync.Mutex
	parts map[topicPartition]*partitionLag
}

type topicPartition struct {
	topic     string
	partition int32
}

type partitionLag struct {
	end, next int64
	held      map[int64]time.Time // offset → timestamp
}

func newLagTracker(m *telemetry.Metrics, group string, now func() time.Time) *lagTracker {
	return &lagTracker{lag: telemetry.NewConsumerLag(m, group, now), parts: map[topicPartition]*partitionLag{}}
}

// polled holds the records of fetches and notes their partitions' ends.
func (l *lagTracker) polled(fetches kgo.Fetches) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := map[topicPartition]bool{}
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		key := topicPartition{p.Topic, p.Partition}
		pl := l.parts[key]
		if pl == nil {
			pl = &partitionLag{held: map[int64]time.Time{}}
			l.parts[key] = pl
		}
		for _, r := range p.Records {
			pl.held[r.Offset] = r.Timestamp
			pl.next = r.Offset + 1
		}
		pl.end = max(pl.end, p.HighWatermark)
		changed[key] = true
	})
	l.publishLocked(changed)
}

// committed releases the requests of the runs a transaction committed:
// those that ended without an error.
func (l *lagTracker) committed(ended []keyRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := map[topicPartition]bool{}
	for _, k := range ended {
		if k.res.err != nil {
			continue
		}
		for _, r := range k.recs {
			key := topicPartition{r.Topic, r.Partition}
			if pl := l.parts[key]; pl != nil {
				delete(pl.held, r.Offset)
				changed[key] = true
			}
		}
	}
	l.publishLocked(changed)
}

// forget drops partitions the session no longer owns.
func (l *lagTracker) forget(partitions map[string][]int32) {
	l.mu.Lock()
	for topic, ps := range partitions {
		for _, p := range ps {
			delete(l.parts, topicPartition{topic, p})
		}
	}
	l.mu.Unlock()
	l.lag.Forget(partitions)
}

// reset forgets everything when a session ends: the next one may own
// other partitions.
func (l *lagTracker) reset() {
	l.mu.Lock()
	clear(l.parts)
	l.mu.Unlock()
	l.lag.Reset()
}

// refresh publishes the lag in seconds every lagEvery until ctx ends.
func (l *lagTracker) refresh(ctx context.Context) {
	t := time.NewTicker(lagEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.lag.Refresh()
		}
	}
}

func (l *lagTracker) publishLocked(keys map[topicPartition]bool) {
	out := make([]telemetry.PartitionLag, 0, len(keys))
	for key := range keys {
		pl := l.parts[key]
		from, oldest := pl.next, time.Time{}
		for off, ts := range pl.held {
			from = min(from, off)
			if oldest.IsZero() || ts.Before(oldest) {
				oldest = ts
			}
		}
		out = append(out, telemetry.PartitionLag{Topic: key.topic, Partition: key.partition, Records: max(pl.end-from, 0), Oldest: oldest})
	}
	if len(out) > 0 {
		l.lag.Set(out...)
	}
}
