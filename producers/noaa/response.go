package noaa

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/seriesrecord"
	"github.com/aurum-energy/aurum/schemas"
)

// ResultSet is the paging of a CDO answer: offset is 1-based.
type ResultSet struct {
	Offset int `json:"offset"`
	Count  int `json:"count"`
	Limit  int `json:"limit"`
}

// Result is one observation of a data answer.
type Result struct {
	Date     string          `json:"date"`
	DataType string          `json:"datatype"`
	Station  string          `json:"station"`
	Attrs    string          `json:"attributes"`
	Value    json.RawMessage `json:"value"`
}

// Data is a parsed data answer.
type Data struct {
	ResultSet ResultSet
	Results   []Result
}

type envelope[T any] struct {
	Metadata *struct {
		ResultSet ResultSet `json:"resultset"`
	} `json:"metadata"`
	Results []T `json:"results"`
	// CDO's error body: {"status": "400", "message": "..."}, or from the
	// gateway {"developerMessage": "...", "userMessage": "..."}.
	Status           json.RawMessage `json:"status"`
	Message          string          `json:"message"`
	DeveloperMessage string          `json:"developerMessage"`
	UserMessage      string          `json:"userMessage"`
}

func parseEnvelope[T any](body []byte, what string) (envelope[T], error) {
	var env envelope[T]
	if err := json.Unmarshal(body, &env); err != nil {
		return env, fmt.Errorf("%w: noaa %s: %v", collector.ErrMalformed, what, err)
	}
	if msg := strings.TrimSpace(strings.Join([]string{env.Message, env.DeveloperMessage, env.UserMessage}, " ")); msg != "" && env.Results == nil {
		if s := strings.Trim(string(env.Status), `"`); s != "" {
			msg = s + ": " + msg
		}
		return env, fmt.Errorf("%w: noaa %s error: %s", collector.ErrMalformed, what, msg)
	}
	if env.Results != nil && env.Metadata == nil {
		return env, fmt.Errorf("%w: noaa %s: results without metadata.resultset", collector.ErrMalformed, what)
	}
	return env, nil
}

// ParseData reads the body of a CDO v2 data answer. An empty object {} is
// CDO's answer when nothing matches: no results. Invalid JSON or CDO's
// error body ({"status", "message"}) is an error wrapping
// collector.ErrMalformed with the provider's message.
func ParseData(body []byte) (Data, error) {
	env, err := parseEnvelope[Result](body, "data")
	if err != nil {
		return Data{}, err
	}
	d := Data{Results: env.Results}
	if env.Metadata != nil {
		d.ResultSet = env.Metadata.ResultSet
	}
	return d, nil
}

// NextOffset is the 1-based offset of the page after rs: offset+limit
// while offset+limit <= count, 0 when the result set is exhausted.
func NextOffset(rs ResultSet) int {
	if rs.Limit <= 0 || rs.Offset+rs.Limit > rs.Count {
		return 0
	}
	return rs.Offset + rs.Limit
}

// Mapping says what the rows of one answer are.
type Mapping struct {
	// Dataset is the datasetid asked ("GHCND"); answers do not repeat it.
	Dataset string
	// Units is the units parameter asked ("metric", "standard" or "" for
	// CDO's raw units), which decides the unit written.
	Units string
	// DatasetName and StationNames (station id → name) title the catalog
	// when known ("Daily Summaries: PRCP at INVERNESS 1.6 WSW, FL US");
	// ids stand in for names not known.
	DatasetName  string
	StationNames map[string]string
}

// SeriesID is the series of a result: "<dataset>:<station>:<datatype>"
// ("GHCND:GHCND:USC00200230:PRCP").
func (m Mapping) SeriesID(r Result) string {
	return m.Dataset + ":" + r.Station + ":" + r.DataType
}

// frequencies are the sampling frequencies of the CDO datasets.
var frequencies = map[string]string{
	"GHCND": "daily", "GSOM": "monthly", "GSOY": "annual",
	"NORMAL_DLY": "daily", "NORMAL_MLY": "monthly", "NORMAL_HLY": "hourly", "NORMAL_ANN": "annual",
	"PRECIP_HLY": "hourly", "PRECIP_15": "15min",
}

// units are the units of common data types when CDO converts them
// (units=metric or units=standard); without units CDO sends raw values
// (tenths of mm, tenths of °C for GHCND) and no unit is written.
var units = map[string]map[string]string{
	"metric": {
		"PRCP": "mm", "SNOW": "mm", "SNWD": "mm", "EVAP": "mm",
		"TMAX": "C", "TMIN": "C", "TAVG": "C", "TOBS": "C", "EMXT": "C", "EMNT": "C",
		"AWND": "m/s", "WSF2": "m/s", "WSF5": "m/s",
	},
	"standard": {
		"PRCP": "in", "SNOW": "in", "SNWD": "in", "EVAP": "in",
		"TMAX": "F", "TMIN": "F", "TAVG": "F", "TOBS": "F", "EMXT": "F", "EMNT": "F",
		"AWND": "mph", "WSF2": "mph", "WSF5": "mph",
	},
}

