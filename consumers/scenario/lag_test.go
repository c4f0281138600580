package scenario_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/topology"
)

// TestLag: while a run executes, its request counts as lag, in seconds
// growing with its age and in records; once the run commits, the group's
// lag is zero.
func TestLag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runID := e.createRun(t, runSpec{})
	g := newGate(scenario.StepCompute)
	e.startWorker(t, scenario.Config{BeforeStep: g.hook})
	<-g.reached

	seconds := func() float64 {
		return gaugeSum(t, e.metrics.ConsumerLagSeconds, map[string]string{
			"group": topology.GroupScenarioWorker, "topic": topology.TopicScenarioRequest})
	}
	records := func() float64 {
		return gaugeSum(t, e.metrics.ConsumerLagRecords, map[string]string{
			"group": topology.GroupScenarioWorker, "topic": topology.TopicScenarioRequest})
	}
	deadline := time.Now().Add(10 * time.Second)
	for seconds() < 1.5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if s, r := seconds(), records(); s < 1.5 || r != 1 {
		t.Fatalf("a run held for 1.5 s: lag %v s, %v records; want ≥ 1.5 s and 1 record", s, r)
	}

	g.release(runID)
	e.waitPublished(t, time.Minute, runID)
	e.waitCaughtUp(t, time.Minute)
	for (seconds() != 0 || records() != 0) && time.Now().Before(deadline.Add(time.Minute)) {
		time.Sleep(50 * time.Millisecond)
	}
	if s, r := seconds(), records(); s != 0 || r != 0 {
		t.Errorf("caught up: lag %v s, %v records; want 0", s, r)
	}
}

// gaugeSum adds the values of the series of g whose labels include
// labels, failing when there is none.
func gaugeSum(t testing.TB, g *prometheus.GaugeVec, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum, n := 0.0, 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if matches(m, labels) {
				sum += m.GetGauge().GetValue()
				n++
			}
		}
	}
	if n == 0 {
		t.Fatalf("no series %v", labels)
	}
	return sum
}

func matches(m *dto.Metric, labels map[string]string) bool {
	found := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(labels)
}
