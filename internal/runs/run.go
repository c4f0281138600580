// Package runs is the one home of a scenario run's record: the
// scenario_run row as the API and the worker read it, the RunEvent that
// announces a change of its state, and the Kafka headers its records
// carry. The API writes runs (create, cancel) and the worker executes them
// (consumers/scenario); both read, change and announce them through this
// package, so that a run is one shape with one event identity wherever it
// is handled. Repository owns the transactions of the run's lifecycle
// (cancel, attempts, the terminal write with its outputs) and of the
// scenarios runs are requested of; Insert, LiveScenario and the lookups of
// a new run work in the API's transaction, which also announces the run.
package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/schemas"
)

// Kafka headers of the records a run leads to (docs/CONTRACTS.md#topics):
// the API puts them on the request and its events, the worker copies them
// onto every record the request leads to.
const (
	HeaderTenant      = "aurum.tenant"
	HeaderTraceparent = "traceparent"
	HeaderRequestID   = "x-request-id"
)

// CarriedHeaders are the headers a request's records carry over.
var CarriedHeaders = []string{HeaderTraceparent, HeaderRequestID, HeaderTenant}

// Run is a scenario_run row.
type Run struct {
	Tenant            string
	ID, ScenarioID    string
	State             schemas.RunState
	AsofDate          time.Time
	InputHash         string
	Priority          string
	Attempt           int
	TimeoutSeconds    int
	MaxRetries        int
	QueuedAt          time.Time
	StartedAt         *time.Time
	CompletedAt       *time.Time
	Error             *string
	OutputCount       *int
	CancelRequested   bool
	TerminalPublished bool
}

// Columns are the columns of a Run (without its tenant, which row-level
// security already fixes), as Scan reads them: select them, or return them
// from an INSERT or UPDATE of scenario_run.
const Columns = `id::text, scenario_id::text, state, asof_date, input_hash, priority, attempt, timeout_seconds,
	max_retries, queued_at, started_at, completed_at, error, output_count,
	cancel_requested_at IS NOT NULL, terminal_published_at IS NOT NULL`

// Scan reads a Run of tenant selected as Columns from row, followed by
// extra destinations.
func Scan(row pgx.Row, tenant string, extra ...any) (Run, error) {
	r := Run{Tenant: tenant}
	var state string
	err := row.Scan(append([]any{&r.ID, &r.ScenarioID, &state, &r.AsofDate, &r.InputHash, &r.Priority, &r.Attempt,
		&r.TimeoutSeconds, &r.MaxRetries, &r.QueuedAt, &r.StartedAt, &r.CompletedAt, &r.Error, &r.OutputCount,
		&r.CancelRequested, &r.TerminalPublished}, extra...)...)
	r.State = schemas.RunState(state)
	return r, err
}

// EventID is the RunEvent id of a run's state change: a name-based UUID of
// the run, the state and the attempt, so that the same change published
// again (a relay or a worker redelivering) has the same id and subscribers
// can deduplicate by it.
func EventID(runID string, state schemas.RunState, attempt int) string {
	sum := sha256.Sum256([]byte(runID + "/" + string(state) + "/" + strconv.Itoa(attempt)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: custom (RFC 9562)
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Event is the RunEvent of r's current state, which occurred at at.
func Event(r Run, at time.Time) schemas.RunEvent {
	ev := schemas.RunEvent{
		EventID:    EventID(r.ID, r.State, r.Attempt),
		RunID:      r.ID,
		ScenarioID: r.ScenarioID,
		TenantID:   r.Tenant,
		State:      r.State,
		Attempt:    int32(r.Attempt),
		Error:      r.Error,
		OccurredTS: at.UTC(),
	}
	if r.OutputCount != nil {
		n := int64(*r.OutputCount)
		ev.OutputCount = &n
	}
	if r.State == schemas.RunSucceeded {
		p := 100.0
		ev.ProgressPercent = &p
	}
	return ev
}

// EventJSON is a RunEvent as clients read it in JSON: the record's field
// names, every field present (null when missing) but the tenant, which is
// left out when empty, and occurred_ts in UTC. `aurum runs watch --json`
// writes it whole; the API's event stream clears the tenant, which its
// caller knows.
type EventJSON struct {
	EventID         string    `json:"event_id"`
	RunID           string    `json:"run_id"`
	ScenarioID      string    `json:"scenario_id"`
	TenantID        string    `json:"tenant_id,omitempty"`
	State           string    `json:"state"`
	Attempt         int32     `json:"attempt"`
	ProgressPercent *float64  `json:"progress_percent"`
	OutputCount     *int64    `json:"output_count"`
	Error           *string   `json:"error"`
	OccurredTS      time.Time `json:"occurred_ts"`
}

// JSONOf is ev as EventJSON.
func JSONOf(ev schemas.RunEvent) EventJSON {
	return EventJSON{
		EventID: ev.EventID, RunID: ev.RunID, ScenarioID: ev.ScenarioID, TenantID: ev.TenantID,
		State: string(ev.State), Attempt: ev.Attempt, ProgressPercent: ev.ProgressPercent,
		OutputCount: ev.OutputCount, Error: ev.Error, OccurredTS: ev.OccurredTS.UTC(),
	}
}
