// Package collectortest holds what the tests of the provider sources share:
// reading recorded responses and taking a collector.Page apart. Only tests
// import it.
package collectortest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Fixture reads the recorded response testdata/name.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// UTC parses an RFC 3339 instant written in a test.
func UTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Deref is *p, or nil for a nil pointer, for comparing optional fields.
func Deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Split separates a page of an external-series source into observations
// and catalog records, failing the test for a record on the wrong topic, a
// key other than "PROVIDER:series_id" or a value of another type.
func Split(t testing.TB, p collector.Page, provider string) (obs []schemas.ExtTimeseriesObservation, cat []schemas.ExtSeriesCatalogUpsert) {
	t.Helper()
	for _, r := range p.Records {
		switch v := r.Value.(type) {
		case schemas.ExtTimeseriesObservation:
			if r.Topic != topology.TopicExtTimeseriesObs || r.Key != provider+":"+v.SeriesID {
				t.Fatalf("observation on %s key %s", r.Topic, r.Key)
			}
			obs = append(obs, v)
		case schemas.ExtSeriesCatalogUpsert:
			if r.Topic != topology.TopicExtSeriesCatalog || r.Key != provider+":"+v.SeriesID {
				t.Fatalf("catalog on %s key %s", r.Topic, r.Key)
			}
			cat = append(cat, v)
		default:
			t.Fatalf("record of type %T", r.Value)
		}
	}
	return obs, cat
}

// PricesAt returns the prices of recs whose interval starts at start, by
// location id, failing t when a location has two: each location of an
// answer is a series of its own.
func PricesAt(t testing.TB, recs []schemas.IsoLmpRecord, start time.Time) map[string]schemas.IsoLmpRecord {
	t.Helper()
	out := map[string]schemas.IsoLmpRecord{}
	for _, r := range recs {
		if !r.IntervalStart.Equal(start) {
			continue
		}
		if _, dup := out[r.LocationID]; dup {
			t.Fatalf("location %s twice in the interval starting %s", r.LocationID, start.Format(time.RFC3339))
		}
		out[r.LocationID] = r
	}
	return out
}
