package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
)

// execute runs a QUEUED or RUNNING run: attempts with backoff until one
// ends it or the attempts are used up.
func (w *Worker) execute(ctx context.Context, rec *kgo.Record, req *schemas.ScenarioRequest, run runs.Run, st *keyState, log *slog.Logger) result {
	var (
		sc     runs.ScenarioRow
		filter map[string][]string
	)
	err := w.persist(ctx, log, "load scenario", func(ctx context.Context) error {
		var err error
		if sc, err = w.store.GetScenario(ctx, run.Tenant, run.ScenarioID); err != nil {
			return err
		}
		filter, err = sc.Filter()
		return err
	}, runs.ErrScenarioGone)
	if errors.Is(err, runs.ErrScenarioGone) {
		return w.poison(ctx, rec, &run, ReasonScenarioGone, err, st, log)
	}
	if err != nil {
		return result{err: err}
	}
	drivers := model.DriversFromSchema(req.Drivers)
	eng, err := model.NewEngine(drivers, req.Parameters)
	if err != nil {
		return w.poison(ctx, rec, &run, ReasonInvalidScenario, err, st, log)
	}
	if h := model.InputHash(run.Tenant, run.ScenarioID, int(sc.Version), drivers, req.Parameters, run.AsofDate, req.Seed); h != run.InputHash {
		log.Warn("the scenario row does not reproduce the run's input hash; using its curve filter",
			slog.Int("version", int(sc.Version)), slog.String("input_hash", run.InputHash), slog.String("recomputed", h))
	}

	if run.CancelRequested {
		return w.end(ctx, rec, run, runs.Ending{State: schemas.RunCancelled}, st, log)
	}
	if run.State == schemas.RunRunning {
		if limit := run.MaxRetries + 1 + w.cfg.MaxInterruptions; run.Attempt >= limit {
			return w.end(ctx, rec, run, runs.Ending{State: schemas.RunFailed, Error: fmt.Sprintf(
				"attempt %d was interrupted (its worker stopped or lost the request) and no attempts are left", run.Attempt)}, st, log)
		}
		log.Warn("attempt was interrupted; starting another", slog.Int("attempt", run.Attempt))
	}
	for {
		var a runs.Attempt
		err := w.persist(ctx, log, "start attempt", func(ctx context.Context) error {
			var err error
			a, err = w.store.StartAttempt(ctx, &run)
			return err
		}, runs.ErrSuperseded)
		if err != nil {
			return result{err: err}
		}
		w.metrics.ScenarioRuns.WithLabelValues(string(schemas.RunRunning)).Inc()
		actx, aspan, alog := w.startAttempt(ctx, a, log.With(slog.Int("attempt", a.N)))
		alog.Info("run started")
		w.announceRunning(actx, rec, run, a, alog)

		e, err := w.attempt(actx, &run, a, filter, eng, alog)
		endAttempt(aspan, e, err)
		switch {
		case err == nil:
			return w.end(ctx, rec, run, e, st, alog)
		case errors.Is(err, runs.ErrSuperseded):
			return result{err: err}
		case a.N < run.MaxRetries+1:
			wait := w.cfg.Backoff.Delay(a.N - 1)
			alog.Warn("attempt failed; retrying", slog.String("error", err.Error()), slog.Duration("backoff", wait))
			if retry.Sleep(ctx, wait) != nil {
				return result{err: errAbandon}
			}
		default:
			return w.end(ctx, rec, run, runs.Ending{State: schemas.RunFailed, Attempt: a.N,
				Error: fmt.Sprintf("attempt %d of %d failed: %v", a.N, run.MaxRetries+1, err)}, st, alog)
		}
	}
}

