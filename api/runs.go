package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
)

// Bounds and defaults of a run request (POST /v1/scenarios/{id}/runs).
const (
	DefaultRunTimeoutSeconds = 900
	MaxRunTimeoutSeconds     = 86400
	DefaultRunMaxRetries     = 3
	MaxRunMaxRetries         = 10
	// HeaderIdempotencyKey makes a POST of a run safe to retry.
	HeaderIdempotencyKey = "Idempotency-Key"
	maxIdempotencyKeyLen = 255
)

// runStates and priorities are the enumerations of docs/CONTRACTS.md#records.
var (
	runStates = []string{
		string(schemas.RunQueued), string(schemas.RunRunning), string(schemas.RunSucceeded),
		string(schemas.RunFailed), string(schemas.RunCancelled), string(schemas.RunTimedOut),
	}
	priorities = []string{
		string(schemas.PriorityLow), string(schemas.PriorityNormal), string(schemas.PriorityHigh), string(schemas.PriorityCritical),
	}
)

// runRow is a run resource (docs/CONTRACTS.md#scenarios).
type runRow struct{ runs.Run }

func (r *runRow) scan(rows pgx.Rows) error {
	var err error
	r.Run, err = runs.Scan(rows, "")
	return err
}

func (r *runRow) cells(w *cellWriter) {
	w.str("id", r.ID)
	w.str("scenario_id", r.ScenarioID)
	w.str("state", string(r.State))
	w.date("asof_date", r.AsofDate)
	w.str("input_hash", r.InputHash)
	w.str("priority", r.Priority)
	w.integer("attempt", int64(r.Attempt))
	w.instant("queued_at", r.QueuedAt)
	w.optInstant("started_at", r.StartedAt)
	w.optInstant("completed_at", r.CompletedAt)
	w.optStr("error", r.Error)
	w.optInt("output_count", r.OutputCount)
}

// key is the keyset position of the row: newest first.
func (r *runRow) key() []string { return []string{keyTime(r.QueuedAt), r.ID} }

// runBody is the body of POST /v1/scenarios/{id}/runs; every member is
// optional.
type runBody struct {
	AsofDate       *string `json:"asof_date"`
	Priority       *string `json:"priority"`
	TimeoutSeconds *int32  `json:"timeout_seconds"`
	MaxRetries     *int32  `json:"max_retries"`
	Seed           *int64  `json:"seed"`
}

// runRequest is a validated runBody with its defaults; asof is zero when
// the latest curve date is wanted.
type runRequest struct {
	asof           time.Time
	priority       schemas.Priority
	timeoutSeconds int32
	maxRetries     int32
	seed           int64
}

func (b *runBody) validate() (runRequest, error) {
	r := runRequest{priority: schemas.PriorityNormal, timeoutSeconds: DefaultRunTimeoutSeconds, maxRetries: DefaultRunMaxRetries}
	if b.AsofDate != nil {
		d, err := parseDate("asof_date", *b.AsofDate)
		if err != nil {
			return r, err
		}
		r.asof = d
	}
	if b.Priority != nil {
		p := strings.ToUpper(strings.TrimSpace(*b.Priority))
		if !slices.Contains(priorities, p) {
			return r, InvalidParameter("priority", fmt.Sprintf("%q is not one of %s", truncate(*b.Priority, maxEchoLen), strings.Join(priorities, ", ")))
		}
		r.priority = schemas.Priority(p)
	}
	if b.TimeoutSeconds != nil {
		if *b.TimeoutSeconds < 1 || *b.TimeoutSeconds > MaxRunTimeoutSeconds {
			return r, InvalidParameter("timeout_seconds", fmt.Sprintf("must be from 1 to %d, not %d", MaxRunTimeoutSeconds, *b.TimeoutSeconds))
		}
		r.timeoutSeconds = *b.TimeoutSeconds
	}
	if b.MaxRetries != nil {
		if *b.MaxRetries < 0 || *b.MaxRetries > MaxRunMaxRetries {
			return r, InvalidParameter("max_retries", fmt.Sprintf("must be from 0 to %d, not %d", MaxRunMaxRetries, *b.MaxRetries))
		}
		r.maxRetries = *b.MaxRetries
	}
	if b.Seed != nil {
		r.seed = *b.Seed
	}
	return r, nil
}

