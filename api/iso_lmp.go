package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/schemas"
)

// datasetISO is the data_version row of iso_lmp and iso_load (and so of
// the hourly and daily LMP aggregates derived from iso_lmp).
const datasetISO = "iso"

// lmpMarkets are the IsoMarket symbols a market filter may name.
var lmpMarkets = []string{
	string(schemas.MarketDayAhead), string(schemas.MarketRealTime), string(schemas.MarketFifteenMinute),
	string(schemas.MarketFiveMinute), string(schemas.MarketHourAhead), string(schemas.MarketUnknown),
}

// lmpIntervals are the values of interval and the relation each reads:
// raw prices, or the hourly and daily aggregates of migration 0006
// (continuous aggregates under TimescaleDB, views otherwise).
var lmpIntervals = map[string]string{"raw": "iso_lmp", "hourly": "iso_lmp_hourly", "daily": "iso_lmp_daily"}

// lmpRow is a raw price of GET /v1/iso/lmp.
type lmpRow struct {
	ISO, Market, LocationID                 string
	IntervalStart                           time.Time
	IntervalEnd                             *time.Time
	PriceTotal                              float64
	PriceEnergy, PriceCongestion, PriceLoss *float64
}

func (r *lmpRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.ISO, &r.Market, &r.LocationID, &r.IntervalStart, &r.IntervalEnd,
		&r.PriceTotal, &r.PriceEnergy, &r.PriceCongestion, &r.PriceLoss)
}

func (r *lmpRow) cells(w *cellWriter) {
	w.str("iso", r.ISO)
	w.str("market", r.Market)
	w.str("location_id", r.LocationID)
	w.instant("interval_start", r.IntervalStart)
	w.optInstant("interval_end", r.IntervalEnd)
	w.num("price_total", r.PriceTotal)
	w.optNum("price_energy", r.PriceEnergy)
	w.optNum("price_congestion", r.PriceCongestion)
	w.optNum("price_loss", r.PriceLoss)
}

func (r *lmpRow) key() []string {
	return []string{r.IntervalStart.UTC().Format(time.RFC3339Nano), r.Market, r.LocationID}
}

// lmpBucketRow is an hourly or daily statistic of GET /v1/iso/lmp.
type lmpBucketRow struct {
	ISO, Market, LocationID string
	Bucket                  time.Time
	Avg, Min, Max           float64
	Count                   int64
}

func (r *lmpBucketRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.ISO, &r.Market, &r.LocationID, &r.Bucket, &r.Avg, &r.Min, &r.Max, &r.Count)
}

func (r *lmpBucketRow) cells(w *cellWriter) {
	w.str("iso", r.ISO)
	w.str("market", r.Market)
	w.str("location_id", r.LocationID)
	w.instant("bucket", r.Bucket)
	w.num("avg", r.Avg)
	w.num("min", r.Min)
	w.num("max", r.Max)
	w.integer("count", r.Count)
}

func (r *lmpBucketRow) key() []string {
	return []string{r.Bucket.UTC().Format(time.RFC3339Nano), r.Market, r.LocationID}
}

// lmpFilters are the parsed filters of GET /v1/iso/lmp.
type lmpFilters struct {
	iso       string
	locations []string
	markets   []string
	interval  string
	timeRange
}

func parseLMPFilters(v url.Values) (*lmpFilters, error) {
	f := &lmpFilters{interval: "raw"}
	var err error
	if _, ok := v["iso"]; !ok {
		return nil, InvalidParameter("iso", fmt.Sprintf("is required (one of %s)", strings.Join(isoCodes, ", ")))
	}
	if f.iso, err = enumValue("iso", v["iso"], isoCodes); err != nil {
		return nil, err
	}
	if raw, ok := v["location_id"]; ok {
		if f.locations, err = listValues("location_id", raw); err != nil {
			return nil, err
		}
		f.locations = sortedDistinct(f.locations)
	}
	if raw, ok := v["market"]; ok {
		vals, err := listValues("market", raw)
		if err != nil {
			return nil, err
		}
		for i, m := range vals {
			vals[i] = strings.ToUpper(m)
			if !slices.Contains(lmpMarkets, vals[i]) {
				return nil, InvalidParameter("market", fmt.Sprintf("%q is not one of %s", m, strings.Join(lmpMarkets, ", ")))
			}
		}
		f.markets = sortedDistinct(vals)
	}
	if raw, ok := v["interval"]; ok {
		s, err := singleValue("interval", raw)
		if err != nil {
			return nil, err
		}
		f.interval = strings.ToLower(s)
		if _, ok := lmpIntervals[f.interval]; !ok {
			return nil, InvalidParameter("interval", fmt.Sprintf("must be raw, hourly or daily, not %q", s))
		}
	}
	if f.timeRange, err = parseTimeRange(v); err != nil {
		return nil, err
	}
	return f, nil
}

// isoLMPEndpoint is GET /v1/iso/lmp: the prices of one ISO (interval=raw,
// the default) or their hourly or daily avg, min, max and count per
// market and location in UTC buckets (interval=hourly, daily), in
// (interval_start or bucket, market, location_id) order. start and end
// bound interval_start, or the bucket's start.
func (s *Server) isoLMPEndpoint() echo.HandlerFunc {
	const path = "/v1/iso/lmp"
	return s.filteredHandler(path, []string{"end", "interval", "iso", "location_id", "market", "start"}, func(_ echo.Context, v url.Values) (*listEndpoint, error) {
		f, err := parseLMPFilters(v)
		if err != nil {
			return nil, err
		}
		var sp filterSpelling
		f.spell(&sp)
		sp.add("interval", f.interval)
		sp.add("iso", f.iso)
		sp.add("location_id", strings.Join(f.locations, ","))
		sp.add("market", strings.Join(f.markets, ","))
		return &listEndpoint{
			path:    sp.path(path),
			params:  pageParams,
			keyLen:  3,
			dataset: datasetISO,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor(f.end) },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				b, r := f.query(q)
				return s.collectPage(ctx, b, q, r)
			},
		}, nil
	})
}

// query builds the statement of a page and returns the row type it reads.
func (f *lmpFilters) query(q *listQuery) (*sqlBuilder, scannedRow) {
	b := &sqlBuilder{sql: &strings.Builder{}}
	timeCol := "bucket"
	var r scannedRow = &lmpBucketRow{}
	if f.interval == "raw" {
		timeCol = "interval_start"
		r = &lmpRow{}
		b.text(`SELECT iso_code, market, location_id, interval_start,
			coalesce(interval_end, interval_start + make_interval(mins => interval_minutes)),
			price_total, price_energy, price_congestion, price_loss FROM iso_lmp`)
	} else {
		b.text(`SELECT iso_code, market, location_id, bucket, price_avg, price_min, price_max, price_count FROM ` + lmpIntervals[f.interval])
	}
	b.text(" WHERE iso_code = ")
	b.arg(f.iso)
	if f.locations != nil {
		b.text(" AND location_id = ANY(")
		b.arg(f.locations)
		b.text(")")
	}
	if f.markets != nil {
		b.text(" AND market = ANY(")
		b.arg(f.markets)
		b.text(")")
	}
	f.where(b, timeCol)
	if q.after != nil {
		b.text(" AND (" + timeCol + ", market, location_id) > (")
		b.arg(q.after[0])
		b.text("::timestamptz, ")
		b.arg(q.after[1])
		b.text(", ")
		b.arg(q.after[2])
		b.text(")")
	}
	b.text(" ORDER BY " + timeCol + ", market, location_id LIMIT ")
	b.arg(q.limit + 1)
	return b, r
}