// ParseDate reads a CDO date ("2013-09-03T00:00:00"). CDO dates are the
// station's local dates with no zone; they are taken as UTC midnight dates
// (a daily value belongs to the calendar day, not an instant).
func ParseDate(s string) (time.Time, error) {
	return time.Parse("2006-01-02T15:04:05", s)
}

// MapPage maps a data answer to records: an ExtTimeseriesObservation per
// result whose date lies in w (both bounds inclusive) and an
// ExtSeriesCatalogUpsert per series on the page (first_ts and last_ts are
// the page's). quality_flag keeps the attributes string raw (for GHCND
// "measurement,quality,source,time" flags, e.g. "T,,7,1800": trace, no
// quality flag, source 7, observed 18:00), or nil when empty. CDO has no
// vintage: asof_date is the day of now. The watermark is the latest date
// on the page; paging is the caller's (NextOffset).
func MapPage(d Data, m Mapping, w collector.Window, now time.Time) (collector.Page, error) {
	now = now.UTC()
	asof := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	page := seriesrecord.NewPage()
	for i, r := range d.Results {
		if r.Station == "" || r.DataType == "" {
			return collector.Page{}, fmt.Errorf("%w: noaa: result %d has no station or datatype", collector.ErrMalformed, i)
		}
		ts, err := ParseDate(r.Date)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: noaa: result %d: date %q: %v", collector.ErrMalformed, i, r.Date, err)
		}
		if !w.Contains(ts) {
			continue
		}
		value, raw, err := seriesrecord.Value(r.Value)
		if err != nil {
			return collector.Page{}, fmt.Errorf("%w: noaa: result %d: %v", collector.ErrMalformed, i, err)
		}
		id := m.SeriesID(r)
		station := r.Station
		obs := schemas.ExtTimeseriesObservation{
			Provider:    schemas.ProviderNOAA,
			SeriesID:    id,
			TS:          ts,
			Value:       value,
			ValueRaw:    raw,
			Unit:        seriesrecord.Text(units[m.Units][r.DataType]),
			Frequency:   seriesrecord.Text(frequencies[m.Dataset]),
			GeoID:       &station,
			Dataset:     seriesrecord.Text(m.Dataset),
			QualityFlag: seriesrecord.Text(r.Attrs),
			AsofDate:    asof,
			IngestTS:    now,
		}
		page.Add(obs, func() schemas.ExtSeriesCatalogUpsert {
			dsName, stName := m.DatasetName, m.StationNames[r.Station]
			if dsName == "" {
				dsName = m.Dataset
			}
			if stName == "" {
				stName = r.Station
			}
			u := "https://www.ncei.noaa.gov/cdo-web/datasets/" + m.Dataset + "/stations/" + r.Station + "/detail"
			return schemas.ExtSeriesCatalogUpsert{
				Provider: schemas.ProviderNOAA, SeriesID: id, Title: dsName + ": " + r.DataType + " at " + stName,
				Unit: obs.Unit, Frequency: obs.Frequency, GeoID: obs.GeoID, Dataset: obs.Dataset,
				SourceURL: &u, UpdatedTS: now,
			}
		})
	}
	return page.Page(), nil
}

// Dataset is a CDO dataset (datasets endpoint).
type Dataset struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	MinDate string `json:"mindate"`
	MaxDate string `json:"maxdate"`
}

// Station is a CDO station (stations endpoint).
type Station struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	MinDate   string  `json:"mindate"`
	MaxDate   string  `json:"maxdate"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// ParseDatasets reads a datasets answer: a list ({"metadata", "results"})
// or one dataset (datasets/{id}).
func ParseDatasets(body []byte) ([]Dataset, error) {
	return parseList[Dataset](body, "datasets", func(d Dataset) bool { return d.ID != "" })
}

// ParseStations reads a stations answer: a list or one station
// (stations/{id}).
func ParseStations(body []byte) ([]Station, error) {
	return parseList[Station](body, "stations", func(s Station) bool { return s.ID != "" })
}

func parseList[T any](body []byte, what string, valid func(T) bool) ([]T, error) {
	env, err := parseEnvelope[T](body, what)
	if err != nil {
		return nil, err
	}
	if env.Results != nil {
		return env.Results, nil
	}
	var one T
	if err := json.Unmarshal(body, &one); err != nil {
		return nil, fmt.Errorf("%w: noaa %s: %v", collector.ErrMalformed, what, err)
	}
	if !valid(one) {
		return nil, nil // {}: nothing matched
	}
	return []T{one}, nil
}
