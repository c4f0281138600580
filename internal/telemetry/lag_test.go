package telemetry

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gauge is the value of the series of name with labels, and whether it is
// exported.
func gauge(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func TestConsumerLag(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	now := time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC)
	lag := NewConsumerLag(NewMetrics(reg), "g", func() time.Time { return now })
	seconds := func(topic string) (float64, bool) {
		return gauge(t, reg, "aurum_consumer_lag_seconds", map[string]string{"group": "g", "topic": topic})
	}
	records := func(topic, partition string) (float64, bool) {
		return gauge(t, reg, "aurum_consumer_lag_records", map[string]string{"group": "g", "topic": topic, "partition": partition})
	}

	lag.Set(
		PartitionLag{Topic: "a", Partition: 0, Records: 5, Oldest: now.Add(-30 * time.Second)},
		PartitionLag{Topic: "a", Partition: 1, Records: 0},
		PartitionLag{Topic: "a", Partition: 2, Records: 7, Oldest: now.Add(-10 * time.Second)},
		PartitionLag{Topic: "b", Partition: 0, Records: 0},
	)
	if v, _ := seconds("a"); v != 30 {
		t.Errorf("topic a: %v s, want the oldest partition's 30", v)
	}
	if v, ok := seconds("b"); !ok || v != 0 {
		t.Errorf("caught-up topic b: %v s (exported %v), want 0", v, ok)
	}
	if v, _ := records("a", "2"); v != 7 {
		t.Errorf("records of a/2 = %v, want 7", v)
	}

	now = now.Add(time.Minute)
	lag.Refresh()
	if v, _ := seconds("a"); v != 90 {
		t.Errorf("after a minute: %v s, want 90", v)
	}

	// A batch in hand whose end is not yet known keeps the records.
	lag.Set(PartitionLag{Topic: "a", Partition: 0, Records: -1, Oldest: now.Add(-time.Second)})
	if v, _ := records("a", "0"); v != 5 {
		t.Errorf("records of a/0 = %v, want 5 kept", v)
	}
	if v, _ := seconds("a"); v != 70 {
		t.Errorf("topic a: %v s, want a/2's 70", v)
	}

	lag.Forget(map[string][]int32{"a": {2}, "b": {0}})
	if _, ok := records("a", "2"); ok {
		t.Error("a forgotten partition keeps its records gauge")
	}
	if _, ok := seconds("b"); ok {
		t.Error("a topic without partitions keeps its seconds gauge")
	}
	if v, _ := seconds("a"); v != 1 {
		t.Errorf("topic a without a/2: %v s, want 1", v)
	}

	lag.Reset()
	if _, ok := seconds("a"); ok {
		t.Error("Reset keeps a seconds gauge")
	}
	if _, ok := records("a", "0"); ok {
		t.Error("Reset keeps a records gauge")
	}
}
