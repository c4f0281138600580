package eia

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Mapping says how the rows of one answer become series.
type Mapping struct {
	// Route is the data route asked, e.g. "electricity/rto/region-data";
	// it prefixes the series ids and is the observations' dataset.
	Route string
	// SeriesID is set for the seriesid route: every row is this series
	// (an APIv1 id such as "INTL.29-12-HKG-BKWH.A").
	SeriesID string
	// Data are the data columns asked (data[]=...); default "value".
	Data []string
}

// geoKeys are the facet columns that name a place, most specific first.
var geoKeys = []string{"respondent", "fromba", "duoarea", "countryRegionId", "stateid", "stateId", "location"}

// labelAliases are facet columns whose label column is not "<facet>-name".
var labelAliases = map[string]string{"duoarea": "area-name"}

// SeriesIDOf returns the series a data-route row belongs to: the route, then
// the value of every facet column in the order EIA sent them, joined by
// ":" ("electricity/rto/region-data:PJM:D"), then the data column when it
// is not "value". A facet column is one with a label column beside it
// ("respondent" and "respondent-name", "series" and "series-description",
// "duoarea" and "area-name"), so the id covers facets the request did not
// filter on too.
func (m Mapping) SeriesIDOf(row Row, column string) string {
	id := m.SeriesID
	if id == "" {
		parts := []string{m.Route}
		for _, f := range row {
			if isFacet(row, f.Key) {
				parts = append(parts, row.String(f.Key))
			}
		}
		id = strings.Join(parts, ":")
	}
	if column != "value" {
		id += ":" + column
	}
	return id
}

func isFacet(row Row, key string) bool {
	if alias, ok := labelAliases[key]; ok {
		if _, has := row.Get(alias); has {
			return true
		}
	}
	for _, suffix := range []string{"-name", "-description"} {
		if _, has := row.Get(key + suffix); has {
			return true
		}
	}
	return false
}

// title joins a row's labels: "series-description" when the row has one,
// else every "-name" label ("PJM Interconnection, LLC - Demand"), else the
// camel-case names of the seriesid route ("Renewables - Generation - Hong
// Kong").
func title(row Row) string {
	if d := row.String("series-description"); d != "" {
		return d
	}
	var parts []string
	for _, f := range row {
		if strings.HasSuffix(f.Key, "-name") {
			parts = append(parts, row.String(f.Key))
		}
	}
	if len(parts) == 0 {
		for _, f := range row {
			if strings.HasSuffix(f.Key, "Name") && f.Key != "unitName" && !strings.HasSuffix(f.Key, "TypeName") {
				parts = append(parts, row.String(f.Key))
			}
		}
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " - ")
}

// unit is the unit of a data column: "<column>-units", else "units",
// "unit" or "unitName".
func unit(row Row, column string) *string {
	for _, k := range []string{column + "-units", "units", "unit", "unitName"} {
		if s := row.String(k); s != "" {
			return &s
		}
	}
	return nil
}

func firstOf(row Row, keys ...string) *string {
	for _, k := range keys {
		if s := row.String(k); s != "" {
			return &s
		}
	}
	return nil
}

