package scenario

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
)

// untraced is a worker with tracing off, as New makes it without
// Deps.Tracer. A package variable, so that the compiler cannot see its
// tracer is nil and drop the checks OffSeams is there to measure.
var untraced = &Worker{logger: slog.New(slog.DiscardHandler)}

// OffSeams passes through every tracing seam that one standard run of the
// tests (four curves, no check between chunks of them) passes with tracing
// off, in the order the run meets them: the API's trace context for the
// outbox row (outboxHeaders), the request's span (handle), its run id
// (traceRun), the attempt (startAttempt, endAttempt), its steps
// (traceStep), the end (startFinish, EndSpan), the two event records'
// headers (carried) and the transaction (startCommit, endCommit). Each is
// a nil check or a lookup in ctx; BenchmarkRunTracing weighs them against
// a whole run.
func OffSeams(ctx context.Context) {
	w, log := untraced, untraced.logger
	_ = telemetry.Traceparent(ctx)
	if w.tracer != nil { // handle's check
		return
	}
	w.traceRun(ctx, runs.Ref{})
	actx, aspan, _ := w.startAttempt(ctx, runs.Attempt{N: 1}, log)
	w.traceStep(actx, StepLoad)
	w.traceStep(actx, StepCompute)
	w.traceStep(actx, StepWrite)
	e := runs.Ending{State: schemas.RunSucceeded}
	endAttempt(aspan, e, nil)
	_, fspan, _ := w.startFinish(ctx, e, log)
	telemetry.EndSpan(fspan, nil)
	rec := &kgo.Record{}
	_ = w.carried(ctx, rec)
	_ = w.carried(ctx, rec)
	endCommit(w.startCommit(ctx, []keyRun{{}}), true, nil)
}
