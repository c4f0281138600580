package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// diffRow is one row of GET /v1/curves/diff: a curve tenor and price type
// present on both dates, with its mids and their change.
type diffRow struct {
	curveIdentity
	PriceType     string
	TenorType     string
	TenorLabel    string
	ContractMonth *time.Time
	Currency      *string
	PerUnit       *string
	AsofA         time.Time
	MidA          *float64
	AsofB         time.Time
	MidB          *float64
}

func (r *diffRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.CurveKey, &r.AssetClass, &r.ISO, &r.Region, &r.Location, &r.Market, &r.Product,
		&r.Block, &r.SparkLocation, &r.PriceType, &r.TenorType, &r.TenorLabel, &r.ContractMonth,
		&r.Currency, &r.PerUnit, &r.AsofA, &r.MidA, &r.AsofB, &r.MidB)
}

func (r *diffRow) cells(w *cellWriter) {
	r.curveIdentity.cells(w)
	w.str("price_type", r.PriceType)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.TenorLabel)
	w.optDate("contract_month", r.ContractMonth)
	w.optStr("currency", r.Currency)
	w.optStr("per_unit", r.PerUnit)
	w.date("asof_a", r.AsofA)
	w.optNum("mid_a", r.MidA)
	w.date("asof_b", r.AsofB)
	w.optNum("mid_b", r.MidB)
	abs, pct := diffOf(r.MidA, r.MidB)
	w.optNum("diff_abs", abs)
	w.optNum("diff_pct", pct)
}

func (r *diffRow) key() []string { return []string{r.CurveKey, r.TenorLabel, r.PriceType} }

// diffOf returns mid_b − mid_a and that change as a percentage of mid_a;
// each is nil when it is undefined (a missing mid, or mid_a zero for the
// percentage).
func diffOf(a, b *float64) (abs, pct *float64) {
	if a == nil || b == nil {
		return nil, nil
	}
	d := *b - *a
	if *a == 0 {
		return &d, nil
	}
	p := d / *a * 100
	return &d, &p
}

// curvesDiffEndpoint is GET /v1/curves/diff: the change of each curve
// tenor's mid between two as-of dates, for the rows present on both, in
// keyset order curve_key, tenor_label, price_type.
func (s *Server) curvesDiffEndpoint() *listEndpoint {
	st := &statements{build: buildDiffSQL}
	return &listEndpoint{
		path:    "/v1/curves/diff",
		params:  params(curveFilterParams, pageParams, []string{"asof_a", "asof_b"}),
		keyLen:  3,
		dataset: datasetCurves,
		check: func(q *listQuery) error {
			switch {
			case q.asofA.IsZero():
				return InvalidParameter("asof_a", "is required: the first as-of date, YYYY-MM-DD")
			case q.asofB.IsZero():
				return InvalidParameter("asof_b", "is required: the second as-of date, YYYY-MM-DD")
			case !q.hasFilter():
				return BadRequest(fmt.Sprintf("GET /v1/curves/diff needs at least one dimension filter (%s)",
					strings.Join(curveFilterParams, ", ")))
			}
			return nil
		},
		maxAge: func(q *listQuery) time.Duration { return s.maxAgeFor(q.asofA, q.asofB) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			rows, err := st.query(ctx, s.pool, q)
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &diffRow{})
			next, err := collect(rows, t, q.limit, &diffRow{})
			return t, next, err
		},
	}
}

func buildDiffSQL(b *sqlBuilder, q *listQuery) {
	b.text(`SELECT a.curve_key, a.asset_class, a.iso, a.region, a.location, a.market, a.product, a.block,
	a.spark_location, a.price_type, b.tenor_type, a.tenor_label, b.contract_month, b.currency, b.per_unit,
	a.asof_date, a.mid, b.asof_date, b.mid
FROM curve_observation a
JOIN curve_observation b ON b.curve_key = a.curve_key AND b.tenor_label = a.tenor_label
	AND b.price_type = a.price_type AND b.asof_date = `)
	b.arg(q.asofB)
	b.text("::date WHERE a.asof_date = ")
	b.arg(q.asofA)
	b.text("::date")
	b.filters(q, "a.")
	if q.after != nil {
		b.text(" AND (a.curve_key, a.tenor_label, a.price_type) > (")
		b.arg(q.after[0])
		b.text(", ")
		b.arg(q.after[1])
		b.text(", ")
		b.arg(q.after[2])
		b.text(")")
	}
	b.text(" ORDER BY a.curve_key, a.tenor_label, a.price_type LIMIT ")
	b.arg(q.limit + 1)
}
