package runs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/sqlb"
	"github.com/aurum-energy/aurum/schemas"
)

// Page asks for one page of a tenant's list, in the list's order.
type Page struct {
	// Limit is how many rows the caller keeps: the list reads one more, so
	// that the caller learns whether another page follows.
	Limit int
	// After is the key of the previous page's last row, typed and in the
	// order of the list's key; nil asks for the first page.
	After []any
}

// Scenarios reads a page of the tenant's live scenarios, newest first
// (key: created_at, id), and hands the rows (ScenarioColumns) to read.
func (repo *Repository) Scenarios(ctx context.Context, tenant string, p Page, read func(pgx.Rows) error) error {
	return repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		b := sqlb.New()
		b.Text(`SELECT ` + ScenarioColumns + ` FROM scenario WHERE deleted_at IS NULL`)
		newestFirst(b, "created_at", p)
		return queryRows(ctx, tx, b, read, "list scenarios")
	})
}

// ScenarioRuns reads a page of the runs of scenario id, deleted or not
// (deletion keeps the history), newest first (key: queued_at, id), of the
// given states (nil: any), and hands the rows (Columns) to read;
// ErrScenarioGone when the tenant never had the scenario.
func (repo *Repository) ScenarioRuns(ctx context.Context, tenant, id string, states []string, p Page, read func(pgx.Rows) error) error {
	return repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM scenario WHERE id = $1)`, id).Scan(&exists); err != nil {
			return fmt.Errorf("read scenario %s: %w", id, err)
		}
		if !exists {
			return fmt.Errorf("scenario %s of tenant %s: %w", id, tenant, ErrScenarioGone)
		}
		b := sqlb.New()
		b.Text(`SELECT ` + Columns + ` FROM scenario_run WHERE scenario_id = `)
		b.Arg(id, "")
		if states != nil {
			b.Text(` AND state = ANY(`)
			b.Arg(states, ")")
		}
		newestFirst(b, "queued_at", p)
		return queryRows(ctx, tx, b, read, "list runs of scenario "+id)
	})
}

// newestFirst ends a list keyed by (at, id) — at the instant column — with
// page p of it, newest first.
func newestFirst(b *sqlb.Builder, at string, p Page) {
	if p.After != nil {
		b.Text(` AND (` + at + `, id) < (`)
		b.Arg(p.After[0], ", ")
		b.Arg(p.After[1], "::uuid)")
	}
	b.Text(` ORDER BY ` + at + ` DESC, id DESC LIMIT `)
	b.Arg(p.Limit+1, "")
}

// OutputColumns are the columns of an output, of scenario_output o and
// curve c, as ScanOutput reads them.
const OutputColumns = `c.curve_key, o.tenor_type::text, o.tenor_label, o.contract_month, o.metric, o.value,
	o.band_lower, o.band_upper, o.deltas`

// ScanOutput reads a row of OutputColumns into an output whose deltas are
// those of the run's drivers.
func ScanOutput(row pgx.Row, drivers []string) (model.Output, error) {
	var (
		o      model.Output
		deltas []float64
	)
	if err := row.Scan(&o.CurveKey, &o.TenorType, &o.TenorLabel, &o.ContractMonth, &o.Metric, &o.Value,
		&o.BandLower, &o.BandUpper, &deltas); err != nil {
		return o, err
	}
	var err error
	if o.Attribution, err = Attribution(drivers, deltas); err != nil {
		return o, fmt.Errorf("output %s %s %s: %w", o.CurveKey, o.TenorLabel, o.Metric, err)
	}
	return o, nil
}

// OutputFilter selects a run's outputs: each non-nil field keeps the
// outputs whose column is one of its values.
type OutputFilter struct {
	CurveKeys, TenorTypes, Metrics []string
}

// OutputOrder is the order of a page of outputs (key: curve_key, tenor
// type, tenor label, metric, all text): tenor types as text, as they were
// before they were stored as curve_tenor_type.
const OutputOrder = `c.curve_key, o.tenor_type::text, o.tenor_label, o.metric`

// OutputPage reads a page of the outputs of run id in OutputOrder, when the
// run SUCCEEDED: read gets the run's drivers and the rows (OutputColumns).
// A run that has not succeeded has none to show, even if its worker wrote
// some before it was cancelled or failed: read is not called. It returns
// the run's state; ErrNotFound when the tenant has no such run.
func (repo *Repository) OutputPage(ctx context.Context, tenant, id string, f OutputFilter, p Page,
	read func(drivers []string, rows pgx.Rows) error) (schemas.RunState, error) {
	var (
		state   schemas.RunState
		drivers []string
	)
	err := repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT state, coalesce(output_drivers, '{}') FROM scenario_run WHERE id = $1`,
			id).Scan(&state, &drivers); err != nil {
			return err
		}
		if state != schemas.RunSucceeded {
			return nil
		}
		b := sqlb.New()
		b.Text(`SELECT ` + OutputColumns + ` FROM scenario_output o JOIN curve c ON c.id = o.curve_id WHERE o.run_id = `)
		b.Arg(id, "")
		for _, in := range []struct {
			column string
			values []string
		}{{"c.curve_key", f.CurveKeys}, {"o.tenor_type::text", f.TenorTypes}, {"o.metric", f.Metrics}} {
			if in.values != nil {
				b.Text(` AND ` + in.column + ` = ANY(`)
				b.Arg(in.values, ")")
			}
		}
		if p.After != nil {
			b.Text(` AND (` + OutputOrder + `) > (`)
			for i, v := range p.After {
				if i > 0 {
					b.Text(", ")
				}
				b.Arg(v, "")
			}
			b.Text(")")
		}
		b.Text(` ORDER BY ` + OutputOrder + ` LIMIT `)
		b.Arg(p.Limit+1, "")
		return queryRows(ctx, tx, b, func(rows pgx.Rows) error { return read(drivers, rows) }, "list outputs of run "+id)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return state, fmt.Errorf("run %s of tenant %s: %w", id, tenant, ErrNotFound)
	}
	return state, err
}

// queryRows runs b's statement and hands its rows to read, closing them.
func queryRows(ctx context.Context, tx pgx.Tx, b *sqlb.Builder, read func(pgx.Rows) error, what string) error {
	rows, err := tx.Query(ctx, b.SQL(), b.Args()...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	return read(rows)
}

// ErrNoCurves is the reason a run has no base curves: none were loaded, or
// none as of the date it asks for.
var ErrNoCurves = errors.New("no base curves")

// BaseAsof returns the as-of date a run of asof prices: asof if curves were
// observed then, the latest date any curve was observed when asof is zero;
// ErrNoCurves when there is none.
func BaseAsof(ctx context.Context, tx pgx.Tx, asof time.Time) (time.Time, error) {
	if asof.IsZero() {
		var latest *time.Time
		if err := tx.QueryRow(ctx, `SELECT max(asof_date) FROM curve_observation`).Scan(&latest); err != nil {
			return time.Time{}, fmt.Errorf("latest curve date: %w", err)
		}
		if latest == nil {
			return time.Time{}, fmt.Errorf("no curves have been loaded: %w", ErrNoCurves)
		}
		return *latest, nil
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM curve_observation WHERE asof_date = $1)`, asof).Scan(&ok); err != nil {
		return time.Time{}, fmt.Errorf("curves as of %s: %w", asof.Format(time.DateOnly), err)
	}
	if !ok {
		return time.Time{}, fmt.Errorf("no curves as of %s: %w", asof.Format(time.DateOnly), ErrNoCurves)
	}
	return asof, nil
}
