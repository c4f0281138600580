package noaa

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// A series is a dataset's data type at a station. The recorded answers
// hold several in one answer: five data types of one station (GSOM) and
// one data type at 25 stations (NORMAL_DLY); each lands as its own series
// with its own title and values.
func TestSeriesInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file   string
		m      Mapping
		series int
		want   map[string]float64 // value at the first date, by series id
		titles map[string]string
	}{
		{"cdo-v2-data-GSOM-AE000041196.json", Mapping{Dataset: "GSOM", Units: "metric"}, 5,
			map[string]float64{"GSOM:GHCND:AE000041196:EMXT": 31.8, "GSOM:GHCND:AE000041196:TMAX": 26.53},
			map[string]string{"GSOM:GHCND:AE000041196:EMXT": "GSOM: EMXT at GHCND:AE000041196", "GSOM:GHCND:AE000041196:TMAX": "GSOM: TMAX at GHCND:AE000041196"}},
		{"cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json", Mapping{Dataset: "NORMAL_DLY", StationNames: map[string]string{"GHCND:AQW00061705": "PAGO PAGO WSO AP"}}, 25,
			map[string]float64{"NORMAL_DLY:GHCND:AQW00061705:DLY-TMAX-NORMAL": 869, "NORMAL_DLY:GHCND:CAW00064757:DLY-TMAX-NORMAL": 607},
			map[string]string{"NORMAL_DLY:GHCND:AQW00061705:DLY-TMAX-NORMAL": "NORMAL_DLY: DLY-TMAX-NORMAL at PAGO PAGO WSO AP",
				"NORMAL_DLY:GHCND:CAW00064757:DLY-TMAX-NORMAL": "NORMAL_DLY: DLY-TMAX-NORMAL at GHCND:CAW00064757"}},
	} {
		t.Run(tc.m.Dataset, func(t *testing.T) {
			t.Parallel()
			_, p := mapFixture(t, tc.file, tc.m)
			obs, cat := collectortest.Split(t, p, "NOAA")
			first := obs[0].TS
			got := map[string]float64{}
			for _, o := range obs {
				if o.TS.Equal(first) {
					if _, dup := got[o.SeriesID]; dup {
						t.Fatalf("two values of %s at %s", o.SeriesID, first.Format(time.DateOnly))
					}
					got[o.SeriesID] = *o.Value
				}
			}
			if len(cat) != tc.series || len(got) != tc.series {
				t.Fatalf("%d catalog records, %d series at %s; want %d", len(cat), len(got), first.Format(time.DateOnly), tc.series)
			}
			titles := map[string]string{}
			for _, c := range cat {
				titles[c.SeriesID] = c.Title
			}
			for id, v := range tc.want {
				if got[id] != v || titles[id] != tc.titles[id] {
					t.Errorf("%s = %v titled %q; want %v titled %q", id, got[id], titles[id], v, tc.titles[id])
				}
			}
		})
	}
}

// The order of the keys of a CDO answer changes nothing of the records.
func TestRecordsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		m    Mapping
	}{
		{"cdo-v2-data-GHCND-PRCP-USC00200230.json", Mapping{Dataset: "GHCND", Units: "metric"}},
		{"cdo-v2-data-GSOM-AE000041196.json", Mapping{Dataset: "GSOM", Units: "metric"}},
		{"cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json", Mapping{Dataset: "NORMAL_DLY"}},
	} {
		t.Run(tc.m.Dataset, func(t *testing.T) {
			t.Parallel()
			body := collectortest.Fixture(t, tc.file)
			records := func(t *testing.T, body []byte) collector.Page {
				t.Helper()
				d, err := ParseData(body)
				if err != nil {
					t.Fatal(err)
				}
				p, err := MapPage(d, tc.m, collector.Window{}, testNow)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			want := records(t, body)
			collectortest.EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
				if got := records(t, collectortest.ShuffleJSONKeys(t, body, rng)); !reflect.DeepEqual(got, want) {
					t.Fatalf("records differ with shuffled keys")
				}
			})
		})
	}
}