// fingerprint identifies what a request asks for, whatever the spelling
// of its body: a retry under an Idempotency-Key must ask for the same.
// asof is as given, zero for the latest.
func (r runRequest) fingerprint() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%d",
		r.asof.Format(time.DateOnly), r.priority, r.timeoutSeconds, r.maxRetries, r.seed))
	return hex.EncodeToString(sum[:])
}

// idempotencyKey returns the request's Idempotency-Key, "" without one.
func idempotencyKey(c echo.Context) (string, error) {
	k := c.Request().Header.Get(HeaderIdempotencyKey)
	if k == "" {
		return "", nil
	}
	if len(k) > maxIdempotencyKeyLen {
		return "", InvalidParameter(HeaderIdempotencyKey, fmt.Sprintf("is longer than %d characters", maxIdempotencyKeyLen))
	}
	for i := range len(k) {
		if k[i] < 0x21 || k[i] > 0x7e {
			return "", InvalidParameter(HeaderIdempotencyKey, "must be printable ASCII without spaces")
		}
	}
	return k, nil
}

// errNoSerde answers the endpoints that write run records on a server built
// without a serde.
var errNoSerde = NewProblem(http.StatusServiceUnavailable, "not-ready", "scenario runs are not available: the API has no schema registry")

// createRun is POST /v1/scenarios/{id}/runs. In one transaction of the
// caller's tenant it inserts the run, unless the scenario already has one
// with the same input_hash, and with a new run the outbox records of its
// ScenarioRequest and QUEUED RunEvent: 202 with the new run, or 200 with
// the existing one. The unique (tenant, scenario, input_hash) constraint
// makes concurrent identical requests agree on one run. A request with an
// Idempotency-Key the tenant used before gets the run that key created
// when it asks for the same (runRequest.fingerprint), else a 422.
func (s *Server) createRun(c echo.Context) error {
	p, id, err := s.tenantCall(c, "id")
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	if s.serde == nil {
		return errNoSerde
	}
	var body runBody
	if err := decodeBodyJSON(raw, &body, true); err != nil {
		return err
	}
	req, err := body.validate()
	if err != nil {
		return err
	}
	idem := idempotency{key: key, fingerprint: req.fingerprint()}
	ctx := c.Request().Context()
	var run *runRow
	status := http.StatusOK
	err = s.store.InTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		if key != "" {
			var err error
			if run, err = runByKey(ctx, tx, p.Tenant, idem, id); !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		sc, err := runs.LiveScenario(ctx, tx, id)
		if err != nil {
			return scenarioProblem(id, err)
		}
		if req.asof, err = runAsof(ctx, tx, req.asof); err != nil {
			return err
		}
		in, err := newRunInputs(p, sc, req)
		if err != nil {
			return err
		}
		run, err = insertRun(ctx, tx, in, idem)
		if err == nil {
			status = http.StatusAccepted
			a := &runAnnouncer{serde: s.serde, tx: tx, tenant: p.Tenant, headers: outboxHeaders(ctx, p.Tenant, c.Request().Header.Get("traceparent"))}
			if err := a.request(ctx, in.request(run)); err != nil {
				return err
			}
			return a.event(ctx, run.Run, run.QueuedAt)
		}
		if !errors.Is(err, runs.ErrExists) {
			return err
		}
		// The inputs (or the key) have a run, committed by now: INSERT ...
		// ON CONFLICT waits for a concurrent inserter to finish.
		byHash, err := runs.ByInputHash(ctx, tx, p.Tenant, id, in.hash)
		if key != "" && errors.Is(err, pgx.ErrNoRows) {
			run, err = runByKey(ctx, tx, p.Tenant, idem, id)
			return err
		}
		run = &runRow{byHash}
		return err
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/runs/"+run.ID)
	return respondRow(c, status, run)
}

// runInputs are what a new run is made of.
type runInputs struct {
	runRequest
	tenant, requestedBy string
	scenarioID          string
	drivers             []scenario.Driver
	parameters          map[string]string
	hash                string
}

// newRunInputs combines a scenario and a request into the inputs of a run
// and their hash (docs/CONTRACTS.md#scenarios).
func newRunInputs(p Principal, sc runs.ScenarioRow, req runRequest) (*runInputs, error) {
	in := &runInputs{runRequest: req, tenant: p.Tenant, requestedBy: p.Subject, scenarioID: sc.ID}
	if err := json.Unmarshal([]byte(sc.Drivers), &in.drivers); err != nil {
		return nil, fmt.Errorf("scenario %s: stored drivers: %w", sc.ID, err)
	}
	if err := json.Unmarshal([]byte(sc.Parameters), &in.parameters); err != nil {
		return nil, fmt.Errorf("scenario %s: stored parameters: %w", sc.ID, err)
	}
	if in.parameters == nil {
		in.parameters = map[string]string{}
	}
	in.hash = scenario.InputHash(p.Tenant, sc.ID, int(sc.Version), in.drivers, in.parameters, req.asof, req.seed)
	return in, nil
}

// request is the ScenarioRequest of run r made of in.
func (in *runInputs) request(r *runRow) schemas.ScenarioRequest {
	drivers := scenario.SchemaDrivers(in.drivers)
	return schemas.ScenarioRequest{
		RunID: r.ID, ScenarioID: in.scenarioID, TenantID: in.tenant, RequestedBy: in.requestedBy,
		AsofDate: in.asof, InputHash: in.hash, Drivers: drivers, Parameters: in.parameters,
		Priority: in.priority, TimeoutSeconds: in.timeoutSeconds, MaxRetries: in.maxRetries,
		Seed: in.seed, SubmittedTS: r.QueuedAt.UTC(),
	}
}

// errNoCurves answers a run request when there is no base curve to run on.
func errNoCurves(detail string) *Problem {
	return NewProblem(http.StatusUnprocessableEntity, "no-curves", detail)
}

// runAsof returns the as-of date of a run (runs.BaseAsof), a 422 when
// there are no base curves for it.
func runAsof(ctx context.Context, tx pgx.Tx, asof time.Time) (time.Time, error) {
	day, err := runs.BaseAsof(ctx, tx, asof)
	switch {
	case !errors.Is(err, runs.ErrNoCurves):
		return day, err
	case asof.IsZero():
		return day, errNoCurves("no curves have been loaded, so a run has no base curves: load curves first")
	}
	p := errNoCurves(fmt.Sprintf("no curves were observed as of %s: give another asof_date or none for the latest", asof.Format(time.DateOnly)))
	p.Extensions = map[string]any{"invalid_params": []InvalidParam{{Name: "asof_date", Reason: "has no curves"}}}
	return day, p
}

// idempotency is the Idempotency-Key of a run request ("" for none) and
// the fingerprint of what the request asks for.
type idempotency struct{ key, fingerprint string }

// insertRun inserts a QUEUED run of in, with the idempotency key when
// there is one, or returns runs.ErrExists.
func insertRun(ctx context.Context, tx pgx.Tx, in *runInputs, idem idempotency) (*runRow, error) {
	r, err := runs.Insert(ctx, tx, runs.New{
		ID: newUUID(), Tenant: in.tenant, ScenarioID: in.scenarioID, RequestedBy: in.requestedBy,
		AsofDate: in.asof, InputHash: in.hash, Priority: in.priority,
		TimeoutSeconds: in.timeoutSeconds, MaxRetries: in.maxRetries, Seed: in.seed,
		IdempotencyKey: idem.key, Fingerprint: idem.fingerprint,
	})
	if err != nil {
		return nil, err
	}
	return &runRow{r}, nil
}

// runByKey returns the run the tenant created with an idempotency key, or
// an error matching pgx.ErrNoRows; a run of a scenario other than
// scenarioID, or one requested with another body, is a 422.
func runByKey(ctx context.Context, tx pgx.Tx, tenant string, idem idempotency, scenarioID string) (*runRow, error) {
	r, fingerprint, err := runs.ByIdempotencyKey(ctx, tx, tenant, idem.key)
	if err != nil {
		return nil, err
	}
	switch {
	case r.ScenarioID != scenarioID:
		return nil, keyReused(idem.key, fmt.Sprintf("was used for run %s of scenario %s; use a new key for another scenario", r.ID, r.ScenarioID),
			"was used for another scenario")
	case fingerprint != nil && *fingerprint != idem.fingerprint:
		return nil, keyReused(idem.key, fmt.Sprintf("was used for run %s with another request body; retry with the same body, or use a new key", r.ID),
			"was used with another request body")
	}
	return &runRow{r}, nil
}

// keyReused is the 422 of an Idempotency-Key used before for another
// request.
func keyReused(key, detail, reason string) *Problem {
	p := NewProblem(http.StatusUnprocessableEntity, "idempotency-key-reused", fmt.Sprintf("Idempotency-Key %q %s", key, detail))
	p.Extensions = map[string]any{"invalid_params": []InvalidParam{{Name: HeaderIdempotencyKey, Reason: reason}}}
	return p
}

// errNoRun is the 404 of a run that does not exist for the caller's tenant.
func errNoRun(id string) *Problem { return NotFound(fmt.Sprintf("no run %s", id)) }

// getRun is GET /v1/runs/{run_id}.
func (s *Server) getRun(c echo.Context) error {
	p, id, err := s.tenantCall(c, "run_id")
	if err != nil {
		return err
	}
	r, err := s.runs.Get(c.Request().Context(), runs.Ref{Tenant: p.Tenant, ID: id})
	if errors.Is(err, runs.ErrNotFound) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	return respondRow(c, http.StatusOK, &runRow{r})
}

// scenarioRunsList is GET /v1/scenarios/{id}/runs: newest first.
var scenarioRunsList = &listEndpoint{
	path:       "/v1/scenarios/:id/runs",
	tenant:     true,
	pathParams: []param{scopeParam("id")},
	params:     params(pageParams, []param{selectParam("state", stateValues)}),
	keyLen:     2,
}

// stateValues parses the state filter: run states, any case.
func stateValues(name string, raw []string) ([]string, error) {
	vals, err := listValues(name, raw)
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		vals[i] = strings.ToUpper(v)
		if !slices.Contains(runStates, vals[i]) {
			return nil, InvalidParameter(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(runStates, ", ")))
		}
	}
	return sortedDistinct(vals), nil
}

// listScenarioRuns is GET /v1/scenarios/{id}/runs. The runs of a deleted
// scenario are still listed: deletion keeps the history.
func (s *Server) listScenarioRuns(c echo.Context) error {
	p, id, err := s.tenantCall(c, "id")
	if err != nil {
		return err
	}
	q, err := s.parseQuery(c, scenarioRunsList)
	if err != nil {
		return err
	}
	page, err := timeKeyPage(q)
	if err != nil {
		return err
	}
	t := newTable(q.format, &runRow{})
	var next []string
	err = s.runs.ScenarioRuns(c.Request().Context(), p.Tenant, id, q.selected["state"], page, func(rows pgx.Rows) (err error) {
		next, err = collect(rows, t, q.limit, &runRow{})
		return err
	})
	if err != nil {
		return scenarioProblem(id, err)
	}
	return s.respondTable(c, scenarioRunsList, q, t, next, 0)
}
