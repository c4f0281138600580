package worldbank

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/seriesrecord"
	"github.com/aurum-energy/aurum/schemas"
)

// Paging is the first element of a World Bank v2 answer.
type Paging struct {
	Page, Pages, PerPage, Total int
	// LastUpdated is when the World Bank last updated the indicator's
	// source ("2021-05-25"): the vintage of every value on the page.
	LastUpdated string
	SourceID    string
	SourceName  string
}

// Row is one observation row of an indicator answer.
type Row struct {
	Indicator       Ref             `json:"indicator"`
	Country         Ref             `json:"country"`
	CountryISO3Code string          `json:"countryiso3code"`
	Date            string          `json:"date"`
	Value           json.RawMessage `json:"value"`
	Unit            string          `json:"unit"`
	ObsStatus       string          `json:"obs_status"`
}

// Ref is an id with its label, such as {"id":"JP","value":"Japan"}.
type Ref struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// flexInt reads a count the API sends as a number or a string ("50").
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%s is not an integer", b)
	}
	*n = flexInt(v)
	return nil
}

type pagingJSON struct {
	Page        flexInt        `json:"page"`
	Pages       flexInt        `json:"pages"`
	PerPage     flexInt        `json:"per_page"`
	Total       flexInt        `json:"total"`
	LastUpdated string         `json:"lastupdated"`
	SourceID    string         `json:"sourceid"`
	SourceName  string         `json:"sourcename"`
	Message     []errorMessage `json:"message"`
}