// MapPage maps an answer fetched at offset to the records of one page:
// an ExtTimeseriesObservation per row and data column whose period lies in
// w, and an ExtSeriesCatalogUpsert per series seen on the page (its
// first_ts and last_ts are the page's; the catalog widens them). EIA
// publishes no vintage in data answers, so asof_date is the day of now
// (UTC), which is also the ingest time. Next is the following offset while
// offset+rows < total; the watermark is the latest period on the page.
func MapPage(resp Response, m Mapping, offset int, w collector.Window, now time.Time) (collector.Page, error) {
	now = now.UTC()
	asof := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	columns := m.Data
	if len(columns) == 0 {
		columns = []string{"value"}
	}
	dataset := m.Route
	if m.SeriesID != "" && resp.ID != "" {
		dataset = resp.ID
	}
	var page collector.Page
	catalog := map[string]*schemas.ExtSeriesCatalogUpsert{}
	var order []string
	for i, row := range resp.Rows {
		periodRaw, ok := row.Get("period")
		if !ok {
			return collector.Page{}, fmt.Errorf("%w: eia: row %d has no period", collector.ErrMalformed, i)
		}
		ts, err := ParsePeriod(periodRaw)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: eia: row %d: %v", collector.ErrMalformed, i, err)
		}
		if !inWindow(ts, w) {
			continue
		}
		page.Watermark = later(page.Watermark, ts)
		for _, col := range columns {
			raw, ok := row.Get(col)
			if !ok {
				return collector.Page{}, fmt.Errorf("%w: eia: row %d has no data column %q", collector.ErrMalformed, i, col)
			}
			value, valueRaw := ParseValue(raw)
			id := m.SeriesIDOf(row, col)
			obs := schemas.ExtTimeseriesObservation{
				Provider:    schemas.ProviderEIA,
				SeriesID:    id,
				TS:          ts,
				Value:       value,
				ValueRaw:    valueRaw,
				Unit:        unit(row, col),
				Frequency:   optional(resp.Frequency),
				GeoID:       firstOf(row, geoKeys...),
				Dataset:     optional(dataset),
				QualityFlag: firstOf(row, "dataFlagDescription", "dataFlagId"),
				AsofDate:    asof,
				IngestTS:    now,
			}
			page.Records = append(page.Records, collector.Record{Topic: topology.TopicExtTimeseriesObs, Key: Key(id), Value: obs})
			c, seen := catalog[id]
			if !seen {
				t := title(row)
				if t == "" {
					t = id
				}
				if col != "value" {
					t += " (" + col + ")"
				}
				c = &schemas.ExtSeriesCatalogUpsert{
					Provider:    schemas.ProviderEIA,
					SeriesID:    id,
					Title:       t,
					Unit:        obs.Unit,
					Frequency:   obs.Frequency,
					GeoID:       obs.GeoID,
					Dataset:     obs.Dataset,
					Description: optional(resp.Description),
					SourceURL:   sourceURL(m),
					UpdatedTS:   now,
				}
				catalog[id] = c
				order = append(order, id)
			}
			c.FirstTS = earlierPtr(c.FirstTS, ts)
			c.LastTS = laterPtr(c.LastTS, ts)
		}
	}
	for _, id := range order {
		page.Records = append(page.Records, collector.Record{Topic: topology.TopicExtSeriesCatalog, Key: Key(id), Value: *catalog[id]})
	}
	page.Next = NextOffset(offset, len(resp.Rows), resp.Total)
	return page, nil
}

// Key is the Kafka key of an EIA series' records: "EIA:<series_id>".
func Key(seriesID string) string { return string(schemas.ProviderEIA) + ":" + seriesID }

// NextOffset is the cursor of the page after n rows read at offset: the
// next offset while offset+n < total, "" when the query is exhausted (or
// total is unknown, or the page was empty).
func NextOffset(offset, n, total int) string {
	if n == 0 || total < 0 || offset+n >= total {
		return ""
	}
	return strconv.Itoa(offset + n)
}

func sourceURL(m Mapping) *string {
	if m.SeriesID != "" || m.Route == "" {
		return nil
	}
	u := "https://www.eia.gov/opendata/browser/" + m.Route
	return &u
}

// inWindow says whether ts lies in the window, both bounds inclusive as
// EIA's start and end are.
func inWindow(ts time.Time, w collector.Window) bool {
	return (w.Since.IsZero() || !ts.Before(w.Since)) && (w.Until.IsZero() || !ts.After(w.Until))
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlierPtr(p *time.Time, t time.Time) *time.Time {
	if p == nil || t.Before(*p) {
		return &t
	}
	return p
}

func laterPtr(p *time.Time, t time.Time) *time.Time {
	if p == nil || t.After(*p) {
		return &t
	}
	return p
}
