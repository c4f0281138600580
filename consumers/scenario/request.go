package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
)

// Reasons of dead-lettered requests (aurum.error.reason, metric label).
const (
	ReasonUndecodable     = "undecodable"
	ReasonInvalidRequest  = "invalid_request"
	ReasonRunNotFound     = "run_not_found"
	ReasonScenarioGone    = "scenario_gone"
	ReasonInvalidScenario = "invalid_scenario"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// keyState is what the handling of one run id knows across its requests.
type keyState struct {
	// terminal: the run's terminal event is already in the results (or
	// known to be committed).
	terminal bool
}

// handle handles one request record.
func (w *Worker) handle(ctx context.Context, rec *kgo.Record, st *keyState) (res result) {
	log := w.logger.With(slog.Int("partition", int(rec.Partition)), slog.Int64("offset", rec.Offset))
	if w.tracer != nil {
		var span trace.Span
		ctx, span = w.startProcess(ctx, rec)
		log = telemetry.LoggerWithSpan(ctx, log)
		defer func() { res = endProcess(span, res) }()
	}
	var req schemas.ScenarioRequest
	if err := w.serde.Decode(ctx, rec.Topic, rec.Value, &req); err != nil {
		if !errors.Is(err, serde.ErrMalformed) && !errors.Is(err, serde.ErrUnknownSchema) {
			return result{err: fmt.Errorf("decode request: %w", err)} // the registry, not the record
		}
		return w.undecodable(ctx, rec, err, st, log)
	}
	ref := runs.Ref{Tenant: req.TenantID, ID: strings.ToLower(req.RunID)}
	log = log.With(slog.String("run_id", ref.ID), slog.String("tenant", ref.Tenant))
	w.traceRun(ctx, ref)
	header := deadletter.Header(rec, runs.HeaderTenant)
	switch {
	case !uuidPattern.MatchString(req.RunID) || req.TenantID == "":
		return w.poison(ctx, rec, nil, ReasonInvalidRequest, fmt.Errorf("run_id %q and tenant_id %q must be a UUID and a tenant", req.RunID, req.TenantID), st, log)
	case header != "" && header != req.TenantID:
		return w.poison(ctx, rec, nil, ReasonInvalidRequest, fmt.Errorf("header %s %q differs from tenant_id %q", runs.HeaderTenant, header, req.TenantID), st, log)
	}
	for pass := 0; pass < 3; pass++ {
		run, err := w.loadRunPersist(ctx, ref, log)
		if errors.Is(err, runs.ErrNotFound) {
			return w.poison(ctx, rec, nil, ReasonRunNotFound, err, st, log)
		}
		if err != nil {
			return result{err: err}
		}
		res := w.dispatch(ctx, rec, &req, run, st, log)
		if !errors.Is(res.err, runs.ErrSuperseded) {
			return res
		}
		log.Info("run changed meanwhile; reading it again", slog.String("reason", res.err.Error()))
	}
	return result{err: fmt.Errorf("run %s keeps changing under the worker: %w", ref.ID, runs.ErrSuperseded)}
}

// dispatch decides what a request of a run as read asks for.
func (w *Worker) dispatch(ctx context.Context, rec *kgo.Record, req *schemas.ScenarioRequest, run runs.Run, st *keyState, log *slog.Logger) result {
	if run.State.Terminal() {
		return w.terminal(ctx, rec, run, st, log)
	}
	if !strings.EqualFold(req.ScenarioID, run.ScenarioID) || req.InputHash != run.InputHash {
		return w.poison(ctx, rec, &run, ReasonInvalidRequest, fmt.Errorf(
			"request for scenario %s with input hash %s does not match the run (scenario %s, input hash %s)",
			req.ScenarioID, req.InputHash, run.ScenarioID, run.InputHash), st, log)
	}
	return w.execute(ctx, rec, req, run, st, log)
}

func (w *Worker) loadRunPersist(ctx context.Context, ref runs.Ref, log *slog.Logger) (runs.Run, error) {
	var run runs.Run
	err := w.persist(ctx, log, "load run", func(ctx context.Context) error {
		var err error
		run, err = w.store.Get(ctx, ref)
		return err
	}, runs.ErrNotFound)
	return run, err
}

// undecodable dead-letters a request that does not decode and, when its
// key and tenant header name a run, fails that run.
func (w *Worker) undecodable(ctx context.Context, rec *kgo.Record, cause error, st *keyState, log *slog.Logger) result {
	log.Warn("undecodable request; dead-lettered", slog.String("error", cause.Error()))
	res := result{
		records: []*kgo.Record{deadletter.Record(rec, deadletter.Failure{
			Reason: ReasonUndecodable, Detail: cause.Error(), Stage: deadletter.StageDecode,
		}, w.now())},
		dead: []string{ReasonUndecodable},
	}
	id, tenant := strings.ToLower(string(rec.Key)), deadletter.Header(rec, runs.HeaderTenant)
	if !uuidPattern.MatchString(id) || tenant == "" {
		return res
	}
	ref := runs.Ref{Tenant: tenant, ID: id}
	log = log.With(slog.String("run_id", ref.ID), slog.String("tenant", ref.Tenant))
	for pass := 0; pass < 3; pass++ {
		run, err := w.loadRunPersist(ctx, ref, log)
		if errors.Is(err, runs.ErrNotFound) {
			return res
		}
		if err != nil {
			return result{err: err}
		}
		var more result
		if run.State.Terminal() {
			more = w.terminal(ctx, rec, run, st, log)
		} else {
			more = w.end(ctx, rec, run, runs.Ending{State: schemas.RunFailed, Error: "request could not be decoded: " + cause.Error()}, st, log)
		}
		if !errors.Is(more.err, runs.ErrSuperseded) {
			res.add(more)
			return res
		}
	}
	return result{err: fmt.Errorf("run %s keeps changing under the worker: %w", ref.ID, runs.ErrSuperseded)}
}

// poison dead-letters a request that decodes but cannot be executed and
// fails its run, when there is one.
func (w *Worker) poison(ctx context.Context, rec *kgo.Record, run *runs.Run, reason string, cause error, st *keyState, log *slog.Logger) result {
	log.Warn("poison request; dead-lettered", slog.String("reason", reason), slog.String("error", cause.Error()))
	res := result{
		records: []*kgo.Record{deadletter.Record(rec, deadletter.Failure{
			Reason: reason, Detail: cause.Error(), Stage: deadletter.StageProcess,
		}, w.now())},
		dead: []string{reason},
	}
	if run != nil {
		more := w.end(ctx, rec, *run, runs.Ending{State: schemas.RunFailed, Error: cause.Error()}, st, log)
		if more.err != nil {
			return more
		}
		res.add(more)
	}
	return res
}

// terminal handles a request of a run that has ended: nothing when its
// terminal event is known to be published, else the event (and the outputs
// of a SUCCEEDED run) again, unless the run topic already holds it.
func (w *Worker) terminal(ctx context.Context, rec *kgo.Record, run runs.Run, st *keyState, log *slog.Logger) result {
	if run.TerminalPublished || st.terminal {
		log.Debug("run already ended and published", slog.String("state", string(run.State)))
		return result{}
	}
	var found bool
	err := w.persist(ctx, log, "look for the run's terminal event", func(ctx context.Context) error {
		var err error
		found, err = w.terminalCommitted(ctx, run)
		return err
	})
	if err != nil {
		return result{err: err}
	}
	st.terminal = true
	if found {
		log.Info("terminal event already on the run topic; marking it published", slog.String("state", string(run.State)))
		return result{published: []runs.Ref{run.Ref()}}
	}
	var outs runs.StoredOutputs
	if run.State == schemas.RunSucceeded {
		err := w.persist(ctx, log, "load outputs", func(ctx context.Context) error {
			var err error
			outs, err = w.store.Outputs(ctx, run)
			return err
		})
		if err != nil {
			return result{err: err}
		}
	}
	recs, err := w.terminalRecords(ctx, rec, run, outs.Outputs, outs.ComputedTS)
	if err != nil {
		return result{err: err}
	}
	log.Info("publishing the terminal event of an ended run", slog.String("state", string(run.State)),
		slog.Int("outputs", len(outs.Outputs)))
	return result{records: recs, published: []runs.Ref{run.Ref()}}
}
