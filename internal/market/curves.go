package market

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/sqlb"
	"github.com/aurum-energy/aurum/schemas"
)

// Curve filters: the index of each in a CurveFilter. Their names
// (CurveFilterNames) are the API's query parameters.
const (
	FilterCurveKey = iota
	FilterAssetClass
	FilterISO
	FilterLocation
	FilterMarket
	FilterProduct
	FilterBlock
	FilterTenorType
	FilterPriceType
	NumCurveFilters
)

// CurveFilterNames are the names of the curve filters, by index.
var CurveFilterNames = [NumCurveFilters]string{
	"curve_key", "asset_class", "iso", "location", "market", "product", "block", "tenor_type", "price_type",
}

// CurveFilter selects curves by their dimensions and observations by tenor
// type and price type: an entry per filter (see FilterCurveKey...), nil
// when the filter is absent. Values of one filter are alternatives; all
// filters apply. Values must be in the contract's case (lower-case
// asset_class and curve_key, upper-case tenor_type and price_type).
type CurveFilter [NumCurveFilters][]string

// Set sets the filter named name and reports whether there is one.
func (f *CurveFilter) Set(name string, values []string) bool {
	for i, n := range CurveFilterNames {
		if n == name {
			f[i] = values
			return true
		}
	}
	return false
}

// Any reports whether some filter is set.
func (f *CurveFilter) Any() bool {
	for _, v := range f {
		if v != nil {
			return true
		}
	}
	return false
}

// selective reports whether f names curves (by key or location) rather than
// a whole class of them: then a read selects its few curves by index first
// (curvesOf), where otherwise it walks the curve_key order and stops at a
// page.
func (f *CurveFilter) selective() bool {
	return f[FilterCurveKey] != nil || f[FilterLocation] != nil
}

// curvesOf writes the curves a read looks observations up for, aliased c:
// for a selective filter, the filtered curves from the curve_key from on
// (a placeholder; "" on a first page) in curve_key order behind a fence
// (OFFSET 0), so that even a generic plan picks the curve_key or location
// index for them, and a later page looks up no curve an earlier one has
// passed; otherwise the curve table, whose filters whereCurves adds (and
// whose keyset bound, keysetAfter's, its curve_key index serves).
func (f *CurveFilter) curvesOf(b *sqlb.Builder, from string) {
	if !f.selective() {
		b.Text("curve c")
		return
	}
	b.Text("(SELECT * FROM curve c WHERE TRUE")
	f.whereCurve(b)
	if from != "" {
		b.Text(" AND c.curve_key >= " + from)
	}
	b.Text(" ORDER BY c.curve_key OFFSET 0) c")
}

// whereCurves appends the dimension filters of a curve table curvesOf did
// not filter.
func (f *CurveFilter) whereCurves(b *sqlb.Builder) {
	if !f.selective() {
		f.whereCurve(b)
	}
}

// whereCurve appends the conditions of the dimension filters on the curve
// aliased c.
func (f *CurveFilter) whereCurve(b *sqlb.Builder) {
	for i, vals := range f[:FilterTenorType] {
		if vals != nil {
			b.Text(" AND c." + CurveFilterNames[i] + " = ANY(")
			b.Arg(vals, "::text[])")
		}
	}
}

// whereObservation appends the conditions of the tenor and price type
// filters on the observation aliased obs.
func (f *CurveFilter) whereObservation(b *sqlb.Builder, obs string) {
	if vals := f[FilterTenorType]; vals != nil {
		b.Text(" AND " + obs + ".tenor_type = ANY(")
		b.Arg(vals, "::text[]::curve_tenor_type[])")
	}
	if vals := f[FilterPriceType]; vals != nil {
		b.Text(" AND " + obs + ".price_type = ANY(")
		b.Arg(vals, "::text[]::curve_price_type[])")
	}
}

// Curve is a curve's identity, dimensions and units.
type Curve struct {
	Key                                                  string
	AssetClass                                           string
	ISO, Region, Location, Market, Product, Block, Spark *string
	Currency, PerUnit                                    *string
	UnitsRaw                                             string
}

// curveColumns are the columns of a Curve, of the curve aliased c.
const curveColumns = `c.curve_key, c.asset_class, c.iso, c.region, c.location, c.market, c.product, c.block,
	c.spark_location, c.currency, c.per_unit, c.units_raw`

func (c *Curve) fields() []any {
	return []any{&c.Key, &c.AssetClass, &c.ISO, &c.Region, &c.Location, &c.Market, &c.Product, &c.Block,
		&c.Spark, &c.Currency, &c.PerUnit, &c.UnitsRaw}
}

// CurvePoint is one observation of a curve: a price type of a tenor as of
// a date.
type CurvePoint struct {
	Curve
	AsofDate             time.Time
	PriceType, TenorType string
	TenorLabel           string
	ContractMonth        *time.Time
	Value, Bid, Ask, Mid *float64
}

