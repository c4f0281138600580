package worldbank

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// A series is an indicator in a country. The recorded answer of
// countries/JPN;USA holds only Japan's rows on its first page, so this one
// is the recorded page with rows appended in the same shape: the United
// States for the same indicator and years, and Japan for a second
// indicator (an answer of indicator/NY.GDP.MKTP.CD;NY.GDP.PCAP.CD).
// Three series land as three, each with its own id, title and values.
func TestSeriesInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	var parts []json.RawMessage
	if err := json.Unmarshal(collectortest.Fixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json"), &parts); err != nil {
		t.Fatal(err)
	}
	rows := strings.TrimSuffix(string(parts[1]), "]") +
		`,{"indicator":{"id":"NY.GDP.MKTP.CD","value":"GDP (current US$)"},"country":{"id":"US","value":"United States"},"countryiso3code":"USA","date":"2019","value":21433226000000,"unit":"","obs_status":"","decimal":0}` +
		`,{"indicator":{"id":"NY.GDP.MKTP.CD","value":"GDP (current US$)"},"country":{"id":"US","value":"United States"},"countryiso3code":"USA","date":"2018","value":20611861000000,"unit":"","obs_status":"","decimal":0}` +
		`,{"indicator":{"id":"NY.GDP.PCAP.CD","value":"GDP per capita (current US$)"},"country":{"id":"JP","value":"Japan"},"countryiso3code":"JPN","date":"2019","value":40777.6,"unit":"","obs_status":"","decimal":0}]`
	p, r, err := ParsePage([]byte("[" + string(parts[0]) + "," + rows + "]"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := MapPage(p, r, collector.Window{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	obs, cat := collectortest.Split(t, page, "WORLDBANK")
	n := map[string]int{}
	at2019 := map[string]float64{}
	for _, o := range obs {
		n[o.SeriesID]++
		if o.TS.Year() == 2019 {
			at2019[o.SeriesID] = *o.Value
		}
	}
	if len(cat) != 3 || n["NY.GDP.MKTP.CD:JPN"] != 50 || n["NY.GDP.MKTP.CD:USA"] != 2 || n["NY.GDP.PCAP.CD:JPN"] != 1 {
		t.Fatalf("observations per series %v, %d catalog records", n, len(cat))
	}
	if at2019["NY.GDP.MKTP.CD:JPN"] != 5081769542379.77 || at2019["NY.GDP.MKTP.CD:USA"] != 21433226000000 || at2019["NY.GDP.PCAP.CD:JPN"] != 40777.6 {
		t.Errorf("2019 values %v", at2019)
	}
	titles := map[string]string{}
	for _, c := range cat {
		titles[c.SeriesID] = c.Title
	}
	if titles["NY.GDP.MKTP.CD:JPN"] != "GDP (current US$) - Japan" || titles["NY.GDP.MKTP.CD:USA"] != "GDP (current US$) - United States" ||
		titles["NY.GDP.PCAP.CD:JPN"] != "GDP per capita (current US$) - Japan" {
		t.Errorf("titles %v", titles)
	}
}

// The order of the keys of an answer, the rows' nested indicator and
// country included, changes nothing of the records.
func TestRecordsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json",
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-date2018-2019-per_page2.json",
		"country-all-indicator-NY.GDP.MKTP.CD-footnote-date2018-2019-per_page2.json",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := collectortest.Fixture(t, name)
			records := func(t *testing.T, body []byte) collector.Page {
				t.Helper()
				p, rows, err := ParsePage(body)
				if err != nil {
					t.Fatal(err)
				}
				page, err := MapPage(p, rows, collector.Window{}, testNow)
				if err != nil {
					t.Fatal(err)
				}
				return page
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
