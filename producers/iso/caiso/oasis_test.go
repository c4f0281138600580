package caiso

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var ingest = time.Date(2025, 2, 21, 9, 30, 0, 0, time.UTC)

func find(t *testing.T, recs []schemas.IsoLoadRecord, area string, start time.Time) schemas.IsoLoadRecord {
	t.Helper()
	for _, r := range recs {
		if r.Area == area && r.IntervalStart.Equal(start) {
			return r
		}
	}
	t.Fatalf("no record for %s at %s", area, start)
	return schemas.IsoLoadRecord{}
}

func TestParseLoadSLDFCST7DA(t *testing.T) {
	t.Parallel()
	recs, err := ParseLoad(collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 200 {
		t.Fatalf("got %d records, want 200 (one per data row)", len(recs))
	}
	areas := map[string]int{}
	for i, r := range recs {
		areas[r.Area]++
		if r.IsoCode != schemas.IsoCAISO || !r.Forecast || r.IngestTS != ingest {
			t.Errorf("record %d: %+v", i, r)
		}
		if *r.IntervalMinutes != 60 || !r.IntervalEnd.Equal(r.IntervalStart.Add(time.Hour)) {
			t.Errorf("record %d: interval %s..%s (%d min)", i, r.IntervalStart, r.IntervalEnd, *r.IntervalMinutes)
		}
		if r.IntervalStart.Location() != time.UTC {
			t.Errorf("record %d: interval start not UTC: %s", i, r.IntervalStart)
		}
		if i > 0 && r.IntervalStart.Before(recs[i-1].IntervalStart) {
			t.Errorf("record %d not sorted by interval start", i)
		}
	}
	want := map[string]int{"AVA:7DA": 24, "AVRN:7DA": 24, "AZPS:7DA": 24, "BANC:7DA": 24, "BANCMID:7DA": 24, "BANCRDNG:7DA": 24,
		"BANCRSVL:7DA": 24, "BANCSMUD:7DA": 24, "BANCWASN:7DA": 8}
	if len(areas) != len(want) {
		t.Fatalf("areas %v, want %v", areas, want)
	}
	for a, n := range want {
		if areas[a] != n {
			t.Errorf("area %s: %d records, want %d", a, areas[a], n)
		}
	}
	// First data row: OPR_DT 2025-02-19 OPR_HR 1 is 00:00-01:00 PST, i.e.
	// 08:00-09:00 UTC, as INTERVALSTARTTIME_GMT says.
	r := find(t, recs, "AVA:7DA", time.Date(2025, 2, 19, 8, 0, 0, 0, time.UTC))
	if r.MW != 1275.14 {
		t.Errorf("AVA HE1 MW %v, want 1275.14", r.MW)
	}
	// OPR_HR 23 is 22:00-23:00 PST = 06:00 UTC the next day.
	if r := find(t, recs, "AVA:7DA", time.Date(2025, 2, 20, 6, 0, 0, 0, time.UTC)); r.MW != 1376.12 {
		t.Errorf("AVA HE23 MW %v, want 1376.12", r.MW)
	}
	if r := find(t, recs, "BANCWASN:7DA", time.Date(2025, 2, 19, 23, 0, 0, 0, time.UTC)); r.MW != 28.13 {
		t.Errorf("BANCWASN HE16 MW %v, want 28.13", r.MW)
	}
	if recs[0].IntervalStart != time.Date(2025, 2, 19, 8, 0, 0, 0, time.UTC) ||
		recs[len(recs)-1].IntervalStart != time.Date(2025, 2, 20, 7, 0, 0, 0, time.UTC) {
		t.Errorf("span %s..%s", recs[0].IntervalStart, recs[len(recs)-1].IntervalStart)
	}
}

func TestParseLoadSLDRENFCSTDAM(t *testing.T) {
	t.Parallel()
	recs, err := ParseLoad(collectortest.Fixture(t, "oasis-SLD_REN_FCST-DAM.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 200 {
		t.Fatalf("got %d records, want 200", len(recs))
	}
	areas := map[string]int{}
	for _, r := range recs {
		areas[r.Area]++
		if !r.Forecast {
			t.Errorf("DAM record not a forecast: %+v", r)
		}
	}
	want := map[string]int{"NP15_SOLAR:DAM": 48, "NP15_WIND:DAM": 48, "SP15_SOLAR:DAM": 32, "SP15_WIND:DAM": 24, "ZP26_SOLAR:DAM": 24, "ZP26_WIND:DAM": 24}
	for a, n := range want {
		if areas[a] != n {
			t.Errorf("area %s: %d records, want %d", a, areas[a], n)
		}
	}
	// OPR_DT 2025-02-04 OPR_HR 12 is 11:00-12:00 PST = 19:00 UTC.
	if r := find(t, recs, "SP15_WIND:DAM", time.Date(2025, 2, 4, 19, 0, 0, 0, time.UTC)); r.MW != 1181.01 {
		t.Errorf("SP15 wind HE12 MW %v, want 1181.01", r.MW)
	}
	// Night-time solar is a real zero, kept as 0.
	if r := find(t, recs, "NP15_SOLAR:DAM", time.Date(2025, 2, 5, 7, 0, 0, 0, time.UTC)); r.MW != 0 {
		t.Errorf("NP15 solar HE24 MW %v, want 0", r.MW)
	}
}

func TestParseLoadActualAndMissing(t *testing.T) {
	t.Parallel()
	csv := "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,MARKET_RUN_ID,TAC_AREA_NAME,MW\n" +
		"2024-11-03T08:00:00-00:00,2024-11-03T09:00:00-00:00,ACTUAL,CA ISO-TAC,20100.5\n" +
		"2024-11-03T09:00:00-00:00,2024-11-03T10:00:00-00:00,ACTUAL,CA ISO-TAC,\n" +
		"2024-11-03T09:05:00-00:00,2024-11-03T09:10:00-00:00,RTM,CA ISO-TAC,19000\n"
	recs, err := ParseLoad([]byte(csv), ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2 (the empty MW stays missing)", len(recs))
	}
	if recs[0].Forecast || recs[0].MW != 20100.5 || recs[0].Area != "CA ISO-TAC" {
		t.Errorf("actual row: %+v", recs[0])
	}
	if !recs[1].Forecast || *recs[1].IntervalMinutes != 5 || recs[1].Area != "CA ISO-TAC:RTM" {
		t.Errorf("RTM row: %+v", recs[1])
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	good := collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv")
	cases := []struct {
		name string
		csv  string
	}{
		{"empty", ""},
		{"no MW column", "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,MARKET_RUN_ID,TAC_AREA_NAME\n"},
		{"truncated row", string(good[:300])},
		{"bad number", "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,MARKET_RUN_ID,TAC_AREA_NAME,MW\n2025-02-19T08:00:00-00:00,2025-02-19T09:00:00-00:00,7DA,AVA,12x\n"},
		{"bad time", "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,MARKET_RUN_ID,TAC_AREA_NAME,MW\n2025-02-19 08:00,2025-02-19T09:00:00-00:00,7DA,AVA,12\n"},
		{"html", "<html><body>Service unavailable</body></html>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseLoad([]byte(c.csv), ingest); !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
		})
	}
}

// TestUnzipRefusesAZipBomb: see collectortest.RefusesZipBombs.
func TestUnzipRefusesAZipBomb(t *testing.T) {
	t.Parallel()
	collectortest.RefusesZipBombs(t, "SLD_FCST.csv", Unzip)
}

func TestUnzip(t *testing.T) {
	t.Parallel()
	csv := collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv")
	got, err := Unzip(collectortest.Zip("20250219_20250227_SLD_FCST_7DA_20250221_01_09_58_v1.csv", csv))
	if err != nil || !bytes.Equal(got, csv) {
		t.Fatalf("unzip: %v", err)
	}

	// OASIS reports errors as an XML file in the zip.
	report := `<?xml version="1.0" encoding="UTF-8"?><m:OASISReport xmlns:m="http://www.caiso.com/soa/OASISReport_v1.xsd"><m:RTO><m:ERROR><m:ERR_CODE>%s</m:ERR_CODE><m:ERR_DESC>%s</m:ERR_DESC></m:ERROR></m:RTO></m:OASISReport>`
	noData := collectortest.Zip("INVALID_REQUEST.xml", fmt.Appendf(nil, report, "1000", "No data returned for the specified selection"))
	if _, err := Unzip(noData); !errors.Is(err, errNoData) {
		t.Errorf("ERR_CODE 1000: %v, want errNoData", err)
	}
	tooLong := collectortest.Zip("INVALID_REQUEST.xml", fmt.Appendf(nil, report, "1004", "The request exceeds the maximum 31 days"))
	_, err = Unzip(tooLong)
	if !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), "maximum 31 days") {
		t.Errorf("ERR_CODE 1004: %v, want ErrMalformed with the provider's message", err)
	}
	if _, err := Unzip([]byte("<html>504 Gateway Time-out</html>")); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("not a zip: %v", err)
	}
	whole := collectortest.Zip("x.csv", csv)
	if _, err := Unzip(whole[:len(whole)/2]); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("truncated zip: %v", err)
	}
}
