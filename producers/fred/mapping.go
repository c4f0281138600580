package fred

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/seriesrecord"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Missing is FRED's value for a missing observation. It is published as
// value null with value_raw ".", never as zero.
const Missing = "."

// Key is the record key of a FRED series on the external topics.
func Key(seriesID string) string { return string(schemas.ProviderFRED) + ":" + seriesID }

// mapPage turns one observations answer into a page: one
// ExtTimeseriesObservation per observation, preceded on the first page
// with observations by the series' catalog upsert.
func mapPage(id string, meta *seriesMeta, obs *observations, offset int, first bool, now time.Time) (collector.Page, error) {
	ingest := now.UTC().Truncate(time.Microsecond)
	var page collector.Page
	unit, freq := seriesrecord.Text(meta.Units), seriesrecord.Text(meta.Frequency)
	for i, o := range obs.Observations {
		ts, err := time.Parse(time.DateOnly, o.Date)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: fred %s observation %d: date %q", collector.ErrMalformed, id, offset+i, o.Date)
		}
		asof, err := time.Parse(time.DateOnly, o.RealtimeStart)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: fred %s observation %d: realtime_start %q", collector.ErrMalformed, id, offset+i, o.RealtimeStart)
		}
		raw := o.Value
		rec := schemas.ExtTimeseriesObservation{
			Provider:  schemas.ProviderFRED,
			SeriesID:  id,
			TS:        ts,
			ValueRaw:  &raw,
			Unit:      unit,
			Frequency: freq,
			AsofDate:  asof,
			IngestTS:  ingest,
		}
		if raw != Missing {
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return collector.Page{}, fmt.Errorf("%w: fred %s observation %s: value %q is neither a number nor %q",
					collector.ErrMalformed, id, o.Date, raw, Missing)
			}
			rec.Value = &v
		}
		page.Records = append(page.Records, collector.Record{Topic: topology.TopicExtTimeseriesObs, Key: Key(id), Value: &rec, Time: ts})
		if ts.After(page.Watermark) {
			page.Watermark = ts
		}
	}
	if first && len(page.Records) > 0 {
		cat := catalog(id, meta, ingest)
		page.Records = append([]collector.Record{{Topic: topology.TopicExtSeriesCatalog, Key: Key(id), Value: &cat}}, page.Records...)
	}
	if n := offset + len(obs.Observations); len(obs.Observations) > 0 && n < *obs.Count {
		page.Next = strconv.Itoa(n)
	}
	return page, nil
}

// catalog is the series' ExtSeriesCatalogUpsert.
func catalog(id string, meta *seriesMeta, now time.Time) schemas.ExtSeriesCatalogUpsert {
	title := meta.Title
	if title == "" {
		title = id
	}
	c := schemas.ExtSeriesCatalogUpsert{
		Provider:    schemas.ProviderFRED,
		SeriesID:    id,
		Title:       title,
		Unit:        seriesrecord.Text(meta.Units),
		Frequency:   seriesrecord.Text(meta.Frequency),
		Description: seriesrecord.Text(meta.Notes),
		SourceURL:   seriesrecord.Text("https://fred.stlouisfed.org/series/" + id),
		UpdatedTS:   now,
	}
	if t, err := time.Parse(time.DateOnly, meta.ObservationStart); err == nil {
		c.FirstTS = &t
	}
	if t, err := time.Parse(time.DateOnly, meta.ObservationEnd); err == nil {
		c.LastTS = &t
	}
	return c
}
