package ercot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var ingest = time.Date(2025, 3, 13, 18, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func findLoad(t *testing.T, recs []schemas.IsoLoadRecord, area string, start time.Time, forecast bool) schemas.IsoLoadRecord {
	t.Helper()
	for _, r := range recs {
		if r.Area == area && r.IntervalStart.Equal(start) && r.Forecast == forecast {
			return r
		}
	}
	t.Fatalf("no %s record (forecast %v) at %s", area, forecast, start)
	return schemas.IsoLoadRecord{}
}

// countForecasts counts the actual and the forecast values of recs.
func countForecasts(recs []schemas.IsoLoadRecord) (actual, forecast int) {
	for _, r := range recs {
		if r.Forecast {
			forecast++
		} else {
			actual++
		}
	}
	return actual, forecast
}

func TestParseDocumentList(t *testing.T) {
	t.Parallel()
	docs, err := ParseDocumentList(collectortest.Fixture(t, "mis-IceDocListJsonWS-reportTypeId-12331-dam-spp.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Two CSV documents (the _xml twins are dropped), oldest first.
	if len(docs) != 2 || docs[0].DocID != "1281661396" || docs[1].DocID != "1282050068" {
		t.Fatalf("docs %+v", docs)
	}
	// 2026-10-03T12:32:39-05:00 is 17:32:39 UTC.
	if !docs[1].Published.Equal(time.Date(2026, 10, 3, 17, 32, 39, 0, time.UTC)) || docs[1].FriendlyName != "DAMSPNP4190_csv" {
		t.Errorf("newest %+v", docs[1])
	}

	docs, err = ParseDocumentList(collectortest.Fixture(t, "mis-IceDocListJsonWS-reportTypeId-13483.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 10 || docs[0].DocID != "1085162607" || docs[9].DocID != "1085279262" {
		t.Fatalf("13483: %d docs, first %+v", len(docs), docs[0])
	}
	for _, bad := range []string{`{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1",`, `{"error":"Service unavailable"}`, `<html/>`,
		`{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1","PublishDate":"yesterday"}}]}}`} {
		if _, err := ParseDocumentList([]byte(bad)); !errors.Is(err, collector.ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
	if docs, err := ParseDocumentList([]byte(`{"ListDocsByRptTypeRes":{"DocumentList":[]}}`)); err != nil || len(docs) != 0 {
		t.Errorf("empty list: %v %v", docs, err)
	}
}

func TestParseLoadForecast(t *testing.T) {
	t.Parallel()
	recs, err := ParseLoadForecast(collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	// 192 hours (8 days) x North, South, West, Houston, SystemTotal; the
	// header's "DSTFlag    " (trailing spaces) is not taken for a zone.
	if len(recs) != 192*5 {
		t.Fatalf("got %d records, want 960", len(recs))
	}
	areas := map[string]int{}
	for _, r := range recs {
		areas[r.Area]++
		if !r.Forecast || r.IsoCode != schemas.IsoERCOT || *r.IntervalMinutes != 60 || !r.IntervalEnd.Equal(r.IntervalStart.Add(time.Hour)) {
			t.Fatalf("record %+v", r)
		}
	}
	for _, a := range []string{"North", "South", "West", "Houston", ForecastZoneTotal} {
		if areas[a] != 192 {
			t.Errorf("area %s: %d records", a, areas[a])
		}
	}
	// 03/13/2025 hour ending 1:00 is 00:00-01:00 CDT (UTC-5): 05:00 UTC.
	if r := findLoad(t, recs, "North", utc(2025, 3, 13, 5), true); r.MW != 13005.493749755861875 {
		t.Errorf("North HE1 %v", r.MW)
	}
	if r := findLoad(t, recs, ForecastZoneTotal, utc(2025, 3, 13, 5), true); r.MW != 43797.76989746094 {
		t.Errorf("SystemTotal HE1 %v", r.MW)
	}
	// 03/20/2025 hour ending 24:00 is 23:00-24:00 CDT: 04:00 UTC on the 21st.
	if r := findLoad(t, recs, "Houston", utc(2025, 3, 21, 4), true); r.MW != 10665.48846171875 {
		t.Errorf("Houston 03/20 HE24 %v", r.MW)
	}
}

// A constructed NP3-560 file for the fall-back day of 2025 (November 2):
// 25 hours, hour ending 02:00 twice, the repeated one flagged DSTFlag Y.
func TestParseLoadForecastFallBack(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("DeliveryDate,HourEnding,North,SystemTotal,DSTFlag  \n")
	labels := []string{"01:00", "02:00", "02:00"}
	for h := 3; h <= 24; h++ {
		labels = append(labels, time.Date(0, 1, 1, h%24, 0, 0, 0, time.UTC).Format("15:04"))
	}
	labels[len(labels)-1] = "24:00"
	for i, l := range labels {
		flag := "N"
		if i == 2 {
			flag = "Y"
		}
		b.WriteString("11/02/2025," + l + "," + []string{"100", "200", "300"}[min(i, 2)] + ",1000," + flag + "\n")
	}
	recs, err := ParseLoadForecast([]byte(b.String()), ingest)
	if err != nil {
		t.Fatal(err)
	}
	var north []schemas.IsoLoadRecord
	for _, r := range recs {
		if r.Area == "North" {
			north = append(north, r)
		}
	}
	if len(north) != 25 {
		t.Fatalf("%d hours, want 25", len(north))
	}
	want := []struct {
		i     int
		start time.Time
		mw    float64
	}{
		{0, utc(2025, 11, 2, 5), 100},  // HE 01:00: 00:00 CDT
		{1, utc(2025, 11, 2, 6), 200},  // HE 02:00 N: 01:00 CDT
		{2, utc(2025, 11, 2, 7), 300},  // HE 02:00 Y: 01:00 CST, the repeated hour
		{3, utc(2025, 11, 2, 8), 300},  // HE 03:00: 02:00 CST
		{24, utc(2025, 11, 3, 5), 300}, // HE 24:00: 23:00 CST
	}
	for _, w := range want {
		if r := north[w.i]; !r.IntervalStart.Equal(w.start) || r.MW != w.mw {
			t.Errorf("hour %d: %s %v, want %s %v", w.i, r.IntervalStart, r.MW, w.start, w.mw)
		}
	}
	for i := 1; i < len(north); i++ {
		if north[i].IntervalStart.Sub(north[i-1].IntervalStart) != time.Hour {
			t.Errorf("gap or overlap between hour %d and %d", i-1, i)
		}
	}
}

func TestHourEndingSpringForward(t *testing.T) {
	t.Parallel()
	// 2025-03-09: clocks jump from 02:00 CST to 03:00 CDT; ERCOT's day has 23
	// hours and no hour ending 03:00.
	cases := []struct {
		he   string
		want time.Time
	}{
		{"01:00", utc(2025, 3, 9, 6)}, // 00:00 CST
		{"02:00", utc(2025, 3, 9, 7)}, // 01:00 CST
		{"04:00", utc(2025, 3, 9, 8)}, // 03:00 CDT
		{"24:00", utc(2025, 3, 10, 4)},
	}
	for _, c := range cases {
		oh, err := hourEnding("03/09/2025", c.he, "N")
		if err != nil || !oh.start.Equal(c.want) {
			t.Errorf("HE %s: %s %v, want %s", c.he, oh.start, err, c.want)
		}
	}
	if _, err := hourEnding("03/09/2025", "03:00", "N"); err == nil {
		t.Error("HE 03:00 on the spring-forward day accepted")
	}
	if _, err := hourEnding("03/13/2025", "05:00", "Y"); err == nil {
		t.Error("DSTFlag Y on an ordinary hour accepted")
	}
	csv := "DeliveryDate,HourEnding,North,DSTFlag\n03/09/2025,03:00,1,N\n"
	if _, err := ParseLoadForecast([]byte(csv), ingest); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("gap hour: %v, want ErrMalformed", err)
	}
}

func TestParseSolar(t *testing.T) {
	t.Parallel()
	recs, err := ParseSolar(collectortest.Fixture(t, "mis-np4-737-PVGRHRLYAVGACTNP4737.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Area != SolarArea {
			t.Fatalf("area %q", r.Area)
		}
	}
	// 200 rows: 200 STPPF forecasts, 48 actuals (later hours have none yet).
	if actual, forecast := countForecasts(recs); actual != 48 || forecast != 200 {
		t.Fatalf("%d actual, %d forecast; want 48, 200", actual, forecast)
	}
	// 03/11/2025 hour ending 14 is 13:00-14:00 CDT: 18:00 UTC.
	if r := findLoad(t, recs, SolarArea, utc(2025, 3, 11, 18), false); r.MW != 19440.92 {
		t.Errorf("actual %v", r.MW)
	}
	if r := findLoad(t, recs, SolarArea, utc(2025, 3, 11, 18), true); r.MW != 24108.1 {
		t.Errorf("forecast %v", r.MW)
	}
}

func TestParseDashboard(t *testing.T) {
	t.Parallel()
	recs, err := ParseDashboard(collectortest.Fixture(t, "dashboard-loadForecastVsActual.json"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	// Actuals: 24 of the previous day, 2 of the current; forecasts: 72.
	if actual, forecast := countForecasts(recs); actual != 26 || forecast != 72 {
		t.Fatalf("%d actual, %d forecast; want 26, 72", actual, forecast)
	}
	// previousDay hour ending 1 ("2024-11-24 01:00:00-0600", epoch
	// 1732431600000) is 00:00-01:00 CST: 06:00 UTC.
	r := findLoad(t, recs, SystemArea, utc(2024, 11, 24, 6), false)
	if r.MW != 42015.44 || !r.IntervalEnd.Equal(utc(2024, 11, 24, 7)) {
		t.Errorf("previous day HE1 actual %+v", r)
	}
	if r := findLoad(t, recs, SystemArea, utc(2024, 11, 24, 6), true); r.MW != 41916.4303 {
		t.Errorf("previous day HE1 forecast %v", r.MW)
	}
	// nextDay hour ending 24 ends 2024-11-27 00:00 CST = 06:00 UTC.
	if r := findLoad(t, recs, SystemArea, utc(2024, 11, 27, 5), true); r.MW != 43721.5094 {
		t.Errorf("next day HE24 forecast %v", r.MW)
	}
	for _, bad := range []string{`{"lastUpdated":"x","previousDay":{"data":[]}`, `{"lastUpdated":"x"}`, `[]`,
		`{"previousDay":{"data":[{"hourEnding":1}]},"currentDay":{"data":[]},"nextDay":{"data":[]}}`} {
		if _, err := ParseDashboard([]byte(bad), ingest); !errors.Is(err, collector.ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

// constructedDAMSPP is NOT real ERCOT data: a sample built for these tests
// in the NP4-190-CD CSV layout ERCOT documents (no real file of the report
// is among the fixtures), prices with the leading space real files carry.
const constructedDAMSPP = "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n" +
	"10/04/2026,01:00,HB_NORTH, 25.50,N\n" +
	"10/04/2026,01:00,LZ_HOUSTON, 27.10,N\n" +
	"10/04/2026,01:00,HB_BUSAVG, 26.00,N\n" +
	"10/04/2026,01:00,7RNCHSLR_ALL, 23.94,N\n" +
	"10/04/2026,24:00,HB_NORTH, 31.25,N\n"

func TestParseDAMSPPConstructed(t *testing.T) {
	t.Parallel()
	recs, err := ParseDAMSPP([]byte(constructedDAMSPP), nil, ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	r := recs[0]
	// 10/04/2026 HE 01:00 is 00:00-01:00 CDT: 05:00 UTC.
	if r.LocationID != "HB_NORTH" || r.LocationType != schemas.LocationHub || r.PriceTotal != 25.5 ||
		!r.IntervalStart.Equal(utc(2026, 10, 4, 5)) || !r.DeliveryDate.Equal(utc(2026, 10, 4, 0)) ||
		r.Market != schemas.MarketDayAhead || r.Currency != "USD" || r.UOM != "MWh" || r.PriceEnergy != nil || len(r.RecordHash) != 64 {
		t.Errorf("HB_NORTH HE1 %+v", r)
	}
	types := []schemas.LocationType{schemas.LocationHub, schemas.LocationZone, schemas.LocationAggregate, schemas.LocationNode, schemas.LocationHub}
	for i, r := range recs {
		if r.LocationType != types[i] {
			t.Errorf("%s: type %s, want %s", r.LocationID, r.LocationType, types[i])
		}
	}
	// HE 24:00 is 23:00 CDT on the 4th: 04:00 UTC on the 5th, same delivery date.
	if !recs[4].IntervalStart.Equal(utc(2026, 10, 5, 4)) || !recs[4].DeliveryDate.Equal(utc(2026, 10, 4, 0)) {
		t.Errorf("HE24 %+v", recs[4])
	}
	hubs, err := ParseDAMSPP([]byte(constructedDAMSPP), []string{"hb_north"}, ingest)
	if err != nil || len(hubs) != 2 {
		t.Errorf("filtered: %d records, %v", len(hubs), err)
	}
	for _, bad := range []string{"", "DeliveryDate,HourEnding,SettlementPoint\n", constructedDAMSPP[:120],
		"DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n10/04/2026,25:00,HB_NORTH,1,N\n"} {
		if _, err := ParseDAMSPP([]byte(bad), nil, ingest); !errors.Is(err, collector.ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestMalformedReports(t *testing.T) {
	t.Parallel()
	np3 := collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv")
	cases := map[string]func() error{
		"np3 truncated": func() error { _, err := ParseLoadForecast(np3[:len(np3)/2], ingest); return err },
		"np3 no DSTFlag": func() error {
			_, err := ParseLoadForecast([]byte("DeliveryDate,HourEnding,North\n"), ingest)
			return err
		},
		"np3 bad number": func() error {
			_, err := ParseLoadForecast([]byte("DeliveryDate,HourEnding,North,DSTFlag\n03/13/2025,1:00,abc,N\n"), ingest)
			return err
		},
		"np3 bad date": func() error {
			_, err := ParseLoadForecast([]byte("DeliveryDate,HourEnding,North,DSTFlag\n2025-03-13,1:00,1,N\n"), ingest)
			return err
		},
		"solar html": func() error { _, err := ParseSolar([]byte("<html>maintenance</html>"), ingest); return err },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := f(); !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
		})
	}
}
