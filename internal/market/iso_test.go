package market_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// isoDay is the delivery day of the ISO fixture.
var isoDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// lmpPrices returns the LMP fixture of day: two hours of 5-minute PJM
// real-time prices at WEST (with an interval length, no end) and EAST
// (without price_loss), WEST's hourly day-ahead prices (with an end), and
// one CAISO price without end or length; shift moves every price.
func lmpPrices(day time.Time, shift float64) []*schemas.IsoLmpRecord {
	var out []*schemas.IsoLmpRecord
	ingest := day.Add(-6 * time.Hour)
	for _, loc := range []string{"WEST", "EAST"} {
		for i := range 24 {
			total := 10 + float64(i) + shift
			if loc == "EAST" {
				total = 100 + shift
			}
			p := &schemas.IsoLmpRecord{
				IsoCode: schemas.IsoPJM, Market: schemas.MarketRealTime, DeliveryDate: day,
				IntervalStart: day.Add(time.Duration(i) * 5 * time.Minute), IntervalMinutes: ptr(int32(5)),
				LocationID: loc, LocationName: ptr(loc + " HUB"), LocationType: schemas.LocationHub,
				PriceTotal: total, PriceEnergy: ptr(20.0), PriceCongestion: ptr(1.0), PriceLoss: ptr(0.5),
				Currency: "USD", UOM: "MWh", IngestTS: ingest, RecordHash: fmt.Sprintf("%s-%d", loc, i),
			}
			if loc == "EAST" {
				p.PriceLoss = nil
			}
			out = append(out, p)
		}
	}
	for h := range 2 {
		start := day.Add(time.Duration(h) * time.Hour)
		out = append(out, &schemas.IsoLmpRecord{
			IsoCode: schemas.IsoPJM, Market: schemas.MarketDayAhead, DeliveryDate: day,
			IntervalStart: start, IntervalEnd: ptr(start.Add(time.Hour)),
			LocationID: "WEST", LocationName: ptr("WEST HUB"), LocationType: schemas.LocationHub,
			PriceTotal: 25 + float64(h) + shift, Currency: "USD", UOM: "MWh", IngestTS: ingest,
			RecordHash: fmt.Sprintf("da-%d", h),
		})
	}
	out = append(out, &schemas.IsoLmpRecord{
		IsoCode: schemas.IsoCAISO, Market: schemas.MarketRealTime, DeliveryDate: day, IntervalStart: day,
		LocationID: "TH_NP15", LocationType: schemas.LocationHub, PriceTotal: 40 + shift,
		Currency: "USD", UOM: "MWh", IngestTS: ingest, RecordHash: "caiso",
	})
	return out
}

// loadValues returns the load fixture of day: PJM's RTO actual and
// forecast load of two hours, and ERCOT's actual load of one.
func loadValues(day time.Time, shift float64) []*schemas.IsoLoadRecord {
	ingest := day.Add(-6 * time.Hour)
	var out []*schemas.IsoLoadRecord
	for h := range 2 {
		start := day.Add(time.Duration(h) * time.Hour)
		out = append(out,
			&schemas.IsoLoadRecord{IsoCode: schemas.IsoPJM, Area: "RTO", IntervalStart: start, IntervalMinutes: ptr(int32(60)),
				MW: 90000 + shift, IngestTS: ingest},
			&schemas.IsoLoadRecord{IsoCode: schemas.IsoPJM, Area: "RTO", IntervalStart: start, IntervalEnd: ptr(start.Add(time.Hour)),
				MW: 91000 + shift, Forecast: true, IngestTS: ingest})
	}
	return append(out, &schemas.IsoLoadRecord{IsoCode: schemas.IsoERCOT, Area: "SYSTEM", IntervalStart: day, MW: 41000 + shift, IngestTS: ingest})
}

// writeISO writes prices and load as the materialiser does, in one
// transaction.
func writeISO(t testing.TB, st *store.Store, lmp []*schemas.IsoLmpRecord, load []*schemas.IsoLoadRecord) {
	t.Helper()
	err := st.InTx(ctx(t), func(tx pgx.Tx) error { return market.WriteISO(ctx(t), tx, lmp, load) })
	if err != nil {
		t.Fatalf("write ISO: %v", err)
	}
}

// allLMP reads every page of LMP.
func allLMP(t testing.TB, r *market.Reader, q market.LMPQuery, limit int) []market.LMPPrice {
	t.Helper()
	return allPages(t, limit, func(p market.Page) ([]market.LMPPrice, []string, error) { return r.LMP(ctx(t), q, p) })
}

