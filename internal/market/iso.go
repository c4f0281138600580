package market

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/sqlb"
)

// LMPQuery selects the LMP prices of one ISO.
type LMPQuery struct {
	// ISO is the ISO code.
	ISO string
	// Locations and Markets keep the prices of those location ids and
	// markets (IsoMarket symbols); nil for all.
	Locations, Markets []string
	// Start and End bound the interval start, or the bucket's start: Start
	// inclusive, End exclusive; zero for unbounded.
	Start, End time.Time
	// Interval is the bucket width of LMPBuckets: "hourly" or "daily".
	Interval string
}

// LMPPrice is one price of a location in a market and interval.
type LMPPrice struct {
	ISO, Market, LocationID                 string
	IntervalStart                           time.Time
	IntervalEnd                             *time.Time
	PriceTotal                              float64
	PriceEnergy, PriceCongestion, PriceLoss *float64
}

// LMPBucket is the average, minimum, maximum and number of the prices of a
// location in a market and UTC hour or day.
type LMPBucket struct {
	ISO, Market, LocationID string
	Bucket                  time.Time
	Avg, Min, Max           float64
	Count                   int64
}

// lmpBuckets are the relations of the bucket widths: continuous aggregates
// under TimescaleDB, views otherwise (migration 0009).
var lmpBuckets = map[string]string{"hourly": "iso_lmp_hourly", "daily": "iso_lmp_daily"}

// LMP reads the prices q selects, in keyset order location_id, market,
// interval_start.
func (r *Reader) LMP(ctx context.Context, q LMPQuery, p Page) ([]LMPPrice, []string, error) {
	rows, err := r.lmpQuery(ctx, &r.lmp, q, p, "iso_lmp", "interval_start",
		"p.interval_start, p.interval_end, p.price_total, p.price_energy, p.price_congestion, p.price_loss")
	if err != nil {
		return nil, nil, err
	}
	scan := func(rows pgx.Rows, v *LMPPrice) error {
		return rows.Scan(&v.ISO, &v.Market, &v.LocationID, &v.IntervalStart, &v.IntervalEnd, &v.PriceTotal,
			&v.PriceEnergy, &v.PriceCongestion, &v.PriceLoss)
	}
	return collect(rows, p.Limit, scan, func(v *LMPPrice) []string {
		return []string{v.LocationID, v.Market, v.IntervalStart.UTC().Format(time.RFC3339Nano)}
	})
}

// LMPBuckets reads the hourly or daily (q.Interval) statistics of the
// prices q selects, in keyset order location_id, market, bucket.
func (r *Reader) LMPBuckets(ctx context.Context, q LMPQuery, p Page) ([]LMPBucket, []string, error) {
	rel, ok := lmpBuckets[q.Interval]
	if !ok {
		return nil, nil, fmt.Errorf("LMP buckets %q: want hourly or daily", q.Interval)
	}
	rows, err := r.lmpQuery(ctx, &r.buckets, q, p, rel, "bucket",
		"p.bucket, p.price_avg, p.price_min, p.price_max, p.price_count")
	if err != nil {
		return nil, nil, err
	}
	scan := func(rows pgx.Rows, v *LMPBucket) error {
		return rows.Scan(&v.ISO, &v.Market, &v.LocationID, &v.Bucket, &v.Avg, &v.Min, &v.Max, &v.Count)
	}
	return collect(rows, p.Limit, scan, func(v *LMPBucket) []string {
		return []string{v.LocationID, v.Market, v.Bucket.UTC().Format(time.RFC3339Nano)}
	})
}

// lmpQuery runs the read of q's rows of rel (iso_lmp or an aggregate),
// whose time column is timeCol, selecting the ISO, market and location id
// and then cols.
func (r *Reader) lmpQuery(ctx context.Context, st *statements, q LMPQuery, p Page, rel, timeCol, cols string) (pgx.Rows, error) {
	var after time.Time
	if p.After != nil {
		var err error
		if after, err = time.Parse(time.RFC3339Nano, p.After[2]); err != nil {
			return nil, fmt.Errorf("keyset %q: %w", p.After, err)
		}
	}
	return st.query(ctx, r.db, func(b *sqlb.Builder) { buildLMPSQL(b, q, p, after, rel, timeCol, cols) })
}

// buildLMPSQL reads a page of q's rows of rel. It walks the ISO's
// locations in location_id order (their unique key), each location's
// markets in order (iso_location.markets), and looks the rows of each
// location and market up in a LATERAL subquery in time order, by primary
// key: under TimescaleDB an ordered append that excludes, when it runs,
// the chunks out of the range and the keyset, and stops at the page's
// end. The keyset's bound on the time column applies to its own location
// and market only, so it is an index condition there and no condition
// elsewhere. On plain PostgreSQL the hourly and daily views aggregate a
// location and market's prices when read, and their bucket bounds are no
// index condition there: such a read costs the location's prices in the
// market, not the page.
func buildLMPSQL(b *sqlb.Builder, q LMPQuery, p Page, after time.Time, rel, timeCol, cols string) {
	b.Text("SELECT l.iso_code, m.market::text, l.location_id, " + cols +
		" FROM iso_location l CROSS JOIN LATERAL unnest(l.markets) m(market) CROSS JOIN LATERAL (SELECT * FROM " + rel +
		" p WHERE p.iso_location_id = l.id AND p.market = m.market")

	if !q.Start.IsZero() {
		b.Text(" AND p." + timeCol + " >= ")
		b.Arg(q.Start, "::timestamptz")
	}
	if !q.End.IsZero() {
		b.Text(" AND p." + timeCol + " < ")
		b.Arg(q.End, "::timestamptz")
	}
	var loc, market string
	if p.After != nil {
		loc, market = b.Param(p.After[0]), b.Param(p.After[1])
		b.Text(" AND p." + timeCol + " > CASE WHEN l.location_id = " + loc + "::text AND m.market = " + market +
			"::text::iso_market THEN ")

		b.Arg(after, "::timestamptz ELSE '-infinity' END")
	}
	limit := b.Param(p.Limit + 1)
	b.Text(" ORDER BY p." + timeCol + " LIMIT " + limit + lateralEnd + " p WHERE l.iso_code = ")
	b.Arg(q.ISO, "::text")
	if q.Locations != nil {
		b.Text(" AND l.location_id = ANY(")
		b.Arg(q.Locations, "::text[])")
	}
	if q.Markets != nil {
		b.Text(" AND m.market = ANY(")
		b.Arg(q.Markets, "::text[]::iso_market[])")
	}
	if p.After != nil {
		b.Text(" AND l.location_id >= " + loc + "::text AND (l.location_id, m.market) >= (" + loc + "::text, " +
			market + "::text::iso_market)")

	}
	b.Text(" ORDER BY l.location_id, m.market, p." + timeCol + " LIMIT " + limit)
}
