package api

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// curveFilterParams are the dimension filters of DESIGN §9, accepted by
// every curve endpoint.
var curveFilterParams = filterColumns[:]

// pageParams are accepted by every paginated list endpoint.
var pageParams = []string{"cursor", "format", "limit"}

// params returns the sorted union of parameter lists.
func params(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return sortedDistinct(out)
}

// curveColumns are the CurveObservation fields a curve row carries, in the
// order curveRow scans them.
const curveColumns = `curve_key, asof_date, asset_class, iso, region, location, market, product, block,
	spark_location, price_type, tenor_type, tenor_label, contract_month, value, bid, ask, mid,
	currency, per_unit, units_raw, version_hash`

// curveIdentity is the identity of a curve (DESIGN §7), nulls as nil.
type curveIdentity struct {
	CurveKey      string
	AssetClass    string
	ISO           *string
	Region        *string
	Location      *string
	Market        *string
	Product       *string
	Block         *string
	SparkLocation *string
}

func (id *curveIdentity) cells(w *cellWriter) {
	w.str("curve_key", id.CurveKey)
	w.str("asset_class", id.AssetClass)
	w.optStr("iso", id.ISO)
	w.optStr("region", id.Region)
	w.optStr("location", id.Location)
	w.optStr("market", id.Market)
	w.optStr("product", id.Product)
	w.optStr("block", id.Block)
	w.optStr("spark_location", id.SparkLocation)
}

// curveRow is one observation of GET /v1/curves.
type curveRow struct {
	curveIdentity
	AsofDate      time.Time
	PriceType     string
	TenorType     string
	TenorLabel    string
	ContractMonth *time.Time
	Value         *float64
	Bid           *float64
	Ask           *float64
	Mid           *float64
	Currency      *string
	PerUnit       *string
	UnitsRaw      string
	VersionHash   string
}

func (r *curveRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.CurveKey, &r.AsofDate, &r.AssetClass, &r.ISO, &r.Region, &r.Location, &r.Market,
		&r.Product, &r.Block, &r.SparkLocation, &r.PriceType, &r.TenorType, &r.TenorLabel, &r.ContractMonth,
		&r.Value, &r.Bid, &r.Ask, &r.Mid, &r.Currency, &r.PerUnit, &r.UnitsRaw, &r.VersionHash)
}

func (r *curveRow) cells(w *cellWriter) {
	w.str("curve_key", r.CurveKey)
	w.date("asof_date", r.AsofDate)
	w.str("asset_class", r.AssetClass)
	w.optStr("iso", r.ISO)
	w.optStr("region", r.Region)
	w.optStr("location", r.Location)
	w.optStr("market", r.Market)
	w.optStr("product", r.Product)
	w.optStr("block", r.Block)
	w.optStr("spark_location", r.SparkLocation)
	w.str("price_type", r.PriceType)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.TenorLabel)
	w.optDate("contract_month", r.ContractMonth)
	w.optNum("value", r.Value)
	w.optNum("bid", r.Bid)
	w.optNum("ask", r.Ask)
	w.optNum("mid", r.Mid)
	w.optStr("currency", r.Currency)
	w.optStr("per_unit", r.PerUnit)
	w.str("units_raw", r.UnitsRaw)
	w.str("version_hash", r.VersionHash)
}

// key is the keyset position of the row: asof_date, curve_key, tenor_label,
// price_type (the latest query blanks asof_date, which it does not order by).
func (r *curveRow) key() []string {
	return []string{r.AsofDate.Format(time.DateOnly), r.CurveKey, r.TenorLabel, r.PriceType}
}

// curvesEndpoint is GET /v1/curves: observations as of dates, or the latest
// per curve, tenor and price type (curve_latest) without asof, in keyset
// order (asof_date,) curve_key, tenor_label, price_type.
func (s *Server) curvesEndpoint() *listEndpoint {
	st := &statements{build: buildCurvesSQL}
	return &listEndpoint{
		path:    "/v1/curves",
		params:  params(curveFilterParams, pageParams, []string{"asof"}),
		keyLen:  4,
		dataset: datasetCurves,
		maxAge:  func(q *listQuery) time.Duration { return s.maxAgeFor(q.asof...) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			rows, err := st.query(ctx, s.pool, q)
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &curveRow{})
			next, err := collect(rows, t, q.limit, &curveRow{})
			if next != nil && len(q.asof) == 0 {
				next[0] = ""
			}
			return t, next, err
		},
	}
}

// datasetCurves is the data_version row of curve_observation and curve_latest.
const datasetCurves = "curves"

func buildCurvesSQL(b *sqlBuilder, q *listQuery) {
	b.text("SELECT " + curveColumns)
	if len(q.asof) == 0 {
		b.text(" FROM curve_latest WHERE TRUE")
		b.filters(q, "")
		if q.after != nil {
			b.text(" AND (curve_key, tenor_label, price_type) > (")
			b.arg(q.after[1])
			b.text(", ")
			b.arg(q.after[2])
			b.text(", ")
			b.arg(q.after[3])
			b.text(")")
		}
		b.text(" ORDER BY curve_key, tenor_label, price_type LIMIT ")
		b.arg(q.limit + 1)
		return
	}
	if len(q.asof) == 1 {
		b.text(" FROM curve_observation WHERE asof_date = ")
		b.arg(q.asof[0])
		b.text("::date")
	} else {
		b.text(" FROM curve_observation WHERE asof_date = ANY(")
		b.arg(q.asof)
		b.text("::date[])")
	}
	b.filters(q, "")
	if q.after != nil {
		b.text(" AND (asof_date, curve_key, tenor_label, price_type) > (")
		b.arg(q.after[0])
		b.text("::date, ")
		b.arg(q.after[1])
		b.text(", ")
		b.arg(q.after[2])
		b.text(", ")
		b.arg(q.after[3])
		b.text(")")
	}
	b.text(" ORDER BY asof_date, curve_key, tenor_label, price_type LIMIT ")
	b.arg(q.limit + 1)
}
