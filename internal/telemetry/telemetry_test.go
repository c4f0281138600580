package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestNewLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden")
	l.Warn("shown", "k", "v")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", buf.String(), err)
	}
	if rec["msg"] != "shown" || rec["k"] != "v" {
		t.Fatalf("record = %v", rec)
	}

	buf.Reset()
	l, err = NewLogger(&buf, "", "")
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("hidden")
	l.Info("hello")
	if got := buf.String(); !strings.Contains(got, "msg=hello") || strings.Contains(got, "hidden") {
		t.Fatalf("text output = %q", got)
	}
}

func TestNewLoggerRejectsBadValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, level, format, want string }{
		{"level", "verbose", "json", `"verbose"`},
		{"format", "info", "xml", `"xml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLogger(&bytes.Buffer{}, tc.level, tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestMetricsNamesAndLabels(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	m := NewMetrics(reg)
	m.HTTPRequests.WithLabelValues("/health", "GET", "200").Inc()
	m.HTTPRequestDuration.WithLabelValues("/health", "GET").Observe(0.01)
	m.RecordsConsumed.WithLabelValues("g", "t").Inc()
	m.RecordsMaterialized.WithLabelValues("curve_observation").Inc()
	m.RecordsDeadLettered.WithLabelValues("t", "decode").Inc()
	m.BatchDuration.WithLabelValues("g").Observe(1)
	m.ConsumerLagRecords.WithLabelValues("g", "t", "0").Set(3)
	m.ConsumerLagSeconds.WithLabelValues("g", "t").Set(1)
	m.ScenarioRuns.WithLabelValues("SUCCEEDED").Inc()
	m.ScenarioRunDuration.Observe(2)
	m.CollectorRequests.WithLabelValues("fred", "200").Inc()

	want := map[string][]string{
		"aurum_http_requests_total":           {"route", "method", "code"},
		"aurum_http_request_duration_seconds": {"route", "method"},
		"aurum_records_consumed_total":        {"group", "topic"},
		"aurum_records_materialized_total":    {"table"},
		"aurum_records_dead_lettered_total":   {"topic", "reason"},
		"aurum_batch_duration_seconds":        {"group"},
		"aurum_consumer_lag_records":          {"group", "topic", "partition"},
		"aurum_consumer_lag_seconds":          {"group", "topic"},
		"aurum_scenario_runs_total":           {"state"},
		"aurum_scenario_run_duration_seconds": nil,
		"aurum_collector_requests_total":      {"source", "code"},
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
		labels, ok := want[mf.GetName()]
		if !ok {
			continue
		}
		var got []string
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			got = append(got, lp.GetName())
		}
		if strings.Join(sorted(got), ",") != strings.Join(sorted(labels), ",") {
			t.Errorf("%s labels = %v, want %v", mf.GetName(), got, labels)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("metric %s not gathered", name)
		}
	}
	if !seen["go_goroutines"] || !seen["process_start_time_seconds"] {
		t.Errorf("runtime/process collectors missing")
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func countSeries(t *testing.T, g prometheus.Gatherer, name string) int {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func TestKafkaHooksShareRegistry(t *testing.T) {
	t.Parallel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "aurum.test.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()

	reg := NewRegistry()
	var clients []*kgo.Client
	for _, name := range []string{"producer", "consumer"} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), KafkaHooks(reg, name))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cl)
	}
	ctx := context.Background()
	if err := clients[0].ProduceSync(ctx, &kgo.Record{Topic: "aurum.test.v1", Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := clients[1].Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countSeries(t, reg, "aurum_kafka_connects_total"); n < 2 {
		t.Fatalf("aurum_kafka_connects_total series = %d, want one per client at least", n)
	}
	for _, cl := range clients {
		cl.Close()
	}
	if n := countSeries(t, reg, "aurum_kafka_connects_total"); n != 0 {
		t.Fatalf("after close, %d series remain", n)
	}
}
