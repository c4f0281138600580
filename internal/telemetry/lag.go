package telemetry

import (
	"strconv"
	"sync"
	"time"
)

// ConsumerLag keeps aurum_consumer_lag_records and
// aurum_consumer_lag_seconds for one member of a consumer group, from what
// the member knows of the partitions it owns. Every Aurum consumer group
// (the materialisers, the scenario worker) reports its lag through one.
//
// Lag in records is per partition; lag in seconds is per topic: the age of
// the oldest record not yet processed in any of the member's partitions of
// the topic, 0 when all of them are caught up. It is safe for concurrent
// use.
type ConsumerLag struct {
	group   string
	metrics *Metrics
	now     func() time.Time

	mu    sync.Mutex
	parts map[lagPartition]time.Time // oldest unprocessed record; zero: caught up
}

// PartitionLag is what a member knows of one partition's lag.
type PartitionLag struct {
	Topic     string
	Partition int32
	// Records lie between the next offset to commit and the end of the
	// partition; a negative count leaves the last one in place (a batch
	// whose end is known only once it is committed).
	Records int64
	// Oldest is when the oldest record not yet processed was written;
	// zero when the partition is caught up.
	Oldest time.Time
}

type lagPartition struct {
	topic     string
	partition int32
}

// NewConsumerLag reports the lag of a member of group into m, measuring
// ages with now (time.Now when nil).
func NewConsumerLag(m *Metrics, group string, now func() time.Time) *ConsumerLag {
	if now == nil {
		now = time.Now
	}
	return &ConsumerLag{group: group, metrics: m, now: now, parts: map[lagPartition]time.Time{}}
}

// Set records the state of partitions and publishes the gauges.
func (l *ConsumerLag) Set(parts ...PartitionLag) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range parts {
		l.parts[lagPartition{p.Topic, p.Partition}] = p.Oldest
		if p.Records >= 0 {
			l.metrics.ConsumerLagRecords.WithLabelValues(l.group, p.Topic, strconv.Itoa(int(p.Partition))).Set(float64(p.Records))
		}
	}
	l.publishLocked(nil)
}

// Forget drops partitions the member no longer owns, with their gauges and
// the seconds gauge of a topic of which it owns none any more: another
// member reports them now.
func (l *ConsumerLag) Forget(partitions map[string][]int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for topic, ps := range partitions {
		for _, p := range ps {
			delete(l.parts, lagPartition{topic, p})
			l.metrics.ConsumerLagRecords.DeleteLabelValues(l.group, topic, strconv.Itoa(int(p)))
		}
	}
	l.publishLocked(partitions)
}

// Reset forgets every partition, as when the member leaves the group.
func (l *ConsumerLag) Reset() {
	l.mu.Lock()
	all := map[string][]int32{}
	for tp := range l.parts {
		all[tp.topic] = append(all[tp.topic], tp.partition)
	}
	l.mu.Unlock()
	l.Forget(all)
}

// Refresh publishes the ages again, so that the lag in seconds keeps
// growing on dashboards while the member waits (on a retried write, on a
// long run).
func (l *ConsumerLag) Refresh() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.publishLocked(nil)
}

// publishLocked sets the seconds gauge of every topic with a partition
// and deletes that of the topics in gone left without one.
func (l *ConsumerLag) publishLocked(gone map[string][]int32) {
	now := l.now()
	oldest := map[string]time.Time{}
	for tp, at := range l.parts {
		prev, seen := oldest[tp.topic]
		if !seen || (!at.IsZero() && (prev.IsZero() || at.Before(prev))) {
			oldest[tp.topic] = at
		}
	}
	for topic, at := range oldest {
		age := 0.0
		if !at.IsZero() {
			age = max(now.Sub(at).Seconds(), 0)
		}
		l.metrics.ConsumerLagSeconds.WithLabelValues(l.group, topic).Set(age)
	}
	for topic := range gone {
		if _, owned := oldest[topic]; !owned {
			l.metrics.ConsumerLagSeconds.DeleteLabelValues(l.group, topic)
		}
	}
}
