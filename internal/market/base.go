package market

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BasePrice is the MONTHLY price of a curve tenor as of a date that
// scenario runs reprice.
type BasePrice struct {
	Curve
	// CurveID is the curve's surrogate id, which a run's outputs store.
	CurveID       int32
	TenorLabel    string
	ContractMonth *time.Time
	// Price is the observation's mid, else its value.
	Price float64
}

// basePricesSQL selects one MONTHLY price per curve and tenor of a date,
// preferring the MID price type. Each filter is a bound array, NULL when
// absent, compared as text so that a scenario's unknown value matches
// nothing rather than failing.
var basePricesSQL = `
SELECT DISTINCT ON (c.curve_key, o.tenor_label) c.id, ` + curveColumns + `, o.tenor_label, o.contract_month,
       coalesce(o.mid, o.value)
FROM curve c CROSS JOIN LATERAL (
    SELECT * FROM curve_observation o
    WHERE o.curve_id = c.id AND o.asof_date = $1::date AND o.tenor_type = 'MONTHLY'
      AND coalesce(o.mid, o.value) IS NOT NULL
      AND ($9::text[] IS NULL OR 'MONTHLY' = ANY($9))
      AND ($10::text[] IS NULL OR o.price_type::text = ANY($10))` + lateralEnd + ` o
WHERE ($2::text[] IS NULL OR c.curve_key = ANY($2))
  AND ($3::text[] IS NULL OR c.asset_class = ANY($3))
  AND ($4::text[] IS NULL OR c.iso = ANY($4))
  AND ($5::text[] IS NULL OR c.location = ANY($5))
  AND ($6::text[] IS NULL OR c.market = ANY($6))
  AND ($7::text[] IS NULL OR c.product = ANY($7))
  AND ($8::text[] IS NULL OR c.block = ANY($8))
ORDER BY c.curve_key, o.tenor_label, o.price_type = 'MID' DESC, o.price_type`

// BasePrices reads the base prices of the curves f selects as of asof, in
// curve_key, tenor label order, through db (a scenario worker's
// transaction).
func BasePrices(ctx context.Context, db Querier, asof time.Time, f CurveFilter) ([]BasePrice, error) {
	args := make([]any, 0, 1+NumCurveFilters)
	args = append(args, asof)
	for _, vals := range f {
		args = append(args, vals) // nil when absent: SQL NULL
	}
	// Optional filters (NULL or an array) defeat a generic plan: plan with
	// the values, every call (statements' custom mode).
	rows, err := db.Query(ctx, basePricesSQL, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read base prices: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (BasePrice, error) {
		var p BasePrice
		return p, row.Scan(append(append([]any{&p.CurveID}, p.fields()...), &p.TenorLabel, &p.ContractMonth, &p.Price)...)
	})
	if err != nil {
		return nil, fmt.Errorf("read base prices: %w", err)
	}
	return out, nil
}
