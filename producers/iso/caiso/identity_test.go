package caiso

import (
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// A CAISO load series is an area's actual load, or its forecast by one
// OASIS market run. The recorded 7-day-ahead answer holds eight areas in
// its first hour, each landing under its own area with its own load; the
// forecasts of one area by two market runs (the recorded 7DA rows and the
// same rows relabelled DAM, with other values) stay two series.
func TestSeriesKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	body := collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv")
	recs, err := ParseLoad(body, ingest)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 2, 19, 8, 0, 0, 0, time.UTC)
	hour := map[string]float64{}
	for _, r := range recs {
		if r.IntervalStart.Equal(start) {
			hour[r.Area] = r.MW
		}
	}
	if len(hour) != 8 || hour["AVA:7DA"] != 1275.14 || hour["AVRN:7DA"] == hour["AVA:7DA"] {
		t.Errorf("areas at HE1: %v", hour)
	}

	dam := strings.NewReplacer(",7DA,", ",DAM,", ",1275.14,", ",1301.5,").Replace(string(body))
	damRecs, err := ParseLoad([]byte(dam), ingest)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	for _, r := range recs {
		seen[[2]string{r.Area, r.IntervalStart.String()}] = true
	}
	for _, r := range damRecs {
		if seen[[2]string{r.Area, r.IntervalStart.String()}] {
			t.Fatalf("the DAM forecast of %s at %s has the identity of the 7DA one", r.Area, r.IntervalStart)
		}
	}
	if r := find(t, damRecs, "AVA:DAM", start); r.MW != 1301.5 || !r.Forecast {
		t.Errorf("AVA DAM forecast %+v", r)
	}
}

// OASIS CSVs are read by column name: their columns in any order give the
// same records.
func TestRecordsIgnoreColumnOrder(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"oasis-SLD_FCST-7DA.csv", "oasis-SLD_REN_FCST-DAM.csv"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			collectortest.SameWithShuffledColumns(t, collectortest.Fixture(t, file), 0, func(b []byte) ([]schemas.IsoLoadRecord, error) {
				return ParseLoad(b, ingest)
			})
		})
	}
}