// allBuckets reads every page of LMPBuckets.
func allBuckets(t testing.TB, r *market.Reader, q market.LMPQuery, limit int) []market.LMPBucket {
	t.Helper()
	return allPages(t, limit, func(p market.Page) ([]market.LMPBucket, []string, error) { return r.LMPBuckets(ctx(t), q, p) })
}

// allPages reads every page of read.
func allPages[T any](t testing.TB, limit int, read func(market.Page) ([]T, []string, error)) []T {
	t.Helper()
	var out []T
	p := market.Page{Limit: limit}
	for range 100_000 {
		page, next, err := read(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == nil {
			return out
		}
		p.After = next
	}
	t.Fatal("the read does not end")
	return nil
}

// bucketsOf computes LMPBuckets from prices in Go: per location, market
// and UTC hour or day from start on, in the reads' order.
func bucketsOf(prices []market.LMPPrice, width time.Duration, start time.Time) []market.LMPBucket {
	var (
		out  []market.LMPBucket
		sums []float64
	)
	for _, p := range prices {
		b := p.IntervalStart.UTC().Truncate(width)
		if b.Before(start) {
			continue
		}
		i := slices.IndexFunc(out, func(x market.LMPBucket) bool {
			return x.LocationID == p.LocationID && x.Market == p.Market && x.Bucket.Equal(b)
		})
		if i < 0 {
			out = append(out, market.LMPBucket{ISO: p.ISO, Market: p.Market, LocationID: p.LocationID, Bucket: b,
				Min: p.PriceTotal, Max: p.PriceTotal})
			sums = append(sums, 0)
			i = len(out) - 1
		}
		x := &out[i]
		sums[i] += p.PriceTotal
		x.Count++
		x.Avg = sums[i] / float64(x.Count)
		x.Min, x.Max = min(x.Min, p.PriceTotal), max(x.Max, p.PriceTotal)
	}
	return out
}

// bucketKeys spells buckets as "location market bucket avg min max count"
// in read order.
func bucketKeys(buckets []market.LMPBucket) []string {
	out := make([]string, len(buckets))
	for i, b := range buckets {
		out[i] = fmt.Sprintf("%s %s %s %s %v %v %v %d", b.ISO, b.LocationID, b.Market, b.Bucket.UTC().Format(time.RFC3339),
			b.Avg, b.Min, b.Max, b.Count)
	}
	return out
}

// lmpKeys spells prices as "location market start price" in read order.
func lmpKeys(prices []market.LMPPrice) []string {
	out := make([]string, len(prices))
	for i, p := range prices {
		out[i] = fmt.Sprintf("%s %s %s %v", p.LocationID, p.Market, p.IntervalStart.UTC().Format("15:04"), p.PriceTotal)
	}
	return out
}

// TestLMPReads: the order is location_id, market, interval_start; pages of
// any size read the same rows; filters and the range select; an interval's
// end is the record's, or its start plus its length.
func TestLMPReads(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		writeISO(t, st, lmpPrices(isoDay, 0), loadValues(isoDay, 0))
		r := market.NewReader(st.Pool())
		all := allLMP(t, r, market.LMPQuery{ISO: "PJM"}, 1000)
		if len(all) != 50 {
			t.Fatalf("%d PJM prices, want 50", len(all))
		}
		keys := lmpKeys(all)
		if want := []string{"EAST REAL_TIME 00:00 100", "EAST REAL_TIME 00:05 100"}; !slices.Equal(keys[:2], want) {
			t.Errorf("first rows %v, want %v", keys[:2], want)
		}
		if want := []string{"WEST DAY_AHEAD 00:00 25", "WEST DAY_AHEAD 01:00 26", "WEST REAL_TIME 00:00 10"}; !slices.Equal(keys[24:27], want) {
			t.Errorf("rows 24..26 %v, want %v", keys[24:27], want)
		}
		da, east := all[24], all[0]
		if da.ISO != "PJM" || da.IntervalEnd == nil || !da.IntervalEnd.Equal(isoDay.Add(time.Hour)) || da.PriceEnergy != nil {
			t.Errorf("day-ahead price %+v", da)
		}
		if east.IntervalEnd == nil || !east.IntervalEnd.Equal(isoDay.Add(5*time.Minute)) || east.PriceLoss != nil || *east.PriceCongestion != 1 {
			t.Errorf("EAST price (end from the interval length) %+v", east)
		}
		for _, limit := range []int{1, 7, 24, 49} {
			if got := allLMP(t, r, market.LMPQuery{ISO: "PJM"}, limit); firstDifference(all, got) != "" {
				t.Errorf("pages of %d: %s", limit, firstDifference(all, got))
			}
		}
		caiso := allLMP(t, r, market.LMPQuery{ISO: "CAISO"}, 10)
		if len(caiso) != 1 || caiso[0].IntervalEnd != nil {
			t.Errorf("CAISO prices %+v, want one without end", caiso)
		}
		for _, tc := range []struct {
			name string
			q    market.LMPQuery
			n    int
		}{
			{"location", market.LMPQuery{ISO: "PJM", Locations: []string{"WEST"}}, 26},
			{"market", market.LMPQuery{ISO: "PJM", Markets: []string{"REAL_TIME"}}, 48},
			{"both and a start", market.LMPQuery{ISO: "PJM", Locations: []string{"EAST", "WEST"}, Markets: []string{"REAL_TIME"}, Start: isoDay.Add(time.Hour)}, 24},
			{"end", market.LMPQuery{ISO: "PJM", End: isoDay.Add(10 * time.Minute)}, 5},
			{"after the data", market.LMPQuery{ISO: "PJM", Start: isoDay.AddDate(0, 0, 1)}, 0},
			{"unknown location", market.LMPQuery{ISO: "PJM", Locations: []string{"NOWHERE"}}, 0},
			{"an ISO without prices", market.LMPQuery{ISO: "ERCOT"}, 0},
		} {
			for _, limit := range []int{3, 100} {
				if got := allLMP(t, r, tc.q, limit); len(got) != tc.n {
					t.Errorf("%s, pages of %d: %d prices, want %d", tc.name, limit, len(got), tc.n)
				}
			}
		}
	})
}

