package runs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
)

// Errors of the repository that callers branch on.
var (
	// ErrNotFound: the tenant has no run with the id.
	ErrNotFound = errors.New("run not found")
	// ErrScenarioGone: the run's scenario is missing or deleted.
	ErrScenarioGone = errors.New("scenario not found or deleted")
	// ErrSuperseded: the run changed under its caller (another worker
	// started an attempt, the API cancelled it while queued, it ended).
	ErrSuperseded = errors.New("run changed by someone else")
)

// DB runs fn in a transaction as the tenant, committing when fn returns
// nil; row-level security applies. *store.Store satisfies it.
type DB interface {
	InTenant(ctx context.Context, tenant string, fn func(pgx.Tx) error) error
}

// Repository reads and changes runs, each method in a transaction of its
// own as the run's tenant.
type Repository struct{ db DB }

// NewRepository returns the runs of db.
func NewRepository(db DB) *Repository { return &Repository{db: db} }

// Ref names a run for row-level security.
type Ref struct{ Tenant, ID string }

// Ref names r.
func (r Run) Ref() Ref { return Ref{Tenant: r.Tenant, ID: r.ID} }

// Get reads run ref; ErrNotFound if there is none.
func (repo *Repository) Get(ctx context.Context, ref Ref) (Run, error) {
	var r Run
	err := repo.db.InTenant(ctx, ref.Tenant, func(tx pgx.Tx) error {
		var err error
		r, err = Scan(tx.QueryRow(ctx, `SELECT `+Columns+` FROM scenario_run WHERE id = $1`, ref.ID), ref.Tenant)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("run %s of tenant %s: %w", ref.ID, ref.Tenant, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("load run %s: %w", ref.ID, err)
	}
	return r, nil
}

// Attempt is one started attempt of a run.
type Attempt struct {
	N         int
	StartedAt time.Time
	// Deadline is the attempt's deadline on the local clock: the database
	// said how much of the timeout was left when the attempt started.
	Deadline time.Time
}

// StartAttempt moves run r (as read, QUEUED or RUNNING) to RUNNING with the
// next attempt number; ErrSuperseded if it changed since it was read.
func (repo *Repository) StartAttempt(ctx context.Context, r *Run) (Attempt, error) {
	var (
		a    Attempt
		left float64
	)
	err := repo.db.InTenant(ctx, r.Tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			UPDATE scenario_run
			SET state = 'RUNNING', attempt = attempt + 1, started_at = now(), progress_percent = 0,
			    error = NULL, completed_at = NULL, output_count = NULL
			WHERE id = $1 AND state IN ('QUEUED', 'RUNNING') AND attempt = $2 AND cancel_requested_at IS NULL
			RETURNING attempt, started_at,
			    extract(epoch FROM started_at + make_interval(secs => timeout_seconds) - clock_timestamp())::float8`,
			r.ID, r.Attempt).Scan(&a.N, &a.StartedAt, &left)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("start attempt %d of run %s: %w", r.Attempt+1, r.ID, ErrSuperseded)
	}
	if err != nil {
		return a, fmt.Errorf("start attempt %d of run %s: %w", r.Attempt+1, r.ID, err)
	}
	a.Deadline = time.Now().Add(time.Duration(left * float64(time.Second)))
	r.Attempt, r.State, r.StartedAt = a.N, schemas.RunRunning, &a.StartedAt
	r.Error, r.OutputCount, r.CompletedAt = nil, nil, nil
	return a, nil
}

// Checkpoint records progress and reports whether the run was asked to
// cancel and whether the attempt is past its deadline (database clock);
// ErrSuperseded if the attempt is no longer the run's current one.
func (repo *Repository) Checkpoint(ctx context.Context, r *Run, a Attempt, progress int) (cancel, late bool, err error) {
	err = repo.db.InTenant(ctx, r.Tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			UPDATE scenario_run SET progress_percent = greatest(progress_percent, $3)
			WHERE id = $1 AND state = 'RUNNING' AND attempt = $2
			RETURNING cancel_requested_at IS NOT NULL,
			    clock_timestamp() >= started_at + make_interval(secs => timeout_seconds)`,
			r.ID, a.N, progress).Scan(&cancel, &late)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, fmt.Errorf("attempt %d of run %s: %w", a.N, r.ID, ErrSuperseded)
	}
	if err != nil {
		return false, false, fmt.Errorf("check run %s: %w", r.ID, err)
	}
	return cancel, late, nil
}

// Ending is how a run is to end.
type Ending struct {
	State   schemas.RunState
	Error   string
	Outputs []model.Output // SUCCEEDED only
	// CurveIDs are the ids of the outputs' curves, by curve_key.
	CurveIDs map[string]int32
	// Attempt is the attempt that must still be the run's current one; 0
	// for a run ended before any attempt of this delivery (poison,
	// cancelled while queued, out of attempts): it must not be terminal.
	Attempt int
}

// Finish writes the run's terminal state in one transaction, with its
// outputs when it SUCCEEDED. Under the row lock it re-checks cancellation
// and the deadline: a run about to succeed that was asked to cancel ends
// CANCELLED, one past its deadline TIMED_OUT, both without outputs. It
// returns the terminal row; ErrSuperseded if the run changed meanwhile.
func (repo *Repository) Finish(ctx context.Context, r Run, e Ending, computedTS time.Time) (Run, error) {
	var out Run
	err := repo.db.InTenant(ctx, r.Tenant, func(tx pgx.Tx) error {
		var (
			state        string
			attemptNow   int
			cancel, late bool
		)
		// The row lock is what keeps outputs to runs that exist and are
		// written once: scenario_output has no foreign key (migration 0015).
		err := tx.QueryRow(ctx, `
			SELECT state, attempt, cancel_requested_at IS NOT NULL,
			    started_at IS NOT NULL AND clock_timestamp() >= started_at + make_interval(secs => timeout_seconds)
			FROM scenario_run WHERE id = $1 FOR UPDATE`, r.ID).Scan(&state, &attemptNow, &cancel, &late)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch st := schemas.RunState(state); {
		case st.Terminal():
			return fmt.Errorf("run is already %s: %w", st, ErrSuperseded)
		case e.Attempt > 0 && (st != schemas.RunRunning || attemptNow != e.Attempt):
			return fmt.Errorf("attempt %d is no longer current (%s, attempt %d): %w", e.Attempt, st, attemptNow, ErrSuperseded)
		}
		if e.State == schemas.RunSucceeded {
			switch {
			case cancel:
				e = Ending{State: schemas.RunCancelled}
			case late:
				e = Ending{State: schemas.RunTimedOut, Error: TimeoutMessage(r.TimeoutSeconds)}
			}
		}
		var (
			count    *int
			drivers  []string
			computed *time.Time
		)
		if e.State == schemas.RunSucceeded {
			if drivers, err = writeOutputs(ctx, tx, r, e.Outputs, e.CurveIDs); err != nil {
				return err
			}
			n := len(e.Outputs)
			count, computed = &n, &computedTS
		}
		var msg *string
		if e.Error != "" {
			msg = &e.Error
		}
		out, err = Scan(tx.QueryRow(ctx, `
			UPDATE scenario_run
			SET state = $2, completed_at = now(), error = $3, output_count = $4,
			    output_drivers = $5, outputs_computed_at = $6,
			    progress_percent = CASE WHEN $2 = 'SUCCEEDED' THEN 100 ELSE progress_percent END
			WHERE id = $1
			RETURNING `+Columns, r.ID, string(e.State), msg, count, drivers, computed), r.Tenant)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("end run %s: %w", r.ID, err)
	}
	return out, nil
}

// TimeoutMessage is the error of a run whose attempt ran past its timeout.
func TimeoutMessage(seconds int) string {
	return fmt.Sprintf("attempt exceeded the run's timeout of %d s", seconds)
}

// outputChunk is how many outputs one statement writes: the columns of a
// chunk exist only while it is written, rather than for every output of
// the run at once (5,000 outputs of 200 drivers: 8 MB of deltas).
const outputChunk = 5000

// writeOutputs inserts the outputs of run r, a chunk per statement, and
// returns the drivers their deltas are of, in order: every output of a run
// attributes its delta to the same drivers, so their names are stored once,
// on the run.
func writeOutputs(ctx context.Context, tx pgx.Tx, r Run, outs []model.Output, ids map[string]int32) ([]string, error) {
	drivers := []string{}
	if len(outs) > 0 {
		for _, a := range outs[0].Attribution {
			drivers = append(drivers, a.Driver)
		}
	}
	for chunk := range slices.Chunk(outs, outputChunk) {
		if err := writeOutputChunk(ctx, tx, r, chunk, ids, drivers); err != nil {
			return nil, err
		}
	}
	return drivers, nil
}

func writeOutputChunk(ctx context.Context, tx pgx.Tx, r Run, outs []model.Output, ids map[string]int32, drivers []string) error {
	n := len(outs)
	var (
		curves               = make([]int32, n)
		types, labels, names = make([]string, n), make([]string, n), make([]string, n)
		months               = make([]*time.Time, n)
		values               = make([]float64, n)
		lower, upper         = make([]*float64, n), make([]*float64, n)
		deltas               = make([]float64, 0, n*len(drivers))
	)
	for i, o := range outs {
		id, ok := ids[o.CurveKey]
		if !ok {
			return fmt.Errorf("output of curve %s: not a base curve of the run", o.CurveKey)
		}
		if len(o.Attribution) != len(drivers) {
			return fmt.Errorf("output %s %s: %d attributions, the run's outputs have %d",
				o.CurveKey, o.TenorLabel, len(o.Attribution), len(drivers))
		}
		for k, a := range o.Attribution {
			if a.Driver != drivers[k] {
				return fmt.Errorf("output %s %s: attribution %d is of driver %s, the run's outputs' of %s",
					o.CurveKey, o.TenorLabel, k, a.Driver, drivers[k])
			}
			deltas = append(deltas, a.Delta)
		}
		curves[i], types[i], labels[i], names[i] = id, o.TenorType, o.TenorLabel, o.Metric
		months[i], values[i], lower[i], upper[i] = o.ContractMonth, o.Value, o.BandLower, o.BandUpper
	}
	// deltas holds the outputs' attributions one after the other: output
	// n's are elements (n-1)·k+1 … n·k of it.
	_, err := tx.Exec(ctx, `
		INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label, contract_month, metric,
		    value, band_lower, band_upper, deltas)
		SELECT $1, $2::uuid, o.curve_id, o.tenor_type::curve_tenor_type, o.tenor_label, o.contract_month, o.metric,
		    o.value, o.band_lower, o.band_upper, ($11::float8[])[(o.n - 1) * $12 + 1 : o.n * $12]
		FROM unnest($3::int4[], $4::text[], $5::text[], $6::date[], $7::text[], $8::float8[], $9::float8[],
		    $10::float8[]) WITH ORDINALITY
		    AS o(curve_id, tenor_type, tenor_label, contract_month, metric, value, band_lower, band_upper, n)`,
		r.Tenant, r.ID, curves, types, labels, months, names, values, lower, upper, deltas, len(drivers))
	if err != nil {
		return fmt.Errorf("write %d outputs: %w", n, err)
	}
	return nil
}

// Attribution pairs an output's stored deltas with its run's
// output_drivers, in order.
func Attribution(drivers []string, deltas []float64) ([]model.Attribution, error) {
	if len(deltas) != len(drivers) {
		return nil, fmt.Errorf("%d deltas for the run's %d drivers", len(deltas), len(drivers))
	}
	attr := make([]model.Attribution, len(deltas))
	for i, d := range deltas {
		attr[i] = model.Attribution{Driver: drivers[i], Delta: d}
	}
	return attr, nil
}

// StoredOutputs are a run's outputs as written, for publishing them again.
type StoredOutputs struct {
	Outputs    []model.Output
	ComputedTS time.Time
}

// Outputs reads the outputs of a SUCCEEDED run back.
func (repo *Repository) Outputs(ctx context.Context, r Run) (StoredOutputs, error) {
	var so StoredOutputs
	err := repo.db.InTenant(ctx, r.Tenant, func(tx pgx.Tx) error {
		var drivers []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(output_drivers, '{}'), coalesce(outputs_computed_at, completed_at)
			FROM scenario_run WHERE id = $1`, r.ID).Scan(&drivers, &so.ComputedTS); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+OutputColumns+`
			FROM scenario_output o JOIN curve c ON c.id = o.curve_id WHERE o.run_id = $1
			ORDER BY c.curve_key, o.tenor_type::text DESC, o.contract_month NULLS LAST, o.tenor_label, o.metric`, r.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := ScanOutput(rows, drivers)
			if err != nil {
				return err
			}
			so.Outputs = append(so.Outputs, o)
		}
		return rows.Err()
	})
	if err != nil {
		return so, fmt.Errorf("load outputs of run %s: %w", r.ID, err)
	}
	return so, nil
}

// MarkPublished records that the terminal events of runs ids of tenant
// are committed on the run topic.
func (repo *Repository) MarkPublished(ctx context.Context, tenant string, ids []string) error {
	err := repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE scenario_run SET terminal_published_at = now()
			WHERE id = ANY($1::uuid[]) AND terminal_published_at IS NULL`, ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark %d runs published: %w", len(ids), err)
	}
	return nil
}

// Cancel cancels run ref in one transaction, with the run's row locked so
// that a concurrent transition by a worker is seen rather than
// overwritten: a QUEUED run ends CANCELLED at once, announce writing its
// terminal event in the same transaction (its terminal_published_at is set:
// the outbox publishes it); a RUNNING run is asked to stop, which its
// worker does between steps; a finished run is left as it is. It returns
// the run as it was found and as it is now; ErrNotFound if there is none.
func (repo *Repository) Cancel(ctx context.Context, ref Ref, announce func(tx pgx.Tx, r Run) error) (found, now Run, err error) {
	err = repo.db.InTenant(ctx, ref.Tenant, func(tx pgx.Tx) error {
		var err error
		if found, err = Scan(tx.QueryRow(ctx, `SELECT `+Columns+` FROM scenario_run WHERE id = $1 FOR UPDATE`, ref.ID), ref.Tenant); err != nil {
			return err
		}
		now = found
		switch found.State {
		case schemas.RunQueued:
			if now, err = Scan(tx.QueryRow(ctx, `UPDATE scenario_run SET state = 'CANCELLED', completed_at = now(),
					terminal_published_at = now(), cancel_requested_at = coalesce(cancel_requested_at, now())
				WHERE id = $1 RETURNING `+Columns, ref.ID), ref.Tenant); err != nil {
				return err
			}
			return announce(tx, now)
		case schemas.RunRunning:
			if now, err = Scan(tx.QueryRow(ctx, `UPDATE scenario_run SET cancel_requested_at = coalesce(cancel_requested_at, now())
				WHERE id = $1 RETURNING `+Columns, ref.ID), ref.Tenant); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return found, now, fmt.Errorf("run %s of tenant %s: %w", ref.ID, ref.Tenant, ErrNotFound)
	}
	if err != nil {
		return found, now, fmt.Errorf("cancel run %s: %w", ref.ID, err)
	}
	return found, now, nil
}