// VersionHash is the point's version hash (curve.VersionHash): the hex
// SHA-256 of its content — identity, tenor, as-of date, price type, prices
// and the curve's units — as Aurum computes it for every record.
func (p *CurvePoint) VersionHash() string {
	return curve.VersionHash(&schemas.CurveObservation{
		CurveKey: p.Key, AsofDate: p.AsofDate, PriceType: schemas.PriceType(p.PriceType),
		TenorType: schemas.TenorType(p.TenorType), TenorLabel: p.TenorLabel, ContractMonth: p.ContractMonth,
		Value: p.Value, Bid: p.Bid, Ask: p.Ask, Mid: p.Mid, Currency: p.Currency, PerUnit: p.PerUnit,
		UnitsRaw: p.UnitsRaw,
	})
}

// pointColumns are the columns of a CurvePoint's observation, aliased o;
// pointScanner decodes them after curveColumns. The price and tenor types
// come as their enums, whose wire value in either format is the label:
// casting them to text cost a sixth of the database's work for a page.
const pointColumns = `o.asof_date, o.price_type, o.tenor_type, o.tenor_label,
	o.contract_month, o.value, o.bid, o.ask, o.mid`

// pointKey is the keyset of a CurvePoint: as-of date, curve_key, tenor
// label, price type.
func pointKey(p *CurvePoint) []string {
	return []string{p.AsofDate.Format(time.DateOnly), p.Key, p.TenorLabel, p.PriceType}
}

