package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// externalProviders are the providers of DESIGN §7 with their display
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
		params:  []string{"format"},
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

// seriesEndpoint is GET /v1/external/series: the catalog, filtered by
// provider, title text (q, a case-insensitive substring) and frequency, in
// (provider, series_id) order (market.Reader.Series).
func (s *Server) seriesEndpoint() echo.HandlerFunc {
	const path = "/v1/external/series"
	return s.filteredHandler(path, []string{"frequency", "provider", "q"}, func(_ echo.Context, v url.Values) (*listEndpoint, error) {
		var f filterSpelling
		provider, err := optional(v, "provider", func(name string, raw []string) (string, error) {
			return enumValue(name, raw, providerCodes())
		})
		if err != nil {
			return nil, err
		}
		text, err := optional(v, "q", singleValue)
		if err != nil {
			return nil, err
		}
		frequency, err := optional(v, "frequency", singleValue)
		if err != nil {
			return nil, err
		}
		frequency = strings.ToLower(frequency)
		f.add("frequency", frequency)
		f.add("provider", provider)
		f.add("q", text)
		return &listEndpoint{
			path:    f.path(path),
			params:  pageParams,
			keyLen:  2,
			dataset: market.DatasetSeries,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor() },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				entries, next, err := s.market.Series(ctx, market.SeriesQuery{Provider: provider, Text: text, Frequency: frequency}, q.page())
				if err != nil {
					return nil, nil, err
				}
				t := newTable(q.format, &seriesRow{})
				for i := range entries {
					t.add((*seriesRow)(&entries[i]))
				}
				return t, next, nil
			},
		}, nil
	})
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
func (s *Server) observationsEndpoint() echo.HandlerFunc {
	const route = "/v1/external/series/{provider}/{series_id}/observations"
	return s.filteredHandler(route, []string{"end", "start"}, func(c echo.Context, v url.Values) (*listEndpoint, error) {
		provider := strings.ToUpper(c.Param("provider"))
		seriesID, err := url.PathUnescape(c.Param("series_id"))
		if err != nil || !slices.Contains(providerCodes(), provider) {
			return nil, NotFound(fmt.Sprintf("no provider %q (providers: %s)", c.Param("provider"), strings.Join(providerCodes(), ", ")))
		}
		r, err := parseTimeRange(v)
		if err != nil {
			return nil, err
		}
		path := "/v1/external/series/" + provider + "/" + url.PathEscape(seriesID) + "/observations"
		var f filterSpelling
		r.spell(&f)
		return &listEndpoint{
			path:    f.path(path),
			params:  pageParams,
			keyLen:  1,
			dataset: market.DatasetSeries,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor(r.end) },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				obs, next, err := s.market.Observations(ctx, provider, seriesID, r.start, r.end, q.page())
				if errors.Is(err, market.ErrNotFound) {
					return nil, nil, NotFound(fmt.Sprintf("no series %q of provider %s", seriesID, provider))
				}
				if err != nil {
					return nil, nil, err
				}
				t := newTable(q.format, &observationRow{})
				for i := range obs {
					t.add((*observationRow)(&obs[i]))
				}
				return t, next, nil
			},
		}, nil
	})
}
