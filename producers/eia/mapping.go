package eia

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/seriesrecord"
	"github.com/aurum-energy/aurum/schemas"
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
	// Frequency is the frequency asked; the answer's when empty.
	Frequency string
	// Meta is what the route declares (GET /v2/<route>). Nil when it could
	// not be read: the facets are then found in the rows (see facetsOf).
	Meta *RouteMeta
}

// A data route's series id is
//
//	<route>:<frequency>[:<facet value>]...[:<data column>]
//
// ("electricity/rto/region-data:hourly:PJM:D", "steo:monthly:PADI_OPEC"):
// the value of every facet the route declares, in declared order, so that
// two series of a route never share an id and an id does not depend on the
// order of a row's keys; the data column only when it is not "value". The
// seriesid route's series id is the APIv1 id it was asked for.
func (m Mapping) seriesID(row Row, facets []string, freq, column string) (string, error) {
	parts := []string{m.SeriesID}
	if m.SeriesID == "" {
		if freq == "" {
			return "", errors.New("no frequency to name the series by")
		}
		parts = []string{m.Route, freq}
		for _, f := range facets {
			if _, ok := row.Get(f); !ok {
				return "", fmt.Errorf("no column for the route's facet %q", f)
			}
			parts = append(parts, row.String(f))
		}
	}
	if column != "value" {
		parts = append(parts, column)
	}
	return strings.Join(parts, ":"), nil
}

// facetsOf returns the facet columns that name row's series: the route's
// declared facets in declared order; without metadata, the columns that
// have a label column beside them (facetLabel) in alphabetical order.
func (m Mapping) facetsOf(row Row, columns []string) []string {
	if m.Meta != nil {
		return m.Meta.FacetIDs()
	}
	var out []string
	for _, f := range row {
		if notFacets[f.Key] || slices.Contains(columns, f.Key) {
			continue
		}
		if facetLabel(row, f.Key, "description") != "" || facetLabel(row, f.Key, "name") != "" {
			out = append(out, f.Key)
		}
	}
	slices.Sort(out)
	return out
}

// notFacets are columns with a label beside them that are not facets: the
// period and the quality flag (dataFlagId, dataFlagDescription).
var notFacets = map[string]bool{"period": true, "dataFlagId": true}

// labelAliases are facet columns whose name label is not "<facet>-name".
var labelAliases = map[string]string{"duoarea": "area-name"}

// facetLabel returns the column labelling facet in row, of kind
// "description" or "name", in either of EIA's naming styles: "<facet>-name"
// ("respondent-name", "series-description") or "<facet>Name" ("sectorName"),
// the facet also taken without a trailing "id" ("seriesId" and
// "seriesDescription", "stateid" and "stateDescription"). "" when the row
// has none.
func facetLabel(row Row, facet, kind string) string {
	stems := []string{facet}
	if n := len(facet); n > 2 && strings.EqualFold(facet[n-2:], "id") {
		stems = append(stems, facet[:n-2])
	}
	camel := strings.ToUpper(kind[:1]) + kind[1:]
	for _, stem := range stems {
		for _, k := range []string{stem + "-" + kind, stem + camel} {
			if _, ok := row.Get(k); ok {
				return k
			}
		}
	}
	if alias, ok := labelAliases[facet]; ok && kind == "name" {
		if _, has := row.Get(alias); has {
			return alias
		}
	}
	return ""
}

// title names the series of a data-route row: its series description
// ("series-description", "seriesDescription") when it has one, else the
// label of each facet, its description or its name, in facet order ("PJM
// Interconnection, LLC - Demand").
func title(row Row, facets []string) string {
	if d := firstOf(row, "series-description", "seriesDescription"); d != nil {
		return *d
	}
	var parts []string
	for _, f := range facets {
		for _, kind := range []string{"description", "name"} {
			if k := facetLabel(row, f, kind); k != "" && row.String(k) != "" {
				parts = append(parts, row.String(k))
				break
			}
		}
	}
	return strings.Join(parts, " - ")
}

// seriesIDTitle names a seriesid-route row by the camel-case names of its
// ids ("Renewables - Generation - Hong Kong"), units and types left out.
func seriesIDTitle(row Row) string {
	var parts []string
	for _, f := range row {
		if strings.HasSuffix(f.Key, "Name") && f.Key != "unitName" && !strings.HasSuffix(f.Key, "TypeName") {
			parts = append(parts, row.String(f.Key))
		}
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " - ")
}

