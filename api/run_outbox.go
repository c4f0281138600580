package api

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/outbox"
	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// traceparentPattern is a W3C trace context traceparent; anything else a
// client sends is not propagated.
var traceparentPattern = regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)

// outboxHeaders are the headers of the records a request announces: its
// request id, its trace context, and the tenant. The trace context is the
// request's span when the API traces, so that the worker's spans continue
// the request's trace; else the client's traceparent when it is valid.
func outboxHeaders(ctx context.Context, tenant, traceparent string) map[string]string {
	h := map[string]string{runs.HeaderTenant: tenant}
	if id := telemetry.RequestIDFromContext(ctx); id != "" {
		h[runs.HeaderRequestID] = id
	}
	if own := telemetry.Traceparent(ctx); own != "" {
		h[runs.HeaderTraceparent] = own
	} else if traceparentPattern.MatchString(traceparent) {
		h[runs.HeaderTraceparent] = traceparent
	}
	return h
}

// runAnnouncer writes a run's records to the outbox in the transaction that
// changes the run, so that the records exist exactly when the change does.
// Values are encoded here (Confluent wire format) and the relay produces
// them as they are, keyed by run id.
type runAnnouncer struct {
	serde   *serde.Serde
	tx      pgx.Tx
	tenant  string
	headers map[string]string
}

// request queues the ScenarioRequest of a new run.
func (a *runAnnouncer) request(ctx context.Context, req schemas.ScenarioRequest) error {
	return a.write(ctx, topology.TopicScenarioRequest, req.RunID, req)
}

// event queues the RunEvent of r's current state, which occurred at at.
func (a *runAnnouncer) event(ctx context.Context, r runs.Run, at time.Time) error {
	return a.write(ctx, topology.TopicScenarioRun, r.ID, runs.Event(r, at))
}

func (a *runAnnouncer) write(ctx context.Context, topic, runID string, v any) error {
	value, err := a.serde.Encode(topic, v)
	if err != nil {
		return fmt.Errorf("encode %s record of run %s: %w", topic, runID, err)
	}
	return outbox.Enqueue(ctx, a.tx, outbox.Message{Tenant: a.tenant, Topic: topic, Key: []byte(runID), Value: value, Headers: a.headers})
}
