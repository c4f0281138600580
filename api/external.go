package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/schemas"
)

// datasetSeries is the data_version row of ext_timeseries_observation and
// ext_series_catalog.
const datasetSeries = "series"

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
		dataset: datasetSeries,
		maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor() },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			rows, err := s.pool.Query(ctx, `SELECT provider, count(*) FROM ext_series_catalog GROUP BY provider`)
			if err != nil {
				return nil, nil, fmt.Errorf("query: %w", err)
			}
			counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (providerRow, error) {
				var p providerRow
				return p, r.Scan(&p.Provider, &p.SeriesCount)
			})
			if err != nil {
				return nil, nil, fmt.Errorf("read rows: %w", err)
			}
			t := newTable(q.format, &providerRow{})
			for _, p := range externalProviders {
				r := providerRow{Provider: p.code, Name: p.name}
				for _, c := range counts {
					if c.Provider == p.code {
						r.SeriesCount = c.SeriesCount
					}
				}
				t.add(&r)
			}
			return t, nil, nil
		},
	}
}

// seriesRow is one catalog entry of GET /v1/external/series.
type seriesRow struct {
	Provider, SeriesID, Title                               string
	Unit, Frequency, GeoID, Dataset, Description, SourceURL *string
	FirstTS, LastTS                                         *time.Time
	UpdatedTS                                               time.Time
}

func (r *seriesRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.Provider, &r.SeriesID, &r.Title, &r.Unit, &r.Frequency, &r.GeoID, &r.Dataset,
		&r.Description, &r.SourceURL, &r.FirstTS, &r.LastTS, &r.UpdatedTS)
}

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

func (r *seriesRow) key() []string { return []string{r.Provider, r.SeriesID} }

// seriesEndpoint is GET /v1/external/series: the catalog, filtered by
// provider, title text (q, a case-insensitive substring) and frequency, in
// (provider, series_id) order.
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
			dataset: datasetSeries,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor() },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				b := &sqlBuilder{sql: &strings.Builder{}}
				b.text(`SELECT provider, series_id, title, unit, frequency, geo_id, dataset, description,
					source_url, first_ts, last_ts, updated_ts FROM ext_series_catalog WHERE TRUE`)
				if provider != "" {
					b.text(" AND provider = ")
					b.arg(provider)
				}
				if text != "" {
					b.text(` AND title ILIKE '%' || `)
					b.arg(likeEscaper.Replace(text))
					b.text(` || '%'`)
				}
				if frequency != "" {
					b.text(" AND lower(frequency) = ")
					b.arg(frequency)
				}
				if q.after != nil {
					b.text(" AND (provider, series_id) > (")
					b.arg(q.after[0])
					b.text(", ")
					b.arg(q.after[1])
					b.text(")")
				}
				b.text(" ORDER BY provider, series_id LIMIT ")
				b.arg(q.limit + 1)
				return s.collectPage(ctx, b, q, &seriesRow{})
			},
		}, nil
	})
}

// likeEscaper escapes the wildcards of ILIKE (whose default escape is \).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// observationRow is one observation of a series: the latest vintage's.
type observationRow struct {
	TS          time.Time
	Value       *float64
	Unit        *string
	QualityFlag *string
}

func (r *observationRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.TS, &r.Value, &r.Unit, &r.QualityFlag)
}

func (r *observationRow) cells(w *cellWriter) {
	w.instant("ts", r.TS)
	w.optNum("value", r.Value)
	w.optStr("unit", r.Unit)
	w.optStr("quality_flag", r.QualityFlag)
}

func (r *observationRow) key() []string { return []string{r.TS.UTC().Format(time.RFC3339Nano)} }

// observationsEndpoint is GET
// /v1/external/series/{provider}/{series_id}/observations: per instant the
// value of the latest vintage (asof_date), null where the provider has
// none, in ts order, optionally from start (inclusive) to end (exclusive;
// a date includes its whole day). A provider or series Aurum does not
// know is a 404.
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
			dataset: datasetSeries,
			maxAge:  func(*listQuery) time.Duration { return s.maxAgeFor(r.end) },
			fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
				b := &sqlBuilder{sql: &strings.Builder{}}
				b.text(`SELECT DISTINCT ON (ts) ts, value, unit, quality_flag FROM ext_timeseries_observation
					WHERE provider = `)
				b.arg(provider)
				b.text(" AND series_id = ")
				b.arg(seriesID)
				r.where(b, "ts")
				if q.after != nil {
					b.text(" AND ts > ")
					b.arg(q.after[0])
					b.text("::timestamptz")
				}
				b.text(" ORDER BY ts, asof_date DESC LIMIT ")
				b.arg(q.limit + 1)
				t, next, err := s.collectPage(ctx, b, q, &observationRow{})
				if err == nil && t.count == 0 && q.after == nil {
					err = s.seriesExists(ctx, provider, seriesID)
				}
				return t, next, err
			},
		}, nil
	})
}

// seriesExists returns a 404 problem unless the series is in the catalog
// or has observations.
func (s *Server) seriesExists(ctx context.Context, provider, seriesID string) error {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ext_series_catalog WHERE provider = $1 AND series_id = $2)
		OR EXISTS (SELECT 1 FROM ext_timeseries_observation WHERE provider = $1 AND series_id = $2)`,
		provider, seriesID).Scan(&ok)
	if err != nil {
		return fmt.Errorf("look up series %s/%s: %w", provider, seriesID, err)
	}
	if !ok {
		return NotFound(fmt.Sprintf("no series %q of provider %s", seriesID, provider))
	}
	return nil
}

// collectPage runs the statement of b and collects a page of rows like r.
func (s *Server) collectPage(ctx context.Context, b *sqlBuilder, q *listQuery, r scannedRow) (*table, []string, error) {
	rows, err := s.pool.Query(ctx, b.sql.String(), b.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("query: %w", err)
	}
	t := newTable(q.format, r)
	next, err := collect(rows, t, q.limit, r)
	return t, next, err
}
