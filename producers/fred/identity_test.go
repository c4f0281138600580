package fred

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var identityNow = time.Date(2026, 9, 1, 12, 30, 0, 0, time.UTC)

// answers is a FRED API answering each request by its path and series_id
// from bodies that can be swapped between requests.
type answers struct {
	mu     sync.Mutex
	bodies map[string][]byte // "series?GDP", "series/observations?GDP"
}

func (a *answers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	b, ok := a.bodies[strings.TrimPrefix(r.URL.Path, "/fred/")+"?"+r.URL.Query().Get("series_id")]
	a.mu.Unlock()
	if !ok {
		http.Error(w, `{"error_code":400,"error_message":"Bad Request.  The series does not exist."}`, http.StatusBadRequest)
		return
	}
	_, _ = w.Write(b)
}

func (a *answers) set(key string, body []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bodies[key] = body
}

// collect fetches the first page of every series of cfg from a.
func collect(t *testing.T, a *answers, series ...string) []collector.Page {
	t.Helper()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	hc := ClientConfig()
	hc.BaseURL, hc.APIKey, hc.Rate = srv.URL+"/fred", testAPIKey, 1000
	c, err := collector.NewClient(hc)
	if err != nil {
		t.Fatal(err)
	}
	src, err := New(Config{Series: series, Now: func() time.Time { return identityNow }})
	if err != nil {
		t.Fatal(err)
	}
	ss, _ := src.Series(context.Background())
	var out []collector.Page
	for _, s := range ss {
		p, err := src.Fetch(context.Background(), c, s, collector.Window{}, "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func recorded(t *testing.T) *answers {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return &answers{bodies: map[string][]byte{
		"series?GDP":              read("series-GDP.json"),
		"series/observations?GDP": read("series-observations-GDP.json"),
	}}
}

// FRED answers one series per observations request, named by the id it
// was asked for: two series collected by one source stay two, each with
// its own id, title, units and values. GDPC1's answers are constructed in
// the recorded GDP answers' shape (its values are GDP's halved).
func TestTwoSeriesKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	a := recorded(t)
	meta := strings.NewReplacer(`"id":"GDP"`, `"id":"GDPC1"`, `"title":"Gross Domestic Product"`, `"title":"Real Gross Domestic Product"`,
		`"units":"Billions of Dollars"`, `"units":"Billions of Chained 2017 Dollars"`).Replace(string(a.bodies["series?GDP"]))
	a.set("series?GDPC1", []byte(meta))
	var obs observations
	if err := json.Unmarshal(a.bodies["series/observations?GDP"], &obs); err != nil {
		t.Fatal(err)
	}
	for i, o := range obs.Observations {
		if o.Value != Missing {
			obs.Observations[i].Value = half(t, o.Value)
		}
	}
	b, _ := json.Marshal(obs)
	a.set("series/observations?GDPC1", b)

	pages := collect(t, a, "GDP", "GDPC1")
	want := map[string]struct {
		title, unit string
		at1990      float64
	}{
		"GDP":   {"Gross Domestic Product", "Billions of Dollars", 5872.701},
		"GDPC1": {"Real Gross Domestic Product", "Billions of Chained 2017 Dollars", 2936.3505},
	}
	for i, id := range []string{"GDP", "GDPC1"} {
		obs, cat := collectortest.Split(t, derefRecords(pages[i]), "FRED")
		if len(obs) != 200 || len(cat) != 1 || cat[0].SeriesID != id || cat[0].Title != want[id].title || *cat[0].Unit != want[id].unit {
			t.Fatalf("%s: %d observations, catalog %+v", id, len(obs), cat)
		}
		for _, o := range obs {
			if o.SeriesID != id || *o.Unit != want[id].unit {
				t.Fatalf("%s: observation %+v", id, o)
			}
			if o.TS.Equal(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)) && *o.Value != want[id].at1990 {
				t.Errorf("%s 1990-01-01 = %v, want %v", id, *o.Value, want[id].at1990)
			}
		}
	}
}

// The order of the keys of FRED's answers changes nothing of the records.
func TestRecordsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	a := recorded(t)
	want := collect(t, a, "GDP")
	meta, obs := a.bodies["series?GDP"], a.bodies["series/observations?GDP"]
	collectortest.EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
		b := &answers{bodies: map[string][]byte{
			"series?GDP":              collectortest.ShuffleJSONKeys(t, meta, rng),
			"series/observations?GDP": collectortest.ShuffleJSONKeys(t, obs, rng),
		}}
		if got := collect(t, b, "GDP"); !reflect.DeepEqual(got, want) {
			t.Fatalf("records differ with shuffled keys")
		}
	})
}

// derefRecords turns the page's pointer values into the values Split reads.
func derefRecords(p collector.Page) collector.Page {
	out := p
	out.Records = make([]collector.Record, len(p.Records))
	for i, r := range p.Records {
		switch v := r.Value.(type) {
		case *schemas.ExtTimeseriesObservation:
			r.Value = *v
		case *schemas.ExtSeriesCatalogUpsert:
			r.Value = *v
		}
		out.Records[i] = r
	}
	return out
}

// half is the number s halved, as FRED would write it.
func half(t *testing.T, s string) string {
	t.Helper()
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(f / 2)
	return string(b)
}
