package api

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Kafka headers the API puts on the records of a run (docs/CONTRACTS.md#topics, #metrics); the
// relay copies an outbox row's headers object onto its record.
const (
	kafkaHeaderRequestID   = "x-request-id"
	kafkaHeaderTraceparent = "traceparent"
	kafkaHeaderTenant      = "aurum.tenant"
)

// traceparentPattern is a W3C trace context traceparent; anything else a
// client sends is not propagated.
var traceparentPattern = regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)

// outboxHeaders are the headers of the records a request announces: its
// request id, its trace context when it has a valid one, and the tenant.
func outboxHeaders(ctx context.Context, tenant, traceparent string) map[string]string {
	h := map[string]string{kafkaHeaderTenant: tenant}
	if id := telemetry.RequestIDFromContext(ctx); id != "" {
		h[kafkaHeaderRequestID] = id
	}
	if traceparentPattern.MatchString(traceparent) {
		h[kafkaHeaderTraceparent] = traceparent
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

// event queues a RunEvent of run r in state, with a new event id.
func (a *runAnnouncer) event(ctx context.Context, r *runRow, state schemas.RunState, at time.Time) error {
	ev := schemas.RunEvent{
		EventID:    newUUID(),
		RunID:      r.ID,
		ScenarioID: r.ScenarioID,
		TenantID:   a.tenant,
		State:      state,
		Attempt:    r.Attempt,
		Error:      r.Error,
		OccurredTS: at.UTC(),
	}
	if r.OutputCount != nil {
		n := int64(*r.OutputCount)
		ev.OutputCount = &n
	}
	return a.write(ctx, topology.TopicScenarioRun, r.ID, ev)
}

func (a *runAnnouncer) write(ctx context.Context, topic, runID string, v any) error {
	value, err := a.serde.Encode(topic, v)
	if err != nil {
		return fmt.Errorf("encode %s record of run %s: %w", topic, runID, err)
	}
	headers, err := json.Marshal(a.headers)
	if err != nil {
		return fmt.Errorf("encode outbox headers: %w", err)
	}
	if _, err := a.tx.Exec(ctx, `INSERT INTO outbox (tenant_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`,
		a.tenant, topic, []byte(runID), value, string(headers)); err != nil {
		return fmt.Errorf("write %s record of run %s to the outbox: %w", topic, runID, err)
	}
	return nil
}
