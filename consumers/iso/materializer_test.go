package iso_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/iso"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

var (
	day    = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	ingest = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
)

// price i is the i-th 5-minute real-time price of day at location.
func price(location string, i int, total float64) schemas.IsoLmpRecord {
	start := day.Add(time.Duration(i) * 5 * time.Minute)
	return schemas.IsoLmpRecord{
		IsoCode: schemas.IsoPJM, Market: schemas.MarketRealTime, DeliveryDate: day,
		IntervalStart: start, IntervalEnd: ptr(start.Add(5 * time.Minute)), IntervalMinutes: ptr(int32(5)),
		LocationID: location, LocationType: schemas.LocationHub,
		PriceTotal: total, PriceEnergy: ptr(total - 1), PriceCongestion: ptr(0.5), PriceLoss: nil,
		Currency: "USD", UOM: "MWh", IngestTS: ingest, RecordHash: fmt.Sprintf("%s-%d", location, i),
	}
}

func (e *env) lmpRecord(t *testing.T, p schemas.IsoLmpRecord) *kgo.Record {
	return e.Encode(t, topology.TopicIsoLmp, string(p.IsoCode)+":"+p.LocationID, p)
}

func (e *env) loadRecord(t *testing.T, l schemas.IsoLoadRecord) *kgo.Record {
	return e.Encode(t, topology.TopicIsoLoad, string(l.IsoCode)+":"+l.Area, l)
}

// TestLMPAndLoadMaterialize writes two hours of 5-minute prices and some
// load, dead-letters invalid records, and checks the rows, the hourly and
// daily aggregates and that a re-delivery changes nothing, not even the
// data version.
func TestLMPAndLoadMaterialize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var good []*kgo.Record
	// Hour 0: 10, 11, ..., 21; hour 1: 30, 32, ..., 52.
	for i := range 24 {
		v := 10 + float64(i)
		if i >= 12 {
			v = 30 + 2*float64(i-12)
		}
		good = append(good, e.lmpRecord(t, price("WESTERN HUB", i, v)))
	}
	good = append(good,
		e.loadRecord(t, schemas.IsoLoadRecord{IsoCode: schemas.IsoPJM, Area: "RTO", IntervalStart: day, MW: 90000, IngestTS: ingest}),
		e.loadRecord(t, schemas.IsoLoadRecord{IsoCode: schemas.IsoPJM, Area: "RTO", IntervalStart: day, MW: 91000, Forecast: true, IngestTS: ingest}))
	unknownISO := price("X", 0, 1)
	unknownISO.IsoCode = schemas.IsoUnknown
	noLocation := price("", 0, 1)
	nan := price("NAN", 0, math.NaN())
	recs := append(append([]*kgo.Record(nil), good...),
		e.lmpRecord(t, unknownISO), e.lmpRecord(t, noLocation), e.lmpRecord(t, nan),
		e.loadRecord(t, schemas.IsoLoadRecord{IsoCode: schemas.IsoPJM, IntervalStart: day, MW: 1, IngestTS: ingest}))
	e.Produce(t, recs...)

	stop := e.start(t)
	e.WaitCaughtUp(t, topology.GroupIsoMaterializer, topology.TopicIsoLmp, time.Minute)
	e.WaitCaughtUp(t, topology.GroupIsoMaterializer, topology.TopicIsoLoad, time.Minute)

	check := func(when string) {
		t.Helper()
		if n := e.Count(t, `SELECT count(*) FROM iso_lmp`); n != 24 {
			t.Errorf("%s: iso_lmp rows = %d, want 24", when, n)
		}
		if n := e.Count(t, `SELECT count(*) FROM iso_lmp WHERE price_loss IS NULL AND price_energy = price_total - 1
			AND interval_end = interval_start + interval '5 minutes'`); n != 24 {
			t.Errorf("%s: %d rows with the expected components, want 24", when, n)
		}
		if n := e.Count(t, `SELECT count(*) FROM iso_load WHERE (forecast AND mw = 91000) OR (NOT forecast AND mw = 90000)`); n != 2 {
			t.Errorf("%s: iso_load rows = %d, want an actual and a forecast", when, n)
		}
		type agg struct {
			bucket        time.Time
			avg, min, max float64
			count         int64
		}
		read := func(interval string) []agg {
			buckets, _, err := market.NewReader(e.Store.Pool()).LMPBuckets(materializertest.Context(t), market.LMPQuery{
				ISO: "PJM", Markets: []string{"REAL_TIME"}, Locations: []string{"WESTERN HUB"}, Interval: interval,
			}, market.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []agg
			for _, b := range buckets {
				out = append(out, agg{b.Bucket, b.Avg, b.Min, b.Max, b.Count})
			}
			return out
		}
		hourly := read("hourly")
		want := []agg{{day, 15.5, 10, 21, 12}, {day.Add(time.Hour), 41, 30, 52, 12}}
		if len(hourly) != 2 || !hourly[0].bucket.Equal(want[0].bucket) || !hourly[1].bucket.Equal(want[1].bucket) ||
			hourly[0].avg != 15.5 || hourly[0].min != 10 || hourly[0].max != 21 || hourly[0].count != 12 ||
			hourly[1].avg != 41 || hourly[1].min != 30 || hourly[1].max != 52 || hourly[1].count != 12 {
			t.Errorf("%s: hourly = %+v, want %+v", when, hourly, want)
		}
		daily := read("daily")
		if len(daily) != 1 || !daily[0].bucket.Equal(day) || daily[0].avg != 28.25 || daily[0].min != 10 || daily[0].max != 52 || daily[0].count != 24 {
			t.Errorf("%s: daily = %+v, want one bucket avg 28.25 min 10 max 52 count 24", when, daily)
		}
	}
	check("first delivery")
	if v := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'iso'`); v == 0 {
		t.Error("iso data version not bumped")
	}

	dl := append(e.DeadLetters(t, topology.TopicIsoLmpDLQ), e.DeadLetters(t, topology.TopicIsoLoadDLQ)...)
	got := map[string]int{}
	for _, r := range dl {
		got[materializertest.Reason(r)]++
	}
	want := map[string]int{
		"validate/" + iso.ReasonUnknownEnum:  1,
		"validate/" + iso.ReasonMissingField: 2,
		"validate/" + iso.ReasonInvalidValue: 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dead letters %v, want %v", got, want)
	}

	version := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'iso'`)
	e.Produce(t, good...)
	e.WaitCaughtUp(t, topology.GroupIsoMaterializer, topology.TopicIsoLmp, time.Minute)
	e.WaitCaughtUp(t, topology.GroupIsoMaterializer, topology.TopicIsoLoad, time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	check("re-delivery")
	if v := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'iso'`); v != version {
		t.Errorf("iso data version %d after a re-delivery of the same records, want %d", v, version)
	}
}
