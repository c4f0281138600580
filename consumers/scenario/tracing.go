package scenario

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
)

// The worker's spans, when Deps.Tracer is set. A request's spans continue
// the trace of its traceparent header (the API's POST of the run):
//
//	scenario.process  a request handled (consumer), child of the request's producer
//	  scenario.attempt  one attempt: RUNNING published, load, compute (step events)
//	  scenario.finish   the terminal state and outputs written to the database
//	  scenario.commit   the Kafka transaction carrying the run's records (producer)
//
// Every record a request leads to carries the context of its
// scenario.process span (or scenario.attempt for RUNNING). With a nil
// tracer none of this runs: each helper returns at a nil check.

// startProcess starts the span of handling rec, a child of the span that
// produced it. Call it only when the worker traces.
func (w *Worker) startProcess(ctx context.Context, rec *kgo.Record) (context.Context, trace.Span) {
	return w.tracer.Start(telemetry.RecordContext(ctx, rec), "scenario.process",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", rec.Topic),
			attribute.String("messaging.consumer.group.name", w.cfg.Group),
			attribute.String("messaging.destination.partition.id", strconv.Itoa(int(rec.Partition))),
			attribute.Int64("messaging.kafka.offset", rec.Offset),
			attribute.String("messaging.kafka.message.key", string(rec.Key)),
		))
}

// endProcess ends the span of a request's handling, failed when its
// results must not commit, and names it as the parent of their commit.
func endProcess(span trace.Span, res result) result {
	res.span = span.SpanContext()
	telemetry.EndSpan(span, res.err)
	return res
}

// traceRun names the run a request is for on its span.
func (w *Worker) traceRun(ctx context.Context, ref runs.Ref) {
	if w.tracer == nil {
		return
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("aurum.run_id", ref.ID), attribute.String("aurum.tenant", ref.Tenant))
}

// startAttempt starts the span of attempt a and binds log to it.
func (w *Worker) startAttempt(ctx context.Context, a runs.Attempt, log *slog.Logger) (context.Context, trace.Span, *slog.Logger) {
	if w.tracer == nil {
		return ctx, nil, log
	}
	ctx, span := w.tracer.Start(ctx, "scenario.attempt", trace.WithAttributes(attribute.Int("aurum.attempt", a.N)))
	return ctx, span, telemetry.LoggerWithSpan(ctx, log)
}

// endAttempt ends an attempt's span with how the run is to end; failed
// when the attempt failed or fails the run.
func endAttempt(span trace.Span, e runs.Ending, err error) {
	if span == nil {
		return
	}
	if err == nil {
		span.SetAttributes(attribute.String("aurum.state", string(e.State)))
		if e.State == schemas.RunFailed || e.State == schemas.RunTimedOut {
			err = errors.New(e.Error)
		}
	}
	telemetry.EndSpan(span, err)
}

// traceStep marks the start of an attempt's step on its span.
func (w *Worker) traceStep(ctx context.Context, step string) {
	if w.tracer == nil || step == "" {
		return
	}
	trace.SpanFromContext(ctx).AddEvent("step " + step)
}

// startFinish starts the span of writing a run's terminal state, and binds
// log to the request's span in ctx: the lines about the run's end follow
// the attempt's span, which has ended.
func (w *Worker) startFinish(ctx context.Context, e runs.Ending, log *slog.Logger) (context.Context, trace.Span, *slog.Logger) {
	if w.tracer == nil {
		return ctx, nil, log
	}
	log = telemetry.LoggerWithSpan(ctx, log)
	fctx, span := w.tracer.Start(ctx, "scenario.finish", trace.WithAttributes(
		attribute.String("aurum.state", string(e.State)), attribute.Int("aurum.outputs", len(e.Outputs))))
	return fctx, span, log
}

// startCommit starts, for each run that ended and is to commit, the span
// of the transaction carrying its records, a child of its last request's
// span.
func (w *Worker) startCommit(ctx context.Context, ended []keyRun) []trace.Span {
	if w.tracer == nil {
		return nil
	}
	var spans []trace.Span
	for _, k := range ended {
		if k.res.err != nil || !k.res.span.IsValid() {
			continue
		}
		_, span := w.tracer.Start(trace.ContextWithSpanContext(ctx, k.res.span), "scenario.commit",
			trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(
				attribute.String("messaging.system", "kafka"),
				attribute.String("messaging.operation.type", "send"),
				attribute.Int("messaging.batch.message_count", len(k.res.records)),
				attribute.String("messaging.kafka.message.key", k.key),
			))
		spans = append(spans, span)
	}
	return spans
}

// endCommit ends the transaction's spans: failed when it did not commit.
func endCommit(spans []trace.Span, committed bool, err error) {
	if len(spans) == 0 {
		return
	}
	if err == nil && !committed {
		err = errors.New("transaction aborted; its requests will be handled again")
	}
	for _, span := range spans {
		span.SetAttributes(attribute.Bool("aurum.committed", committed))
		telemetry.EndSpan(span, err)
	}
}
