package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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

// The parameters of GET /v1/iso/lmp besides iso and the time range.
var (
	locationIDParam = param{"location_id", func(q *listQuery, raw []string) (string, error) {
		vals, err := listValues("location_id", raw)
		q.lmp.Locations = sortedDistinct(vals)
		return strings.Join(q.lmp.Locations, ","), err
	}}
	lmpMarketParam = param{"market", func(q *listQuery, raw []string) (string, error) {
		vals, err := listValues("market", raw)
		if err != nil {
			return "", err
		}
		for i, m := range vals {
			vals[i] = strings.ToUpper(m)
			if !slices.Contains(lmpMarkets, vals[i]) {
				return "", InvalidParameter("market", fmt.Sprintf("%q is not one of %s", m, strings.Join(lmpMarkets, ", ")))
			}
		}
		q.lmp.Markets = sortedDistinct(vals)
		return strings.Join(q.lmp.Markets, ","), nil
	}}
	intervalParam = param{"interval", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("interval", raw)
		if err != nil {
			return "", err
		}
		q.lmp.Interval = strings.ToLower(v)
		if !slices.Contains(lmpIntervals, q.lmp.Interval) {
			return "", InvalidParameter("interval", fmt.Sprintf("must be raw, hourly or daily, not %q", v))
		}
		return q.lmp.Interval, nil
	}}
)

// isoLMPEndpoint is GET /v1/iso/lmp: the prices of one ISO (interval=raw,
// the default) or their hourly or daily avg, min, max and count per
// location and market in UTC buckets (interval=hourly, daily), in
// (location_id, market, interval_start or bucket) order
// (market.Reader.LMP, LMPBuckets). start and end bound interval_start, or
// the bucket's start.
func (s *Server) isoLMPEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/iso/lmp",
		params:  params(pageParams, rangeParams, []param{intervalParam, isoParam, locationIDParam, lmpMarketParam}),
		keyLen:  3,
		dataset: market.DatasetISO,
		check: func(q *listQuery) error {
			if q.iso == "" {
				return InvalidParameter("iso", fmt.Sprintf("is required (one of %s)", strings.Join(isoCodes, ", ")))
			}
			return checkRange(q)
		},
		maxAge: func(q *listQuery) time.Duration { return s.maxAgeFor(q.end) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			mq := q.lmp
			mq.ISO, mq.Start, mq.End = q.iso, q.start, q.end
			if mq.Interval == "" || mq.Interval == "raw" {
				mq.Interval = ""
				prices, next, err := s.market.LMP(ctx, mq, q.page())
				return tableOf(q.format, prices, next, err, func(x *market.LMPPrice) row { return (*lmpRow)(x) })
			}
			buckets, next, err := s.market.LMPBuckets(ctx, mq, q.page())
			return tableOf(q.format, buckets, next, err, func(x *market.LMPBucket) row { return (*lmpBucketRow)(x) })
		},
	}
}