// unit is the unit of a data column: "<column>-units", "units", "unit" or
// "unitName" of the row, else the units the route declares for it.
func (m Mapping) unit(row Row, column string) *string {
	if u := firstOf(row, column+"-units", "units", "unit", "unitName"); u != nil {
		return u
	}
	if m.Meta != nil {
		return seriesrecord.Text(m.Meta.Data[column].Units)
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

// geoKeys are the facet columns that name a place, most specific first.
var geoKeys = []string{"respondent", "fromba", "duoarea", "countryRegionId", "stateid", "stateId", "location"}

// MapPage maps an answer fetched at offset to the records of one page:
// an ExtTimeseriesObservation per row and data column whose period lies in
// w, and an ExtSeriesCatalogUpsert per series seen on the page (its
// first_ts and last_ts are the page's; the catalog widens them). EIA
// publishes no vintage in data answers, so asof_date is the day of now
// (UTC), which is also the ingest time. Next is the following offset while
// offset+rows < total; the watermark is the latest period on the page.
//
// A data-route row without a column of a declared facet is malformed, and
// so is a page with two different values for one series and period: the
// ids would not tell two provider series apart (a facet the fallback rule
// cannot see), and one would overwrite the other.
func MapPage(resp Response, m Mapping, offset int, w collector.Window, now time.Time) (collector.Page, error) {
	now = now.UTC()
	asof := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	columns := m.Data
	if len(columns) == 0 {
		columns = []string{"value"}
	}
	freq := cmp.Or(m.Frequency, resp.Frequency)
	page := seriesrecord.NewPage()
	seen := map[seriesPeriod]int{} // → the first row with it
	for i, row := range resp.Rows {
		periodRaw, ok := row.Get("period")
		if !ok {
			return collector.Page{}, fmt.Errorf("%w: eia: row %d has no period", collector.ErrMalformed, i)
		}
		ts, err := ParsePeriod(periodRaw)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: eia: row %d: %v", collector.ErrMalformed, i, err)
		}
		if !w.Contains(ts) {
			continue
		}
		facets := m.facetsOf(row, columns)
		for _, col := range columns {
			raw, ok := row.Get(col)
			if !ok {
				return collector.Page{}, fmt.Errorf("%w: eia: row %d has no data column %q", collector.ErrMalformed, i, col)
			}
			id, err := m.seriesID(row, facets, freq, col)
			if err != nil {
				return collector.Page{}, fmt.Errorf("%w: eia: row %d: %v", collector.ErrMalformed, i, err)
			}
			if j, dup := seen[seriesPeriod{id, ts}]; dup && !bytes.Equal(raw, resp.Rows[j].get(col)) {
				return collector.Page{}, fmt.Errorf("%w: eia: rows %d and %d are both series %s at %s with different values: "+
					"the series id misses a facet that tells them apart", collector.ErrMalformed, j, i, id, ts.Format(time.RFC3339))
			}
			seen[seriesPeriod{id, ts}] = i
			value, valueRaw := ParseValue(raw)
			obs := schemas.ExtTimeseriesObservation{
				Provider:    schemas.ProviderEIA,
				SeriesID:    id,
				TS:          ts,
				Value:       value,
				ValueRaw:    valueRaw,
				Unit:        m.unit(row, col),
				Frequency:   seriesrecord.Text(cmp.Or(resp.Frequency, m.Frequency)),
				GeoID:       firstOf(row, geoKeys...),
				Dataset:     seriesrecord.Text(m.dataset(resp)),
				QualityFlag: firstOf(row, "dataFlagDescription", "dataFlagId"),
				AsofDate:    asof,
				IngestTS:    now,
			}
			page.Add(obs, func() schemas.ExtSeriesCatalogUpsert { return m.catalog(resp, obs, row, facets, col, now) })
		}
	}
	out := page.Page()
	out.Next = NextOffset(offset, len(resp.Rows), resp.Total)
	return out, nil
}

// seriesPeriod is one observation's identity on a page.
type seriesPeriod struct {
	id string
	ts time.Time
}

// dataset is the observations' dataset: the route, or the dataset a
// seriesid answer names ("international").
func (m Mapping) dataset(resp Response) string {
	if m.SeriesID != "" && resp.ID != "" {
		return resp.ID
	}
	return m.Route
}

// catalog is the catalog upsert of the series of obs, first seen in row.
func (m Mapping) catalog(resp Response, obs schemas.ExtTimeseriesObservation, row Row, facets []string, col string, now time.Time) schemas.ExtSeriesCatalogUpsert {
	t := seriesIDTitle(row)
	if m.SeriesID == "" {
		t = title(row, facets)
	}
	if t == "" {
		t = obs.SeriesID
	}
	if col != "value" {
		t += " (" + col + ")"
	}
	desc := resp.Description
	if desc == "" && m.Meta != nil {
		desc = m.Meta.Description
	}
	return schemas.ExtSeriesCatalogUpsert{
		Provider:    schemas.ProviderEIA,
		SeriesID:    obs.SeriesID,
		Title:       t,
		Unit:        obs.Unit,
		Frequency:   obs.Frequency,
		GeoID:       obs.GeoID,
		Dataset:     obs.Dataset,
		Description: seriesrecord.Text(desc),
		SourceURL:   sourceURL(m),
		UpdatedTS:   now,
	}
}

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
