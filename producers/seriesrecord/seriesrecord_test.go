package seriesrecord_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/seriesrecord"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// A page holds the observations in the order added, then one catalog
// upsert per series in the order first seen, spanning the series'
// observations on the page.
func TestPage(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	page := seriesrecord.NewPage()
	made := 0
	for _, o := range []struct {
		id string
		ts time.Time
	}{{"B", day(3)}, {"A", day(5)}, {"B", day(1)}, {"B", day(2)}} {
		page.Add(schemas.ExtTimeseriesObservation{Provider: schemas.ProviderNOAA, SeriesID: o.id, TS: o.ts},
			func() schemas.ExtSeriesCatalogUpsert {
				made++
				return schemas.ExtSeriesCatalogUpsert{Provider: schemas.ProviderNOAA, SeriesID: o.id, Title: o.id}
			})
	}
	p := page.Page()
	if len(p.Records) != 6 || made != 2 || !p.Watermark.Equal(day(5)) || p.Next != "" {
		t.Fatalf("%d records, %d catalog entries made, watermark %s", len(p.Records), made, p.Watermark)
	}
	if r := p.Records[0]; r.Topic != topology.TopicExtTimeseriesObs || r.Key != "NOAA:B" || !r.Time.Equal(day(3)) {
		t.Errorf("first observation %+v", r)
	}
	b, a := p.Records[4], p.Records[5]
	cb, _ := b.Value.(schemas.ExtSeriesCatalogUpsert)
	if b.Topic != topology.TopicExtSeriesCatalog || b.Key != "NOAA:B" || !b.Time.IsZero() ||
		!cb.FirstTS.Equal(day(1)) || !cb.LastTS.Equal(day(3)) {
		t.Errorf("catalog of B %+v", b)
	}
	if ca, _ := a.Value.(schemas.ExtSeriesCatalogUpsert); a.Key != "NOAA:A" || !ca.FirstTS.Equal(day(5)) || !ca.LastTS.Equal(day(5)) {
		t.Errorf("catalog of A %+v", a)
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1.5": "1.5", `"1.5"`: "1.5", " 2 ": "2", "null": "<nil>", "": "<nil>", `"x"`: "error", "true": "error"} {
		v, raw, err := seriesrecord.Value(json.RawMessage(in))
		got := "<nil>"
		switch {
		case err != nil:
			got = "error"
		case v != nil:
			got = *raw
			if f, _ := strconv.ParseFloat(*raw, 64); f != *v {
				t.Errorf("%s: value %v, raw %s", in, *v, *raw)
			}
		}
		if got != want {
			t.Errorf("Value(%s) = %s, want %s", in, got, want)
		}
	}
	if seriesrecord.Text("") != nil || *seriesrecord.Text("mm") != "mm" {
		t.Error("Text")
	}
}
