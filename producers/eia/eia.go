// Package eia collects the U.S. Energy Information Administration's API v2
// (https://api.eia.gov/v2): data routes filtered by facets, read page by
// page with offset and length, and the APIv1-compatible seriesid route.
// Each row becomes an ExtTimeseriesObservation of the series named by its
// route, frequency and the values of the facets the route declares at
// GET /v2/<route> ("electricity/rto/region-data:hourly:PJM:D",
// "steo:monthly:PADI_OPEC"), and each series seen an
// ExtSeriesCatalogUpsert.
package eia

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Name is the collector's name (`aurum collect eia`).
const Name = "eia"

// Defaults of the source and of its HTTP client.
const (
	DefaultBaseURL = "https://api.eia.gov/v2"
	// DefaultPageLength is the rows asked per page: the most the API
	// returns in JSON.
	DefaultPageLength = 5000
	// DefaultRate stays well under EIA's documented limits (about 9,000
	// requests an hour, bursts of 5 a second).
	DefaultRate = 2
)

// ClientConfig is the default collector client of EIA: the real base URL
// and the API key sent as the api_key query parameter. The composition
// root sets BaseURL and APIKey from AURUM_EIA_BASE_URL and AURUM_EIA_API_KEY.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, APIKeyParam: "api_key", Rate: DefaultRate}
}

// Query is one data route request, collected as one series (one
// checkpoint); its rows may hold several series ids, one per facet value
// combination.
type Query struct {
	// Route is the data route without /data, e.g.
	// "electricity/rto/region-data". Required.
	Route string
	// Facets filter the rows: facet name → values
	// (respondent → PJM, MISO). Optional.
	Facets map[string][]string
	// Frequency is the route's frequency ("hourly", "daily", "weekly",
	// "monthly", "quarterly", "annual", "local-hourly"). Required.
	Frequency string
	// Data are the data columns asked; default "value".
	Data []string
}

// Config of the EIA source.
type Config struct {
	// Queries are the data route requests to collect.
	Queries []Query
	// SeriesIDs are APIv1 series ids collected through the seriesid route
	// ("INTL.29-12-HKG-BKWH.A").
	SeriesIDs []string
	// PageLength is the rows asked per page, default DefaultPageLength.
	PageLength int
	// Now stamps asof_date, ingest_ts and updated_ts; default time.Now.
	Now func() time.Time
}

// Source is the EIA collector source.
type Source struct {
	cfg Config

	mu     sync.Mutex
	routes map[string]*RouteMeta // by route, once read; nil when the last read failed
}

var _ collector.Source = (*Source)(nil)

// New checks cfg and returns the source.
func New(cfg Config) (*Source, error) {
	var errs []error
	if len(cfg.Queries) == 0 && len(cfg.SeriesIDs) == 0 {
		errs = append(errs, errors.New("nothing to collect: give a route or a series id"))
	}
	for i, q := range cfg.Queries {
		if strings.Trim(q.Route, "/") == "" {
			errs = append(errs, fmt.Errorf("query %d: empty route", i))
		}
		if q.Frequency == "" {
			errs = append(errs, fmt.Errorf("route %s: empty frequency", q.Route))
		}
	}
	for _, id := range cfg.SeriesIDs {
		if strings.TrimSpace(id) == "" || strings.Contains(id, "/") {
			errs = append(errs, fmt.Errorf("invalid series id %q", id))
		}
	}
	if cfg.PageLength < 0 || cfg.PageLength > DefaultPageLength {
		errs = append(errs, fmt.Errorf("page length %d outside 1..%d", cfg.PageLength, DefaultPageLength))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("eia config: %w", err)
	}
	cfg.PageLength = cmp.Or(cfg.PageLength, DefaultPageLength)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, routes: map[string]*RouteMeta{}}, nil
}

// Options are the flags of `aurum collect eia`: one query per route, each
// with every facet, the frequency and the data columns given, plus the
// APIv1 series ids.
type Options struct {
	Routes    []string
	Facets    []string // "name=v1,v2" (ParseFacet)
	Frequency string
	Data      []string
	SeriesIDs []string
}

