// Package noaa collects NOAA Climate Data Online (CDO) v2 data
// (https://www.ncei.noaa.gov/cdo-web/api/v2/data): a dataset's values per
// station and data type, read page by page with CDO's 1-based offset, in
// windows of at most a year (CDO's limit for daily data). Each result
// becomes an ExtTimeseriesObservation of the series
// "<dataset>:<station>:<datatype>", and each series seen an
// ExtSeriesCatalogUpsert.
package noaa

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Name is the collector's name (`aurum collect noaa`).
const Name = "noaa"

// Defaults of the source and of its HTTP client.
const (
	DefaultBaseURL = "https://www.ncei.noaa.gov/cdo-web/api/v2"
	// DefaultLimit is the results asked per page, CDO's maximum.
	DefaultLimit = 1000
	// DefaultRate stays under CDO's 5 requests a second per token.
	DefaultRate = 4
	// DefaultUnits asks CDO for converted metric values.
	DefaultUnits = "metric"
)

// ClientConfig is the default collector client of NOAA CDO: the real base
// URL and the token sent in the "token" header. The composition root sets
// BaseURL and APIKey from AURUM_NOAA_BASE_URL and AURUM_NOAA_API_KEY.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, APIKeyHeader: "token", Rate: DefaultRate}
}

// Config of the NOAA source.
type Config struct {
	// Dataset is the CDO datasetid ("GHCND", "GSOM", ...). Required.
	Dataset string
	// Stations are the stationids ("GHCND:USC00200230"), one series
	// (checkpoint) each; none collects the whole dataset as one series
	// (best narrowed by Locations).
	Stations []string
	// DataTypes are the datatypeids ("PRCP", "TMAX"); none takes all.
	DataTypes []string
	// Locations are locationids ("FIPS:12017") narrowing the stations.
	Locations []string
	// Units is "metric" (DefaultUnits), "standard" or "raw" (CDO's stored
	// units, no unit written).
	Units string
	// Limit is the results asked per page, default DefaultLimit.
	Limit int
	// LookupNames fetches the dataset's and each station's name once (the
	// datasets/{id} and stations/{id} endpoints) to title the catalog;
	// off, series are titled by their ids.
	LookupNames bool
	// Now stamps asof_date, ingest_ts and updated_ts, and ends an open
	// window; default time.Now.
	Now func() time.Time
}

// Spec is `aurum collect noaa`.
var Spec = collector.Spec[Config, *Source]{
	Name:    Name,
	Summary: "NOAA CDO v2 data",
	Example: []string{"--dataset", "GHCND", "--station", "GHCND:USC00200230", "--datatype", "PRCP,TMAX", "--location", "FIPS:12017", "--units", "metric", "--lookup-names"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.String(&c.Dataset, "dataset", "CDO dataset id (GHCND, GSOM, ...)")
		f.List(&c.Stations, "station", "station ids (GHCND:USC00200230), one series each")
		f.List(&c.DataTypes, "datatype", "datatype ids (PRCP, TMAX; default all)")
		f.List(&c.Locations, "location", "location ids narrowing the stations (FIPS:12017)")
		f.String(&c.Units, "units", "units: metric (default), standard or raw")
		f.Bool(&c.LookupNames, "lookup-names", "title the catalog with the dataset's and stations' names")
	},
	New: New,
}

// Source is the NOAA CDO collector source.
type Source struct {
	cfg Config

	mu    sync.Mutex
	names map[string]string // dataset or station id → name, once looked up
}

var _ collector.Source = (*Source)(nil)

// New checks cfg and returns the source.
func New(cfg Config) (*Source, error) {
	var errs []error
	if cfg.Dataset == "" {
		errs = append(errs, errors.New("no dataset"))
	}
	switch cfg.Units {
	case "":
		cfg.Units = DefaultUnits
	case "metric", "standard", "raw":
	default:
		errs = append(errs, fmt.Errorf("units %q: want metric, standard or raw", cfg.Units))
	}
	if cfg.Limit < 0 || cfg.Limit > DefaultLimit {
		errs = append(errs, fmt.Errorf("limit %d outside 1..%d", cfg.Limit, DefaultLimit))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("noaa config: %w", err)
	}
	cfg.Limit = cmp.Or(cfg.Limit, DefaultLimit)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, names: map[string]string{}}, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Series implements collector.Source: one series per station, keyed
// "GHCND?station=GHCND:USC00200230&datatype=PRCP".
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	stations := s.cfg.Stations
	if len(stations) == 0 {
		stations = []string{""}
	}
	var out []collector.Series
	for _, st := range stations {
		key := s.cfg.Dataset + "?"
		params := map[string]string{"dataset": s.cfg.Dataset}
		var parts []string
		if st != "" {
			parts = append(parts, "station="+st)
			params["station"] = st
		}
		if len(s.cfg.DataTypes) > 0 {
			parts = append(parts, "datatype="+strings.Join(s.cfg.DataTypes, ","))
			params["datatype"] = strings.Join(s.cfg.DataTypes, ",")
		}
		if len(s.cfg.Locations) > 0 {
			parts = append(parts, "location="+strings.Join(s.cfg.Locations, ","))
			params["location"] = strings.Join(s.cfg.Locations, ",")
		}
		out = append(out, collector.Series{Key: key + strings.Join(parts, "&"), Params: params})
	}
	return out, nil
}

