package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
)

// diffRow is one row of GET /v1/curves/diff: a curve tenor and price type
// present on both dates, with its mids and their change.
type diffRow market.CurveDiff

func (r *diffRow) cells(w *cellWriter) {
	curveCells(w, &r.Curve)
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
// tenor's mid between two as-of dates, for the rows present on both
// (market.Reader.Diffs).
func (s *Server) curvesDiffEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/curves/diff",
		params:  params(curveFilterParams, pageParams, []param{asofAParam, asofBParam}),
		keyLen:  3,
		dataset: market.DatasetCurves,
		check: func(q *listQuery) error {
			switch {
			case q.asofA.IsZero():
				return InvalidParameter("asof_a", "is required: the first as-of date, YYYY-MM-DD")
			case q.asofB.IsZero():
				return InvalidParameter("asof_b", "is required: the second as-of date, YYYY-MM-DD")
			case !q.filters.Any():
				return BadRequest(fmt.Sprintf("GET /v1/curves/diff needs at least one dimension filter (%s)",
					strings.Join(filterColumns[:], ", ")))
			}
			return nil
		},
		maxAge: func(q *listQuery) time.Duration { return s.maxAgeFor(q.asofA, q.asofB) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			diffs, next, err := s.market.Diffs(ctx, q.filters, q.asofA, q.asofB, q.page())
			return tableOf(q.format, diffs, next, err, func(x *market.CurveDiff) row { return (*diffRow)(x) })
		},
	}
}
