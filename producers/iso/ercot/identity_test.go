package ercot

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// loadSeries is the identity of a load series: its area, and whether it
// is a forecast.
type loadSeries struct {
	area     string
	forecast bool
}

// An ERCOT load series is a report's area, actual or forecast. The
// recorded NP3-560 answer holds four zones and their system total per
// hour, each under its own area; the dashboard's system load and forecast
// are two more series. NP3-560's system total and the dashboard's
// forecast are different reports: they do not share an identity, so
// neither overwrites the other.
func TestSeriesKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	zones, err := ParseLoadForecast(collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	hour := map[string]float64{}
	for _, r := range zones {
		if r.IntervalStart.Equal(utc(2025, 3, 13, 5)) {
			hour[r.Area] = r.MW
		}
	}
	if len(hour) != 5 || hour["North"] != 13005.493749755861875 || hour["South"] != 10953.516855712890625 || hour[ForecastZoneTotal] != 43797.76989746094 {
		t.Errorf("NP3-560 HE1: %v", hour)
	}
	dash, err := ParseDashboard(collectortest.Fixture(t, "dashboard-loadForecastVsActual.json"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[loadSeries]bool{}
	for _, r := range zones {
		ids[loadSeries{r.Area, r.Forecast}] = true
	}
	for _, r := range dash {
		if ids[loadSeries{r.Area, r.Forecast}] {
			t.Fatalf("dashboard series %s (forecast %v) is also an NP3-560 series", r.Area, r.Forecast)
		}
	}
	if a, f := findLoad(t, dash, SystemArea, utc(2024, 11, 24, 6), false), findLoad(t, dash, SystemArea, utc(2024, 11, 24, 6), true); a.MW != 42015.44 || f.MW != 41916.4303 {
		t.Errorf("dashboard HE1: actual %v, forecast %v", a.MW, f.MW)
	}
}

// Where NP3-560 lists several forecast models per hour, only the one in
// use is ERCOT's forecast; the others would land on the same areas and
// hours. Constructed: the recorded file with Model and InUseFlag columns,
// each hour twice, model E in use and A3 not, with other values.
func TestLoadForecastKeepsTheModelInUse(t *testing.T) {
	t.Parallel()
	lines := strings.Split(strings.TrimRight(string(collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv")), "\r\n"), "\n")
	var b strings.Builder
	b.WriteString(strings.Replace(lines[0], "DSTFlag", "Model,InUseFlag,DSTFlag", 1) + "\n")
	for _, l := range lines[1:] {
		cells := strings.Split(strings.TrimRight(l, "\r"), ",")
		n := len(cells) - 1
		other := append([]string{}, cells...)
		other[2] = "1"
		b.WriteString(strings.Join(append(other[:n:n], "A3", "N", cells[n]), ",") + "\n")
		b.WriteString(strings.Join(append(cells[:n:n], "E", "Y", cells[n]), ",") + "\n")
	}
	recs, err := ParseLoadForecast([]byte(b.String()), ingest)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseLoadForecast(collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv"), ingest)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("%d records, want the %d of the model in use", len(recs), len(want))
	}
}

// ERCOT's reports are read by column name and its JSON by key: either in
// any order gives the same records.
func TestRecordsIgnoreColumnAndKeyOrder(t *testing.T) {
	t.Parallel()
	csvs := []struct {
		name  string
		body  []byte
		parse func([]byte, time.Time) ([]schemas.IsoLoadRecord, error)
	}{
		{"NP3-560", collectortest.Fixture(t, "mis-np3-560-LFCCONGESTNP3560.csv"), ParseLoadForecast},
		{"NP4-737", collectortest.Fixture(t, "mis-np4-737-PVGRHRLYAVGACTNP4737.csv"), ParseSolar},
		{"dashboard", collectortest.Fixture(t, "dashboard-loadForecastVsActual.json"), ParseDashboard},
	}
	for _, tc := range csvs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := tc.parse(tc.body, ingest)
			if err != nil {
				t.Fatal(err)
			}
			collectortest.EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
				var shuffled []byte
				if tc.name == "dashboard" {
					shuffled = collectortest.ShuffleJSONKeys(t, tc.body, rng)
				} else {
					shuffled = collectortest.ShuffleCSVColumns(t, tc.body, rng, 0)
				}
				got, err := tc.parse(shuffled, ingest)
				if err != nil || !collectortest.SameElements(t, got, want) {
					t.Fatalf("records differ when shuffled (%v)", err)
				}
			})
		})
	}
	t.Run("NP4-190", func(t *testing.T) {
		t.Parallel()
		collectortest.SameWithShuffledColumns(t, []byte(constructedDAMSPP), 0, func(b []byte) ([]schemas.IsoLmpRecord, error) {
			return ParseDAMSPP(b, nil, ingest)
		})
	})
	t.Run("document list", func(t *testing.T) {
		t.Parallel()
		collectortest.SameWithShuffledKeys(t, collectortest.Fixture(t, "mis-IceDocListJsonWS-reportTypeId-13483.json"), ParseDocumentList)
	})
}