// TestLMPBucketsMatchPrices: the hourly and daily reads are the statistics
// of the raw prices right after each write — a first load, a later day, a
// correction — whether or not the continuous aggregates were refreshed
// since. Under TimescaleDB, real-time aggregation computes the buckets the
// refresh policy has not materialised yet; a correction of a bucket it
// has shows once the policy runs again (every 15 minutes for hours, every
// hour for days), as here after the refresh.
func TestLMPBucketsMatchPrices(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		r := market.NewReader(st.Pool())
		ts := timescale(t, st)
		check := func(when string) {
			t.Helper()
			for _, q := range []market.LMPQuery{{ISO: "PJM"}, {ISO: "PJM", Markets: []string{"REAL_TIME"}, Start: isoDay.Add(time.Hour)}} {
				prices := allLMP(t, r, market.LMPQuery{ISO: q.ISO, Markets: q.Markets}, 1000)
				for _, b := range []struct {
					interval string
					width    time.Duration
				}{{"hourly", time.Hour}, {"daily", 24 * time.Hour}} {
					q.Interval = b.interval
					want := bucketsOf(prices, b.width, q.Start)
					if len(want) == 0 && (q.Start.IsZero() || b.interval == "hourly") {
						t.Fatalf("%s: no %s buckets", when, b.interval)
					}
					got := allBuckets(t, r, q, 3)
					if d := firstDifference(bucketKeys(want), bucketKeys(got)); d != "" {
						t.Errorf("%s, %s from %s: %s", when, b.interval, q.Start.Format(time.TimeOnly), d)
					}
				}
			}
		}
		refresh := func() {
			if ts {
				refreshAggregates(t, st)
			}
		}
		writeISO(t, st, lmpPrices(isoDay, 0), nil)
		check("after the first write")
		refresh()
		check("after a refresh")
		writeISO(t, st, lmpPrices(isoDay.AddDate(0, 0, 1), 3), nil)
		check("after a later day")
		fix := lmpPrices(isoDay, 0)[30]
		fix.PriceTotal = 500
		writeISO(t, st, []*schemas.IsoLmpRecord{fix}, nil)
		if !ts {
			check("after a correction")
		}
		refresh()
		check("after a correction and a refresh")
		writeISO(t, st, lmpPrices(isoDay.AddDate(0, 0, 2), 5), nil)
		check("after a later day again")
	})
}

// refreshAggregates materialises the LMP aggregates, as their refresh
// policies do, waiting for a refresh the policies run meanwhile.
func refreshAggregates(t testing.TB, st *store.Store) {
	t.Helper()
	for _, view := range []string{"iso_lmp_hourly", "iso_lmp_daily"} {
		for try := 0; ; try++ {
			_, err := st.Pool().Exec(ctx(t), `CALL refresh_continuous_aggregate($1, NULL, NULL)`, view)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "55P03" && try < 100 { // a concurrent refresh
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Fatalf("refresh %s: %v", view, err)
			}
			break
		}
	}
}
