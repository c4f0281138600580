package api

import (
	"context"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
)

// curveCells writes the identity and dimensions of a curve.
func curveCells(w *cellWriter, c *market.Curve) {
	w.str("curve_key", c.Key)
	w.str("asset_class", c.AssetClass)
	w.optStr("iso", c.ISO)
	w.optStr("region", c.Region)
	w.optStr("location", c.Location)
	w.optStr("market", c.Market)
	w.optStr("product", c.Product)
	w.optStr("block", c.Block)
	w.optStr("spark_location", c.Spark)
}

// curveRow is one observation of GET /v1/curves.
type curveRow market.CurvePoint

func (r *curveRow) cells(w *cellWriter) {
	w.repeat(0, r.Key, func() { w.str("curve_key", r.Key) })
	w.date("asof_date", r.AsofDate)
	w.repeat(1, r.Key, func() {
		w.str("asset_class", r.AssetClass)
		w.optStr("iso", r.ISO)
		w.optStr("region", r.Region)
		w.optStr("location", r.Location)
		w.optStr("market", r.Market)
		w.optStr("product", r.Product)
		w.optStr("block", r.Block)
		w.optStr("spark_location", r.Spark)
	})
	w.str("price_type", r.PriceType)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.TenorLabel)
	w.optDate("contract_month", r.ContractMonth)
	w.optNum("value", r.Value)
	w.optNum("bid", r.Bid)
	w.optNum("ask", r.Ask)
	w.optNum("mid", r.Mid)
	w.repeat(2, r.Key, func() {
		w.optStr("currency", r.Currency)
		w.optStr("per_unit", r.PerUnit)
		w.str("units_raw", r.UnitsRaw)
	})
	w.str("version_hash", (*market.CurvePoint)(r).VersionHash())
}

// curvesEndpoint is GET /v1/curves: observations as of dates, or the latest
// per curve, tenor and price type without asof (market.Reader.Curves).
func (s *Server) curvesEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/curves",
		params:  params(curveFilterParams, pageParams, []param{asofParam}),
		keyLen:  4,
		dataset: market.DatasetCurves,
		maxAge:  func(q *listQuery) time.Duration { return s.maxAgeFor(q.asof...) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			points, next, err := s.market.Curves(ctx, q.filters, q.asof, q.page())
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &curveRow{})
			t.grow(len(points) * 560) // a point's JSON, its curve's identity included, is ~530 bytes
			for i := range points {
				t.add((*curveRow)(&points[i]))
			}
			return t, next, nil
		},
	}
}