// Curves reads the observations of the curves f selects: as of each date
// of asof (sorted, distinct), in keyset order as-of date, curve_key, tenor
// label, price type; or, without asof, the latest observation per curve,
// tenor and price type, in the same order without the date (its keysets
// leave the date empty).
func (r *Reader) Curves(ctx context.Context, f CurveFilter, asof []time.Time, p Page) ([]CurvePoint, []string, error) {
	st := &r.curves
	if len(asof) > 1 {
		st = &r.asofs
	}
	rows, err := st.query(ctx, r.db, func(b *sqlb.Builder) {
		switch len(asof) {
		case 0:
			buildCurvesSQL(b, f, "", p)
		case 1:
			buildCurvesSQL(b, f, b.Param(asof[0])+"::date", p)
		default:
			buildAsofsSQL(b, f, asof, p)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	var ps pointScanner
	points, next, err := collect(rows, p.Limit, ps.scan, pointKey)
	if next != nil && len(asof) == 0 {
		next[0] = ""
	}
	return points, next, err
}

// buildCurvesSQL reads the observations of the curves f selects as of date
// (a placeholder), or their latest ones when date is "", in curve_key,
// tenor, price type order. Every read of an observation table is a LATERAL
// lookup of one curve's rows by primary key (observationsOf), so no plan
// can scan a whole observation table: the curve_key index (or a dimension
// index) finds the curves from the keyset on, and a page costs about its
// own rows.
//
// A selective read is not sorted as a whole: its few curves come in
// curve_key order (curvesOf) and each curve's observations in tenor and
// price type order (the ORDER BY of its LATERAL lookup, which the primary
// key serves for a date), and the nested loop of the join keeps both
// orders, so the page is in keyset order without sorting its wide rows —
// a third of the database's work for one curve's page. The plan tests
// check that no sort sits above the join.
func buildCurvesSQL(b *sqlb.Builder, f CurveFilter, date string, p Page) {
	var after []string // curve_key, tenor label, price type
	if p.After != nil {
		after = p.After[1:]
	}
	from := afterCurve(b, after)
	b.Text("SELECT " + curveColumns + ", " + pointColumns + " FROM ")
	f.curvesOf(b, from)
	b.Text(" CROSS JOIN LATERAL (")
	observationsOf(b, f, date, "")
	if f.selective() {
		b.Text(" ORDER BY tenor_label, price_type")
	}
	b.Text(lateralEnd + " o WHERE TRUE")
	f.whereCurves(b)
	if after != nil {
		keysetAfter(b, from, "o", after)
	}
	if !f.selective() {
		b.Text(" ORDER BY c.curve_key, o.tenor_label, o.price_type")
	}
	b.Text(" LIMIT ")
	b.Arg(p.Limit+1, "")
}

// observationsOf writes the body of the LATERAL lookup of the observations
// of the curve c that pass f's tenor and price type filters and cond (more
// conditions on o): those as of date (a placeholder), or, when date is "",
// the latest per tenor and price type — the curve's observations of its
// latest as-of date and its stale ones (curve_latest_stale). The ORDER BY
// makes TimescaleDB exclude, when the statement runs, the chunks that
// cannot hold the curve's latest date.
func observationsOf(b *sqlb.Builder, f CurveFilter, date, cond string) {
	if date != "" {
		b.Text("SELECT * FROM curve_observation o WHERE o.curve_id = c.id AND o.asof_date = " + date + cond)
		f.whereObservation(b, "o")
		return
	}
	b.Text("(SELECT * FROM curve_observation o WHERE o.curve_id = c.id AND o.asof_date = c.latest_asof" + cond)
	f.whereObservation(b, "o")
	b.Text(" ORDER BY o.asof_date) UNION ALL SELECT * FROM curve_latest_stale o WHERE o.curve_id = c.id" + cond)
	f.whereObservation(b, "o")
}

// afterCurve binds the curve_key of the keyset after (curve_key first) and
// returns its placeholder: the curve a page after it starts at. It returns
// "" for a first page (after nil).
func afterCurve(b *sqlb.Builder, after []string) string {
	if after == nil {
		return ""
	}
	return b.Param(after[0])
}

// keysetAfter appends the condition of the rows after the keyset after
// (curve_key, bound as key by afterCurve; tenor label; price type), in that
// order: the curve_key bound lets the curve index start there.
func keysetAfter(b *sqlb.Builder, key, obs string, after []string) {
	b.Text(" AND c.curve_key >= " + key + " AND (c.curve_key, " + obs + ".tenor_label, " + obs + ".price_type) > (" + key + ", ")
	b.Arg(after[1], ", ")
	b.Arg(after[2], "::text::curve_price_type)")
}

// buildAsofsSQL reads several as-of dates: per date, in the order of
// buildCurvesSQL, one page at most; the dates in order.
func buildAsofsSQL(b *sqlb.Builder, f CurveFilter, asof []time.Time, p Page) {
	dates := b.Param(asof)
	b.Text("SELECT x.* FROM unnest(" + dates + "::date[]) d(asof) CROSS JOIN LATERAL (SELECT " + curveColumns + ", " + pointColumns + " FROM ")
	f.curvesOf(b, "") // a later date starts again at the first curve
	b.Text(" CROSS JOIN LATERAL (SELECT * FROM curve_observation o WHERE o.curve_id = c.id AND o.asof_date = d.asof" +
		" AND o.asof_date = ANY(" + dates + "::date[])")

	f.whereObservation(b, "o")
	b.Text(lateralEnd + " o WHERE TRUE")
	f.whereCurves(b)
	var from string
	if p.After != nil {
		from = b.Param(p.After[0])
		key := b.Param(p.After[1])
		b.Text(" AND (d.asof > " + from + "::date OR c.curve_key >= " + key + ") AND (o.asof_date, c.curve_key, o.tenor_label, o.price_type) > (" +
			from + "::date, " + key + ", ")

		b.Arg(p.After[2], ", ")
		b.Arg(p.After[3], "::text::curve_price_type)")
	}
	limit := b.Param(p.Limit + 1)
	b.Text(" ORDER BY c.curve_key, o.tenor_label, o.price_type LIMIT " + limit + ") x")
	if p.After != nil {
		b.Text(" WHERE d.asof >= " + from + "::date")
	}
	b.Text(" ORDER BY x.asof_date, x.curve_key, x.tenor_label, x.price_type LIMIT " + limit)
}

// CurveDiff is the change of a curve tenor's mid between two as-of dates.
type CurveDiff struct {
	Curve
	PriceType, TenorType, TenorLabel string
	ContractMonth                    *time.Time
	AsofA, AsofB                     time.Time
	MidA, MidB                       *float64
}

func scanDiff(rows pgx.Rows, d *CurveDiff) error {
	return rows.Scan(append(d.fields(), &d.PriceType, &d.TenorType, &d.TenorLabel, &d.ContractMonth,
		&d.AsofA, &d.MidA, &d.AsofB, &d.MidB)...)
}

func diffKey(d *CurveDiff) []string {
	return []string{d.Key, d.TenorLabel, d.PriceType}
}

// Diffs reads, for the curves f selects, every tenor and price type
// observed on both dates a and b with its mids, in keyset order curve_key,
// tenor label, price type. Tenor type and contract month are b's.
func (r *Reader) Diffs(ctx context.Context, f CurveFilter, a, b time.Time, p Page) ([]CurveDiff, []string, error) {
	rows, err := r.diffs.query(ctx, r.db, func(sb *sqlb.Builder) {
		from := afterCurve(sb, p.After)
		sb.Text("SELECT " + curveColumns + `, x.price_type::text, x.tenor_type::text, x.tenor_label, x.contract_month,
	x.asof_a, x.mid_a, x.asof_b, x.mid_b
FROM `)

		f.curvesOf(sb, from)
		sb.Text(` CROSS JOIN LATERAL (
	SELECT a.price_type, b.tenor_type, a.tenor_label, b.contract_month, a.asof_date AS asof_a, a.mid AS mid_a,
	       b.asof_date AS asof_b, b.mid AS mid_b
	FROM curve_observation a JOIN curve_observation b ON b.curve_id = a.curve_id AND b.asof_date = `)

		sb.Arg(b, "::date")
		sb.Text(` AND b.tenor_label = a.tenor_label AND b.price_type = a.price_type
	WHERE a.curve_id = c.id AND a.asof_date = `)

		sb.Arg(a, "::date")
		f.whereObservation(sb, "a")
		sb.Text(lateralEnd + " x WHERE TRUE")
		f.whereCurves(sb)
		if p.After != nil {
			keysetAfter(sb, from, "x", p.After)
		}
		sb.Text(" ORDER BY c.curve_key, x.tenor_label, x.price_type LIMIT ")
		sb.Arg(p.Limit+1, "")
	})
	if err != nil {
		return nil, nil, err
	}
	return collect(rows, p.Limit, scanDiff, diffKey)
}
