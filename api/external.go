package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// externalProviders are the providers of docs/CONTRACTS.md#records with their display
// names, in the order GET /v1/external/providers lists them.
var externalProviders = []struct{ code, name string }{
	{string(schemas.ProviderEIA), "U.S. Energy Information Administration"},
	{string(schemas.ProviderFRED), "Federal Reserve Economic Data"},
	{string(schemas.ProviderNOAA), "NOAA Climate Data Online"},
	{string(schemas.ProviderWorldBank), "World Bank Open Data"},
}

func providerCodes() []string {
	out := make([]string, len(externalProviders))
	for i, p := range externalProviders {
		out[i] = p.code
	}
	return out
}

// providerRow is one row of GET /v1/external/providers.
type providerRow struct {
	Provider, Name string
	SeriesCount    int64
}

func (r *providerRow) cells(w *cellWriter) {
	w.str("provider", r.Provider)
	w.str("name", r.Name)
	w.integer("series_count", r.SeriesCount)
}

// providersEndpoint is GET /v1/external/providers: every provider, with
// the number of series of its in the catalog.
func (s *Server) providersEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/external/providers",
		params:  []param{formatParam},
		dataset: market.DatasetSeries,
		maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor() },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			counts, err := s.market.ProviderCounts(ctx)
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &providerRow{})
			for _, p := range externalProviders {
				t.add(&providerRow{Provider: p.code, Name: p.name, SeriesCount: counts[p.code]})
			}
			return t, nil, nil
		},
	}
}

// seriesRow is one catalog entry of GET /v1/external/series.
type seriesRow market.CatalogEntry

func (r *seriesRow) cells(w *cellWriter) {
	w.str("provider", r.Provider)
	w.str("series_id", r.SeriesID)
	w.str("title", r.Title)
	w.optStr("unit", r.Unit)
	w.optStr("frequency", r.Frequency)
	w.optStr("geo_id", r.GeoID)
	w.optStr("dataset", r.Dataset)
	w.optStr("description", r.Description)
	w.optStr("source_url", r.SourceURL)
	w.optInstant("first_ts", r.FirstTS)
	w.optInstant("last_ts", r.LastTS)
	w.instant("updated_ts", r.UpdatedTS)
}

// The parameters of the external-series endpoints.
var (
	providerParam = param{"provider", func(q *listQuery, raw []string) (string, error) {
		v, err := enumValue("provider", raw, providerCodes())
		q.series.Provider = v
		return v, err
	}}
	titleParam = param{"q", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("q", raw)
		q.series.Text = v
		return v, err
	}}
	frequencyParam = param{"frequency", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("frequency", raw)
		q.series.Frequency = strings.ToLower(v)
		return q.series.Frequency, err
	}}
	// pathProviderParam and pathSeriesParam name the series of a path; a
	// provider Aurum does not know is a 404.
	pathProviderParam = param{"provider", func(q *listQuery, raw []string) (string, error) {
		p := strings.ToUpper(raw[0])
		if !slices.Contains(providerCodes(), p) {
			return "", NotFound(fmt.Sprintf("no provider %q (providers: %s)", raw[0], strings.Join(providerCodes(), ", ")))
		}
		q.series.Provider = p
		return p, nil
	}}
	pathSeriesParam = param{"series_id", func(q *listQuery, raw []string) (string, error) {
		id, err := url.PathUnescape(raw[0])
		if err != nil {
			return "", NotFound(fmt.Sprintf("no series %q", raw[0]))
		}
		q.seriesID = id // text and length checked with every path parameter (paramsMiddleware)
		return id, nil
	}}
)

// seriesEndpoint is GET /v1/external/series: the catalog, filtered by
// provider, title text (q, a case-insensitive substring) and frequency, in
// (provider, series_id) order (market.Reader.Series).
func (s *Server) seriesEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/external/series",
		params:  params(pageParams, []param{frequencyParam, providerParam, titleParam}),
		keyLen:  2,
		dataset: market.DatasetSeries,
		maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor() },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			entries, next, err := s.market.Series(ctx, q.series, q.page())
			return tableOf(q.format, entries, next, err, func(x *market.CatalogEntry) row { return (*seriesRow)(x) })
		},
	}
}

// observationRow is one observation of a series: the latest vintage's.
type observationRow market.Observation

func (r *observationRow) cells(w *cellWriter) {
	w.instant("ts", r.TS)
	w.optNum("value", r.Value)
	w.optStr("unit", r.Unit)
	w.optStr("quality_flag", r.QualityFlag)
}

// observationsEndpoint is GET
// /v1/external/series/{provider}/{series_id}/observations: per instant the
// value of the latest vintage (asof_date), null where the provider has
// none, in ts order, optionally from start (inclusive) to end (exclusive;
// a date includes its whole day) (market.Reader.Observations). A provider
// or series Aurum does not know is a 404.
func (s *Server) observationsEndpoint() *listEndpoint {
	return &listEndpoint{
		path:       "/v1/external/series/{provider}/{series_id}/observations",
		pathParams: []param{pathProviderParam, pathSeriesParam},
		params:     params(pageParams, rangeParams),
		keyLen:     1,
		dataset:    market.DatasetSeries,
		check:      checkRange,
		maxAge:     func(q *listQuery) time.Duration { return s.maxAgeFor(q.end) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			obs, next, err := s.market.Observations(ctx, q.series.Provider, q.seriesID, q.start, q.end, q.page())
			if errors.Is(err, market.ErrNotFound) {
				return nil, nil, NotFound(fmt.Sprintf("no series %q of provider %s", q.seriesID, q.series.Provider))
			}
			return tableOf(q.format, obs, next, err, func(x *market.Observation) row { return (*observationRow)(x) })
		},
	}
}