type errorMessage struct {
	ID    string `json:"id"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ParsePage reads the body of an indicator answer, `[paging, rows]`; rows
// is null when nothing matches. The World Bank's error format (HTTP 200
// with `[{"message":[{"id","key","value"}]}]`), invalid JSON or another
// shape is an error wrapping collector.ErrMalformed, with the provider's
// messages.
func ParsePage(body []byte) (Paging, []Row, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(body, &parts); err != nil {
		return Paging{}, nil, fmt.Errorf("%w: worldbank: %v", collector.ErrMalformed, err)
	}
	if len(parts) == 0 {
		return Paging{}, nil, fmt.Errorf("%w: worldbank: empty array", collector.ErrMalformed)
	}
	var p pagingJSON
	if err := json.Unmarshal(parts[0], &p); err != nil {
		return Paging{}, nil, fmt.Errorf("%w: worldbank paging: %v", collector.ErrMalformed, err)
	}
	if len(p.Message) > 0 {
		msgs := make([]string, 0, len(p.Message))
		for _, m := range p.Message {
			msgs = append(msgs, fmt.Sprintf("%s %s: %s", m.ID, m.Key, m.Value))
		}
		return Paging{}, nil, fmt.Errorf("%w: worldbank error: %s", collector.ErrMalformed, strings.Join(msgs, "; "))
	}
	if len(parts) != 2 {
		return Paging{}, nil, fmt.Errorf("%w: worldbank: want [paging, rows], got %d elements", collector.ErrMalformed, len(parts))
	}
	var rows []Row
	if err := json.Unmarshal(parts[1], &rows); err != nil {
		return Paging{}, nil, fmt.Errorf("%w: worldbank rows: %v", collector.ErrMalformed, err)
	}
	return Paging{
		Page: int(p.Page), Pages: int(p.Pages), PerPage: int(p.PerPage), Total: int(p.Total),
		LastUpdated: p.LastUpdated, SourceID: p.SourceID, SourceName: p.SourceName,
	}, rows, nil
}

// ParseDate reads a row's date as the start of its period in UTC, with
// the period's frequency: "2019" (annual), "2019Q1" (quarterly),
// "2019M01" (monthly).
func ParseDate(s string) (time.Time, string, error) {
	s = strings.TrimSpace(s)
	year, err := strconv.Atoi(s[:min(4, len(s))])
	if err != nil || len(s) < 4 {
		return time.Time{}, "", fmt.Errorf("date %q has no year", s)
	}
	start := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	switch rest := s[4:]; {
	case rest == "":
		return start, "annual", nil
	case rest[0] == 'Q':
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 {
			return time.Time{}, "", fmt.Errorf("date %q has no quarter 1-4", s)
		}
		return start.AddDate(0, 3*(q-1), 0), "quarterly", nil
	case rest[0] == 'M':
		m, err := strconv.Atoi(rest[1:])
		if err != nil || m < 1 || m > 12 {
			return time.Time{}, "", fmt.Errorf("date %q has no month 1-12", s)
		}
		return start.AddDate(0, m-1, 0), "monthly", nil
	}
	return time.Time{}, "", fmt.Errorf("date %q has no known format", s)
}

// SeriesID is the series of a row: "<indicator>:<ISO3 country>"
// ("NY.GDP.MKTP.CD:JPN"), the World Bank's own country id where a row has
// no ISO3 code.
func (r Row) SeriesID() string {
	geo := r.CountryISO3Code
	if geo == "" {
		geo = r.Country.ID
	}
	return r.Indicator.ID + ":" + geo
}

// MapPage maps one page to records: an ExtTimeseriesObservation per row
// whose date lies in w (both bounds inclusive), a null value kept nil, and
// an ExtSeriesCatalogUpsert per series on the page (first_ts and last_ts
// are the page's). asof_date is the page's lastupdated, the vintage, or
// the day of now when the page has none. Next is page+1 while
// page < pages; the watermark is the latest date on the page.
func MapPage(p Paging, rows []Row, w collector.Window, now time.Time) (collector.Page, error) {
	now = now.UTC()
	asof := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if p.LastUpdated != "" {
		t, err := time.Parse("2006-01-02", p.LastUpdated)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: worldbank: lastupdated %q is not a date", collector.ErrMalformed, p.LastUpdated)
		}
		asof = t
	}
	page := seriesrecord.NewPage()
	for i, r := range rows {
		if r.Indicator.ID == "" || (r.CountryISO3Code == "" && r.Country.ID == "") {
			return collector.Page{}, fmt.Errorf("%w: worldbank: row %d has no indicator or country", collector.ErrMalformed, i)
		}
		ts, freq, err := ParseDate(r.Date)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: worldbank: row %d: %v", collector.ErrMalformed, i, err)
		}
		if !w.Contains(ts) {
			continue
		}
		value, raw, err := seriesrecord.Value(r.Value)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: worldbank: row %d: %v", collector.ErrMalformed, i, err)
		}
		id := r.SeriesID()
		geo := id[len(r.Indicator.ID)+1:]
		obs := schemas.ExtTimeseriesObservation{
			Provider:    schemas.ProviderWorldBank,
			SeriesID:    id,
			TS:          ts,
			Value:       value,
			ValueRaw:    raw,
			Unit:        seriesrecord.Text(r.Unit),
			Frequency:   &freq,
			GeoID:       &geo,
			Dataset:     seriesrecord.Text(p.SourceName),
			QualityFlag: seriesrecord.Text(r.ObsStatus),
			AsofDate:    asof,
			IngestTS:    now,
		}
		page.Add(obs, func() schemas.ExtSeriesCatalogUpsert {
			title := strings.TrimSpace(r.Indicator.Value + " - " + r.Country.Value)
			u := "https://data.worldbank.org/indicator/" + r.Indicator.ID + "?locations=" + r.Country.ID
			return schemas.ExtSeriesCatalogUpsert{
				Provider: schemas.ProviderWorldBank, SeriesID: id, Title: strings.Trim(title, " -"),
				Unit: obs.Unit, Frequency: obs.Frequency, GeoID: obs.GeoID, Dataset: obs.Dataset,
				SourceURL: &u, UpdatedTS: now,
			}
		})
	}
	out := page.Page()
	if p.Page < p.Pages {
		out.Next = strconv.Itoa(p.Page + 1)
	}
	return out, nil
}
