package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// lmpMarkets are the IsoMarket symbols a market filter may name.
var lmpMarkets = []string{
	string(schemas.MarketDayAhead), string(schemas.MarketRealTime), string(schemas.MarketFifteenMinute),
	string(schemas.MarketFiveMinute), string(schemas.MarketHourAhead), string(schemas.MarketUnknown),
}

// lmpIntervals are the values of interval: raw prices, or their hourly and
// daily statistics (market.Reader.LMPBuckets).
var lmpIntervals = []string{"raw", "hourly", "daily"}

// lmpRow is a raw price of GET /v1/iso/lmp.
type lmpRow market.LMPPrice

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

// lmpBucketRow is an hourly or daily statistic of GET /v1/iso/lmp.
type lmpBucketRow market.LMPBucket

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
		if !slices.Contains(lmpIntervals, f.interval) {
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
// location and market in UTC buckets (interval=hourly, daily), in
// (location_id, market, interval_start or bucket) order
// (market.Reader.LMP, LMPBuckets). start and end bound interval_start, or
// the bucket's start.
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
		// The order is part of what cursors are bound to: those issued when
		// pages were in time order are refused rather than misread.
		sp.add("order", "location_id,market,time")
		return &listEndpoint{
			path:    sp.path(path),
			params:  pageParams,
			keyLen:  3,
			dataset: market.DatasetISO,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor(f.end) },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				mq := market.LMPQuery{ISO: f.iso, Locations: f.locations, Markets: f.markets, Start: f.start, End: f.end}
				if f.interval == "raw" {
					prices, next, err := s.market.LMP(ctx, mq, q.page())
					if err != nil {
						return nil, nil, err
					}
					t := newTable(q.format, &lmpRow{})
					for i := range prices {
						t.add((*lmpRow)(&prices[i]))
					}
					return t, next, nil
				}
				mq.Interval = f.interval
				buckets, next, err := s.market.LMPBuckets(ctx, mq, q.page())
				if err != nil {
					return nil, nil, err
				}
				t := newTable(q.format, &lmpBucketRow{})
				for i := range buckets {
					t.add((*lmpBucketRow)(&buckets[i]))
				}
				return t, next, nil
			},
		}, nil
	})
}