// Fetch implements collector.Source. The cursor is "<chunk start>,<offset>"
// ("2013-01-01,1001"): the year-long chunk of the window being read and
// the 1-based offset in it.
func (s *Source) Fetch(ctx context.Context, c collector.Getter, sr collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	from, until := Span(w, s.cfg.Now())
	start, offset := from, 1
	if cursor != "" {
		var err error
		if start, offset, err = parseCursor(cursor); err != nil {
			return collector.Page{}, fmt.Errorf("noaa %s: %w", sr.Key, err)
		}
	}
	end := ChunkEnd(start, until)
	m := Mapping{Dataset: sr.Params["dataset"], Units: s.cfg.Units}
	if s.cfg.LookupNames && cursor == "" {
		if err := s.lookupNames(ctx, c, m.Dataset, sr.Params["station"]); err != nil {
			return collector.Page{}, fmt.Errorf("noaa %s names: %w", sr.Key, err)
		}
	}
	m.DatasetName, m.StationNames = s.namesFor(m.Dataset)
	body, err := c.Get(ctx, "data", s.query(sr, start, end, offset))
	if err != nil {
		return collector.Page{}, err
	}
	d, err := ParseData(body)
	if err != nil {
		return collector.Page{}, fmt.Errorf("noaa %s %s offset %d: %w", sr.Key, start.Format(time.DateOnly), offset, err)
	}
	page, err := MapPage(d, m, w, s.cfg.Now())
	if err != nil {
		return collector.Page{}, fmt.Errorf("noaa %s %s offset %d: %w", sr.Key, start.Format(time.DateOnly), offset, err)
	}
	switch next := NextOffset(d.ResultSet); {
	case next > 0 && len(d.Results) > 0:
		page.Next = formatCursor(start, next)
	case end.Before(until):
		page.Next = formatCursor(end.AddDate(0, 0, 1), 1)
	}
	return page, nil
}

func (s *Source) query(sr collector.Series, start, end time.Time, offset int) url.Values {
	q := url.Values{}
	q.Set("datasetid", sr.Params["dataset"])
	for key, param := range map[string]string{"station": "stationid", "datatype": "datatypeid", "location": "locationid"} {
		if v := sr.Params[key]; v != "" {
			for id := range strings.SplitSeq(v, ",") {
				q.Add(param, id)
			}
		}
	}
	q.Set("startdate", start.Format(time.DateOnly))
	q.Set("enddate", end.Format(time.DateOnly))
	q.Set("sortfield", "date")
	q.Set("sortorder", "asc")
	q.Set("includemetadata", "true")
	q.Set("limit", strconv.Itoa(s.cfg.Limit))
	q.Set("offset", strconv.Itoa(offset))
	if s.cfg.Units != "raw" {
		q.Set("units", s.cfg.Units)
	}
	return q
}

// Span is the dates a window asks CDO for, which needs both: an open Until
// is today (of now, UTC), an open Since a year before Until.
func Span(w collector.Window, now time.Time) (from, until time.Time) {
	until = day(now)
	if !w.Until.IsZero() {
		until = day(w.Until)
	}
	from = until.AddDate(-1, 0, 1)
	if !w.Since.IsZero() {
		from = day(w.Since)
	}
	return from, until
}

// ChunkEnd is the last date of the chunk starting at start: a year less a
// day later (CDO refuses longer ranges of daily data), or until.
func ChunkEnd(start, until time.Time) time.Time {
	end := start.AddDate(1, 0, -1)
	if end.After(until) {
		return until
	}
	return end
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func formatCursor(start time.Time, offset int) string {
	return start.Format(time.DateOnly) + "," + strconv.Itoa(offset)
}

func parseCursor(c string) (time.Time, int, error) {
	d, o, ok := strings.Cut(c, ",")
	start, err := time.Parse(time.DateOnly, d)
	offset, err2 := strconv.Atoi(o)
	if !ok || err != nil || err2 != nil || offset < 1 {
		return time.Time{}, 0, fmt.Errorf("cursor %q is not <date>,<offset>", c)
	}
	return start, offset, nil
}

// lookupNames fetches the names of the dataset and station not yet known.
func (s *Source) lookupNames(ctx context.Context, c collector.Getter, dataset, station string) error {
	s.mu.Lock()
	_, haveDS := s.names[dataset]
	_, haveSt := s.names[station]
	s.mu.Unlock()
	if !haveDS {
		body, err := c.Get(ctx, "datasets/"+url.PathEscape(dataset), nil)
		if err != nil {
			return err
		}
		ds, err := ParseDatasets(body)
		if err != nil {
			return err
		}
		remember(s, dataset, ds, func(d Dataset) (string, string) { return d.ID, d.Name })
	}
	if station != "" && !haveSt {
		body, err := c.Get(ctx, "stations/"+url.PathEscape(station), nil)
		if err != nil {
			return err
		}
		st, err := ParseStations(body)
		if err != nil {
			return err
		}
		remember(s, station, st, func(x Station) (string, string) { return x.ID, x.Name })
	}
	return nil
}

// remember records the name of id found among items ("" when absent, so
// it is not asked again).
func remember[T any](s *Source, id string, items []T, idName func(T) (string, string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[id] = ""
	for _, it := range items {
		if k, name := idName(it); k == id {
			s.names[id] = name
		}
	}
}

// namesFor returns the dataset's name and the station names known.
func (s *Source) namesFor(dataset string) (string, map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stations := make(map[string]string, len(s.names))
	for id, name := range s.names {
		if name != "" && id != dataset {
			stations[id] = name
		}
	}
	return s.names[dataset], stations
}
