package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a Prometheus registry holding the Go runtime and process
// collectors. Aurum's own metrics (NewMetrics) and the Kafka client metrics
// (KafkaHooks) are added to it; GET /metrics serves it.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Metrics holds every Aurum metric of docs/CONTRACTS.md#metrics. It is created once per
// process by NewMetrics and passed to the components that record into it.
type Metrics struct {
	// HTTPRequests counts API responses by route template, method and status code.
	HTTPRequests *prometheus.CounterVec
	// HTTPRequestDuration observes API latency by route template and method.
	HTTPRequestDuration *prometheus.HistogramVec

	// RecordsConsumed counts records polled by a consumer group, per topic.
	RecordsConsumed *prometheus.CounterVec
	// RecordsMaterialized counts rows upserted, per target table.
	RecordsMaterialized *prometheus.CounterVec
	// RecordsDeadLettered counts records sent to a dead-letter topic, per
	// source topic and reason (a short, bounded reason code).
	RecordsDeadLettered *prometheus.CounterVec
	// BatchDuration observes the time to process one polled batch, per group.
	BatchDuration *prometheus.HistogramVec
	// ConsumerLagRecords is the committed-offset lag per group and partition.
	ConsumerLagRecords *prometheus.GaugeVec
	// ConsumerLagSeconds is the age of the oldest record not yet processed,
	// per group and topic (ConsumerLag).
	ConsumerLagSeconds *prometheus.GaugeVec

	// ScenarioRuns counts runs reaching a state (QUEUED, RUNNING, SUCCEEDED, ...).
	ScenarioRuns *prometheus.CounterVec
	// ScenarioRunDuration observes the wall time of finished runs.
	ScenarioRunDuration prometheus.Histogram

	// CollectorRequests counts provider HTTP requests per source and status
	// code ("error" when no response arrived).
	CollectorRequests *prometheus.CounterVec
}

// NewMetrics creates Aurum's metrics and registers them on reg. Call it once
// per registry (a second call panics on duplicate registration). A nil reg
// leaves the metrics unregistered, which suits tests that only record.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_http_requests_total",
			Help: "HTTP responses by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		HTTPRequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aurum_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		RecordsConsumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_records_consumed_total",
			Help: "Kafka records consumed by consumer group and topic.",
		}, []string{"group", "topic"}),
		RecordsMaterialized: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_records_materialized_total",
			Help: "Rows written by materialisers, by table.",
		}, []string{"table"}),
		RecordsDeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_records_dead_lettered_total",
			Help: "Records sent to a dead-letter topic, by source topic and reason.",
		}, []string{"topic", "reason"}),
		BatchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aurum_batch_duration_seconds",
			Help:    "Time to process one polled batch, by consumer group.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"group"}),
		ConsumerLagRecords: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurum_consumer_lag_records",
			Help: "Records between the committed offset and the end of the partition.",
		}, []string{"group", "topic", "partition"}),
		ConsumerLagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurum_consumer_lag_seconds",
			Help: "Age of the oldest record not yet processed, by consumer group and topic; 0 when caught up.",
		}, []string{"group", "topic"}),
		ScenarioRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_scenario_runs_total",
			Help: "Scenario runs reaching a state.",
		}, []string{"state"}),
		ScenarioRunDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurum_scenario_run_duration_seconds",
			Help:    "Wall time of finished scenario runs.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		CollectorRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurum_collector_requests_total",
			Help: "Collector requests to data providers, by source and status code.",
		}, []string{"source", "code"}),
	}
	if reg != nil {
		reg.MustRegister(m.collectors()...)
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.HTTPRequests, m.HTTPRequestDuration,
		m.RecordsConsumed, m.RecordsMaterialized, m.RecordsDeadLettered,
		m.BatchDuration, m.ConsumerLagRecords, m.ConsumerLagSeconds,
		m.ScenarioRuns, m.ScenarioRunDuration, m.CollectorRequests,
	}
}
