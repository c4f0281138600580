// Package telemetry provides Aurum's logging and metrics plumbing: the slog
// logger built from AURUM_LOG_LEVEL / AURUM_LOG_FORMAT, the Prometheus registry
// with every metric named in docs/CONTRACTS.md#metrics, franz-go client metrics (kprom) on
// that same registry, and context helpers that carry a request-scoped logger
// and request id from the HTTP API down to the outbox and Kafka headers.
//
// Nothing here is global: cmd/aurum builds the logger, registry and Metrics
// once and hands them to every component.
package telemetry
