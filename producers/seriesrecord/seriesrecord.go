// Package seriesrecord turns the observations an external-series source
// (EIA, NOAA, the World Bank) has read from one answer into a page of
// collector records, the same way for every provider: each observation on
// aurum.ext.timeseries.obs.v1, then one catalog upsert per series the page
// holds on aurum.ext.series_catalog.upsert.v1, both keyed
// "PROVIDER:series_id" (docs/CONTRACTS.md#records).
package seriesrecord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Page gathers the records of one page. Build it with NewPage.
type Page struct {
	records   []collector.Record
	watermark time.Time
	catalog   map[string]*schemas.ExtSeriesCatalogUpsert
	order     []string // series ids in the order the page first showed them
}

// NewPage returns an empty page.
func NewPage() *Page {
	return &Page{catalog: map[string]*schemas.ExtSeriesCatalogUpsert{}}
}

// Add appends obs, placed in the window at its ts, and raises the
// watermark to that ts. The page's catalog upsert of obs's series is made
// by catalog when the page first shows the series; its first_ts and
// last_ts then span the series' observations on the page (the catalog
// table widens them across pages).
func (p *Page) Add(obs schemas.ExtTimeseriesObservation, catalog func() schemas.ExtSeriesCatalogUpsert) {
	p.records = append(p.records, collector.Record{
		Topic: topology.TopicExtTimeseriesObs, Key: Key(obs.Provider, obs.SeriesID), Value: obs, Time: obs.TS,
	})
	if obs.TS.After(p.watermark) {
		p.watermark = obs.TS
	}
	c, seen := p.catalog[obs.SeriesID]
	if !seen {
		made := catalog()
		c = &made
		p.catalog[obs.SeriesID] = c
		p.order = append(p.order, obs.SeriesID)
	}
	ts := obs.TS
	if c.FirstTS == nil || ts.Before(*c.FirstTS) {
		c.FirstTS = &ts
	}
	if c.LastTS == nil || ts.After(*c.LastTS) {
		c.LastTS = &ts
	}
}

// Page returns the observations added, followed by the catalog upserts,
// with the latest observation time as its watermark and no next cursor.
func (p *Page) Page() collector.Page {
	out := collector.Page{Records: p.records, Watermark: p.watermark}
	for _, id := range p.order {
		c := p.catalog[id]
		out.Records = append(out.Records, collector.Record{
			Topic: topology.TopicExtSeriesCatalog, Key: Key(c.Provider, id), Value: *c,
		})
	}
	return out
}

// Value reads an observation's value as a provider's JSON writes it: a
// number, or a number in a string (the World Bank writes both); null or
// nothing is no value, nil and never zero. raw is the number as written.
func Value(v json.RawMessage) (value *float64, raw *string, err error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil, nil
	}
	s := strings.Trim(string(v), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, nil, fmt.Errorf("value %s is not a number", v)
	}
	return &f, &s, nil
}

// Text is s as an optional field of a record: nil when empty.
func Text(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Key is the Kafka key of a series' records: "PROVIDER:series_id".
func Key(provider schemas.Provider, seriesID string) string {
	return string(provider) + ":" + seriesID
}