// attempt executes the steps of one attempt. It returns how the run should
// end, or the transient error that failed the attempt.
func (w *Worker) attempt(ctx context.Context, r *runs.Run, a runs.Attempt, filter map[string][]string, eng *model.Engine, log *slog.Logger) (runs.Ending, error) {
	actx, cancel := context.WithDeadline(context.WithoutCancel(ctx), a.Deadline)
	defer cancel()
	timedOut := &runs.Ending{State: schemas.RunTimedOut, Error: runs.TimeoutMessage(r.TimeoutSeconds), Attempt: a.N}
	cancelled := &runs.Ending{State: schemas.RunCancelled, Attempt: a.N}
	failed := func(err error) runs.Ending {
		return runs.Ending{State: schemas.RunFailed, Error: err.Error(), Attempt: a.N}
	}

	// check runs the step hook, then asks the database whether the run
	// must stop, at most once per Config.CheckInterval unless a hook ran
	// (it may have waited for anything); step is "" between chunks of
	// curves. The attempt started with the run's row just read, and the
	// final write checks again under the row lock: a run shorter than the
	// interval goes without a check in between.
	lastCheck := time.Now()
	check := func(step string, progress int) (*runs.Ending, error) {
		w.traceStep(actx, step)
		hooked := step != "" && w.cfg.BeforeStep != nil
		if hooked {
			if err := w.cfg.BeforeStep(actx, r.ID, step); err != nil && actx.Err() == nil {
				return nil, fmt.Errorf("before step %s: %w", step, err)
			}
		}
		if actx.Err() != nil {
			return timedOut, nil
		}
		if !hooked && time.Since(lastCheck) < w.cfg.CheckInterval {
			return nil, nil
		}
		lastCheck = time.Now()
		stop, late, err := w.store.Checkpoint(actx, r, a, progress)
		switch {
		case actx.Err() != nil:
			return timedOut, nil
		case err != nil:
			return nil, err
		case stop:
			return cancelled, nil
		case late:
			return timedOut, nil
		}
		if step != "" {
			log.Debug("step", slog.String("step", step))
		}
		return nil, nil
	}

	if e, err := check(StepLoad, 0); e != nil || err != nil {
		return deref(e), err
	}
	base, err := w.loadBase(actx, *r, filter)
	switch {
	case actx.Err() != nil:
		return *timedOut, nil
	case errors.Is(err, errNoBase) || errors.Is(err, model.ErrInvalid):
		return failed(err), nil
	case err != nil:
		return runs.Ending{}, err
	}

	// The outputs are held until the run commits: refuse a run that would
	// hold more than the model allows as soon as that is known. Like the
	// model's other errors, it would fail the same way on every attempt.
	if err := eng.CheckOutputs(base.points, "one per base point"); err != nil {
		return failed(err), nil
	}
	if e, err := check(StepCompute, 10); e != nil || err != nil {
		return deref(e), err
	}
	curves, n := base.curves, base.points
	outs := make([]model.Output, 0, n+n/3+n/12)
	for i, c := range curves {
		if i > 0 && i%w.cfg.CheckEvery == 0 {
			if e, err := check("", 10+80*i/len(curves)); e != nil || err != nil {
				return deref(e), err
			}
		}
		o, err := eng.Curve(r.AsofDate, c)
		if err != nil {
			// The model is pure: the same inputs fail the same way.
			return failed(err), nil
		}
		outs = append(outs, o...)
		if err := eng.CheckOutputs(len(outs), "with roll-ups"); err != nil {
			return failed(err), nil
		}
	}

	if e, err := check(StepWrite, 90); e != nil || err != nil {
		return deref(e), err
	}
	return runs.Ending{State: schemas.RunSucceeded, Outputs: outs, CurveIDs: base.ids, Attempt: a.N}, nil
}

func deref(e *runs.Ending) runs.Ending {
	if e == nil {
		return runs.Ending{}
	}
	return *e
}

// end writes the run's terminal state (with its outputs, when it
// succeeded) and returns its terminal records for the transaction.
func (w *Worker) end(ctx context.Context, rec *kgo.Record, run runs.Run, e runs.Ending, st *keyState, log *slog.Logger) result {
	computedTS := w.now()
	var final runs.Run
	fctx, fspan, log := w.startFinish(ctx, e, log)
	err := w.persist(fctx, log, "end run", func(ctx context.Context) error {
		var err error
		final, err = w.store.Finish(ctx, run, e, computedTS)
		return err
	}, runs.ErrSuperseded, runs.ErrNotFound)
	telemetry.EndSpan(fspan, err)
	if errors.Is(err, runs.ErrNotFound) {
		log.Warn("run deleted while it ran; nothing to publish")
		return result{}
	}
	if err != nil {
		return result{err: err}
	}
	w.metrics.ScenarioRuns.WithLabelValues(string(final.State)).Inc()
	if final.StartedAt != nil && final.CompletedAt != nil {
		w.metrics.ScenarioRunDuration.Observe(final.CompletedAt.Sub(*final.StartedAt).Seconds())
	}
	var outs []model.Output
	if final.State == schemas.RunSucceeded {
		outs = e.Outputs
	}
	recs, err := w.terminalRecords(ctx, rec, final, outs, computedTS)
	if err != nil {
		return result{err: err}
	}
	st.terminal = true
	attrs := []any{slog.String("state", string(final.State)), slog.Int("attempt", final.Attempt), slog.Int("outputs", len(outs))}
	if final.Error != nil {
		attrs = append(attrs, slog.String("error", *final.Error))
	}
	log.Info("run ended", attrs...)
	return result{records: recs, published: []runs.Ref{final.Ref()}}
}

// announceRunning publishes the RUNNING event of an attempt at once,
// outside the run's transaction, so subscribers see the run start. It is
// informative: a failure is logged, and the terminal event still follows.
func (w *Worker) announceRunning(ctx context.Context, rec *kgo.Record, run runs.Run, a runs.Attempt, log *slog.Logger) {
	kr, err := w.eventRecord(ctx, rec, runs.Event(run, a.StartedAt))
	if err != nil {
		log.Warn("cannot encode the RUNNING event", slog.String("error", err.Error()))
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.OpTimeout)
	defer cancel()
	if err := w.events.ProduceSync(pctx, kr).FirstErr(); err != nil {
		log.Warn("cannot publish the RUNNING event", slog.String("error", err.Error()))
	}
}