// Spec is `aurum collect eia`.
var Spec = collector.Spec[Options, *Source]{
	Name:    Name,
	Summary: "EIA API v2 data routes, or v1 series ids",
	Example: []string{"--route", "electricity/rto/region-data", "--facet", "respondent=PJM,MISO", "--facet", "type=D", "--frequency", "hourly", "--data", "value", "--seriesid", "INTL.29-12-HKG-BKWH.A"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, o *Options) {
		f.List(&o.Routes, "route", "data routes without /data (electricity/rto/region-data), one query each")
		f.Raw(&o.Facets, "facet", "facet filter name=v1,v2")
		f.String(&o.Frequency, "frequency", "frequency of the routes (hourly, daily, monthly, ...)")
		f.List(&o.Data, "data", "data columns (default value)")
		f.List(&o.SeriesIDs, "seriesid", "APIv1 series ids (INTL.29-12-HKG-BKWH.A)")
	},
	New: FromOptions,
}

// FromOptions checks o and returns the source of its queries.
func FromOptions(o Options) (*Source, error) {
	facets := map[string][]string{}
	for _, s := range o.Facets {
		name, values, err := ParseFacet(s)
		if err != nil {
			return nil, err
		}
		facets[name] = append(facets[name], values...)
	}
	cfg := Config{SeriesIDs: o.SeriesIDs}
	for _, r := range o.Routes {
		cfg.Queries = append(cfg.Queries, Query{Route: r, Facets: facets, Frequency: o.Frequency, Data: o.Data})
	}
	return New(cfg)
}

