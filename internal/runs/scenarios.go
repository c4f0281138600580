package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ScenarioRow is a scenario row: a tenant's definition that runs are
// requested of. Its curve filter, drivers and parameters are JSON as
// stored.
type ScenarioRow struct {
	ID, Name, Description            string
	CurveFilter, Drivers, Parameters string
	Tags                             []string
	Version                          int32
	CreatedAt, UpdatedAt             time.Time
}

// ScenarioColumns are the columns of a ScenarioRow, as ScanScenario reads
// them.
const ScenarioColumns = `id::text, name, description, curve_filter::text, drivers::text, parameters::text,
	tags, version, created_at, updated_at`

// ScanScenario reads a ScenarioRow selected as ScenarioColumns from row.
func ScanScenario(row pgx.Row) (ScenarioRow, error) {
	var r ScenarioRow
	err := row.Scan(&r.ID, &r.Name, &r.Description, &r.CurveFilter, &r.Drivers, &r.Parameters,
		&r.Tags, &r.Version, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

// Filter is the scenario's curve filter; an error wrapping
// ErrScenarioGone when the stored JSON is not one.
func (r ScenarioRow) Filter() (map[string][]string, error) {
	var f map[string][]string
	if err := json.Unmarshal([]byte(r.CurveFilter), &f); err != nil {
		return nil, fmt.Errorf("scenario %s: curve_filter %s: %w: %w", r.ID, r.CurveFilter, ErrScenarioGone, err)
	}
	return f, nil
}

// NewScenario is a scenario to store: its JSON columns already encoded.
type NewScenario struct {
	Name, Description                string
	CurveFilter, Drivers, Parameters string
	Tags                             []string
}

// CreateScenario stores n for tenant.
func (repo *Repository) CreateScenario(ctx context.Context, tenant string, n NewScenario) (ScenarioRow, error) {
	var r ScenarioRow
	err := repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		var err error
		r, err = ScanScenario(tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name, description, curve_filter, drivers, parameters, tags)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+ScenarioColumns,
			tenant, n.Name, n.Description, n.CurveFilter, n.Drivers, n.Parameters, n.Tags))
		return err
	})
	if err != nil {
		return r, fmt.Errorf("insert scenario: %w", err)
	}
	return r, nil
}

// GetScenario reads tenant's scenario id; ErrScenarioGone if it is missing
// (or another tenant's) or deleted.
func (repo *Repository) GetScenario(ctx context.Context, tenant, id string) (ScenarioRow, error) {
	var r ScenarioRow
	err := repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		var err error
		r, err = LiveScenario(ctx, tx, id)
		return err
	})
	return r, err
}

// LiveScenario reads scenario id, not deleted, in tx (the transaction of a
// run request, which creates the run of it); ErrScenarioGone if there is
// none.
func LiveScenario(ctx context.Context, tx pgx.Tx, id string) (ScenarioRow, error) {
	r, err := ScanScenario(tx.QueryRow(ctx, `SELECT `+ScenarioColumns+` FROM scenario WHERE id = $1 AND deleted_at IS NULL`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("scenario %s: %w", id, ErrScenarioGone)
	}
	if err != nil {
		return r, fmt.Errorf("read scenario %s: %w", id, err)
	}
	return r, nil
}

// DeleteScenario deletes tenant's scenario id softly, so that its runs and
// their outputs keep their history; ErrScenarioGone if there is none.
func (repo *Repository) DeleteScenario(ctx context.Context, tenant, id string) error {
	return repo.db.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE scenario SET deleted_at = now(), updated_at = now()
			WHERE id = $1 AND deleted_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("delete scenario %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("scenario %s: %w", id, ErrScenarioGone)
		}
		return nil
	})
}
