package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	model "github.com/aurum-energy/aurum/internal/scenario"
)

// errNoBase: no base curve matches the scenario's filter on the run's date.
var errNoBase = errors.New("no base curves")

// baseQuery selects the MONTHLY base points of one date, one row per curve
// and month, priced at mid else value, preferring the MID price type. Each
// filter is a bound array, NULL when the filter does not use the dimension.
const baseQuery = `
SELECT DISTINCT ON (curve_key, tenor_label)
    curve_key, asset_class, coalesce(iso, ''), coalesce(location, ''), coalesce(market, ''),
    coalesce(product, ''), coalesce(block, ''), tenor_label, contract_month, coalesce(mid, value),
    coalesce(currency, ''), coalesce(per_unit, '')
FROM curve_observation
WHERE asof_date = $1 AND tenor_type = 'MONTHLY' AND coalesce(mid, value) IS NOT NULL
  AND ($2::text[] IS NULL OR curve_key = ANY($2))
  AND ($3::text[] IS NULL OR asset_class = ANY($3))
  AND ($4::text[] IS NULL OR iso = ANY($4))
  AND ($5::text[] IS NULL OR location = ANY($5))
  AND ($6::text[] IS NULL OR market = ANY($6))
  AND ($7::text[] IS NULL OR product = ANY($7))
  AND ($8::text[] IS NULL OR block = ANY($8))
  AND ($9::text[] IS NULL OR price_type = ANY($9))
  AND ($10::text[] IS NULL OR 'MONTHLY' = ANY($10))
ORDER BY curve_key, tenor_label, price_type = 'MID' DESC, price_type`

// baseFilterDims are the filter dimensions in the order of baseQuery's
// parameters $2.. .
var baseFilterDims = []string{"curve_key", "asset_class", "iso", "location", "market", "product", "block", "price_type", "tenor_type"}

// loadBase reads the base points of the run's date selected by filter, a
// scenario's curve filter (GET /v1/curves semantics: values of one dimension
// are alternatives, dimensions all apply).
func (w *Worker) loadBase(ctx context.Context, r runRow, filter map[string][]string) ([]model.BasePoint, error) {
	f := model.NormalizeFilter(filter)
	for dim := range f {
		if !slices.Contains(baseFilterDims, dim) {
			return nil, fmt.Errorf("curve filter dimension %q is not supported: %w", dim, model.ErrInvalid)
		}
	}
	args := []any{r.AsofDate}
	for _, dim := range baseFilterDims {
		args = append(args, f[dim]) // nil when absent: SQL NULL
	}
	var out []model.BasePoint
	err := w.db.InTenant(ctx, r.tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, baseQuery, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				p     model.BasePoint
				month *time.Time
			)
			if err := rows.Scan(&p.CurveKey, &p.AssetClass, &p.ISO, &p.Location, &p.Market, &p.Product, &p.Block,
				&p.TenorLabel, &month, &p.Mid, &p.Currency, &p.PerUnit); err != nil {
				return err
			}
			if month != nil {
				p.ContractMonth = *month
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load base curves of %s: %w", r.AsofDate.Format(time.DateOnly), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no MONTHLY curve_observation on %s matches the scenario's curve filter",
			errNoBase, r.AsofDate.Format(time.DateOnly))
	}
	return out, nil
}