// ParseFacet reads a --facet flag value "name=v1,v2".
func ParseFacet(s string) (name string, values []string, err error) {
	name, list, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	for v := range strings.SplitSeq(list, ",") {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	if !ok || name == "" || len(values) == 0 {
		return "", nil, fmt.Errorf("facet %q: want name=value[,value...]", s)
	}
	return name, values, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Params of a Series.
const (
	paramRoute     = "route"
	paramFrequency = "frequency"
	paramData      = "data"
	paramFacet     = "facet:" // prefix, one per facet: "facet:respondent" → "MISO,PJM"
	paramSeriesID  = "seriesid"
)

// Series implements collector.Source: one series per query, keyed by its
// route and canonical filter ("electricity/rto/region-data?data=value&
// facets[respondent]=MISO,PJM&frequency=hourly"), and one per series id
// ("seriesid/INTL.29-12-HKG-BKWH.A").
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	var out []collector.Series
	for _, q := range s.cfg.Queries {
		route := strings.Trim(q.Route, "/")
		data := q.Data
		if len(data) == 0 {
			data = []string{"value"}
		}
		params := map[string]string{paramRoute: route, paramFrequency: q.Frequency, paramData: strings.Join(data, ",")}
		key := []string{"data=" + strings.Join(data, ",")}
		for _, name := range slices.Sorted(maps.Keys(q.Facets)) {
			values := slices.Sorted(slices.Values(q.Facets[name]))
			params[paramFacet+name] = strings.Join(values, ",")
			key = append(key, "facets["+name+"]="+strings.Join(values, ","))
		}
		key = append(key, "frequency="+q.Frequency)
		out = append(out, collector.Series{Key: route + "?" + strings.Join(key, "&"), Params: params})
	}
	for _, id := range s.cfg.SeriesIDs {
		out = append(out, collector.Series{Key: "seriesid/" + id, Params: map[string]string{paramSeriesID: id}})
	}
	return out, nil
}

// Fetch implements collector.Source. The cursor is the row offset. A data
// route's metadata is read once, before its first page (see routeMeta);
// its warnings go to c's logger.
func (s *Source) Fetch(ctx context.Context, c collector.Getter, sr collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	offset, err := collector.NumberCursor(cursor, 0, "an offset")
	if err != nil {
		return collector.Page{}, fmt.Errorf("eia %s: %w", sr.Key, err)
	}
	if id := sr.Params[paramSeriesID]; id != "" {
		// The seriesid route answers the whole series in one page.
		body, err := c.Get(ctx, "seriesid/"+url.PathEscape(id), nil)
		if err != nil {
			return collector.Page{}, err
		}
		resp, err := ParseResponse(body)
		if err != nil {
			return collector.Page{}, fmt.Errorf("eia %s: %w", sr.Key, err)
		}
		page, err := MapPage(resp, Mapping{SeriesID: id}, 0, w, s.cfg.Now())
		if err != nil {
			return collector.Page{}, fmt.Errorf("eia %s: %w", sr.Key, err)
		}
		page.Next = ""
		return page, nil
	}
	route := sr.Params[paramRoute]
	if route == "" {
		return collector.Page{}, fmt.Errorf("eia %s: series has no route", sr.Key)
	}
	meta, err := s.routeMeta(ctx, c, route, cursor == "")
	if err != nil {
		return collector.Page{}, err
	}
	q, data := s.query(sr, w, offset)
	body, err := c.Get(ctx, route+"/data/", q)
	if err != nil {
		return collector.Page{}, err
	}
	resp, err := ParseResponse(body)
	if err != nil {
		return collector.Page{}, fmt.Errorf("eia %s offset %d: %w", sr.Key, offset, err)
	}
	m := Mapping{Route: route, Data: data, Frequency: sr.Params[paramFrequency], Meta: meta}
	page, err := MapPage(resp, m, offset, w, s.cfg.Now())
	if err != nil {
		return collector.Page{}, fmt.Errorf("eia %s offset %d: %w", sr.Key, offset, err)
	}
	return page, nil
}

// query builds the data route's parameters: frequency, data[], facets,
// start and end from the window at the frequency's precision, a stable
// sort (period, then the facets) so that offsets do not shift between
// pages, offset and length.
func (s *Source) query(sr collector.Series, w collector.Window, offset int) (url.Values, []string) {
	freq := sr.Params[paramFrequency]
	q := url.Values{}
	q.Set("frequency", freq)
	data := strings.Split(sr.Params[paramData], ",")
	for _, d := range data {
		q.Add("data[]", d)
	}
	q.Set("sort[0][column]", "period")
	q.Set("sort[0][direction]", "asc")
	i := 1
	for _, k := range slices.Sorted(maps.Keys(sr.Params)) {
		name, ok := strings.CutPrefix(k, paramFacet)
		if !ok {
			continue
		}
		for v := range strings.SplitSeq(sr.Params[k], ",") {
			q.Add("facets["+name+"][]", v)
		}
		q.Set("sort["+strconv.Itoa(i)+"][column]", name)
		q.Set("sort["+strconv.Itoa(i)+"][direction]", "asc")
		i++
	}
	if layout := periodLayout(freq); layout != "" {
		if !w.Since.IsZero() {
			q.Set("start", formatPeriod(w.Since, freq, layout))
		}
		if !w.Until.IsZero() {
			q.Set("end", formatPeriod(w.Until, freq, layout))
		}
	}
	q.Set("offset", strconv.Itoa(offset))
	q.Set("length", strconv.Itoa(s.cfg.PageLength))
	return q, data
}

// periodLayout is the layout of start and end at a frequency; "" for a
// frequency this source does not know, which is then filtered client-side
// only.
func periodLayout(freq string) string {
	switch freq {
	case "hourly":
		return "2006-01-02T15"
	case "local-hourly":
		return "2006-01-02T15-07"
	case "daily", "weekly":
		return "2006-01-02"
	case "monthly":
		return "2006-01"
	case "quarterly":
		return "2006-Q1" // formatPeriod writes the quarter
	case "annual":
		return "2006"
	}
	return ""
}

func formatPeriod(t time.Time, freq, layout string) string {
	t = t.UTC()
	if freq == "quarterly" {
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())+2)/3)
	}
	if freq == "local-hourly" {
		return t.Format("2006-01-02T15") + "-00"
	}
	return t.Format(layout)
}
