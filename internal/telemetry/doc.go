// Package telemetry provides Aurum's logging and metrics plumbing: the slog
// logger built from AURUM_LOG_LEVEL / AURUM_LOG_FORMAT, the Prometheus registry
// with every metric named in docs/CONTRACTS.md#metrics, franz-go client metrics (kprom) on
// that same registry, and context helpers that carry a request-scoped logger
// and request id from the HTTP API down to the outbox and Kafka headers.
//
// It also holds OpenTelemetry tracing (docs/CONTRACTS.md#tracing): the
// tracer provider of the OTEL_* settings (Tracing), off by default, the W3C
// trace context carried in HTTP and Kafka record headers (franz-go's kotel
// record carrier), the links of a batch span to the traces that produced
// its records, and a log handler that adds trace_id and span_id to the
// lines written inside a span.
//
// Nothing here is global: cmd/aurum builds the logger, registry, Metrics
// and Tracing once and hands them to every component; a component given no
// tracer makes no span.
package telemetry
