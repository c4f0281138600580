package api

import (
	"context"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
)

// stripRow is one row of GET /v1/curves/strips.
type stripRow market.Strip

func (r *stripRow) cells(w *cellWriter) {
	curveCells(w, &r.Curve)
	w.str("price_type", r.PriceType)
	w.date("asof_date", r.AsofDate)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.Label)
	w.strList("months", r.Months)
	w.num("hours", r.Hours)
	w.num("mid", r.Mid)
	w.optStr("currency", r.Currency)
	w.optStr("per_unit", r.PerUnit)
}

// curvesStripsEndpoint is GET /v1/curves/strips: per curve, price type and
// QUARTER, SEASON or CALENDAR strip, the hour-weighted average of the
// strip's MONTHLY mids (market.Reader.Strips).
func (s *Server) curvesStripsEndpoint() *listEndpoint {
	return &listEndpoint{
		path: "/v1/curves/strips",
		// tenor_type is not a filter here: strips are built from MONTHLY rows.
		params:  params(without(curveFilterParams, "tenor_type"), pageParams, []param{asofParam, stripParam}),
		keyLen:  3,
		dataset: market.DatasetCurves,
		check: func(q *listQuery) error {
			switch {
			case q.strip == "":
				return InvalidParameter("type", "is required: QUARTER, SEASON or CALENDAR")
			case len(q.asof) > 1:
				return InvalidParameter("asof", "takes one date on this endpoint")
			}
			return nil
		},
		maxAge: func(q *listQuery) time.Duration { return s.maxAgeFor(q.asof...) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			var asof time.Time
			if len(q.asof) == 1 {
				asof = q.asof[0]
			}
			strips, next, err := s.market.Strips(ctx, q.filters, asof, q.strip, q.page())
			return tableOf(q.format, strips, next, err, func(x *market.Strip) row { return (*stripRow)(x) })
		},
	}
}
