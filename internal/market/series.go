package market

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/sqlb"
)

// SeriesQuery selects catalogued external series.
type SeriesQuery struct {
	// Provider keeps the series of one provider; "" for all.
	Provider string
	// Text keeps the series whose title contains it, case-insensitively;
	// "" for all.
	Text string
	// Frequency keeps the series of that frequency, case-insensitively; ""
	// for all.
	Frequency string
}

// CatalogEntry is a series' catalog metadata.
type CatalogEntry struct {
	Provider, SeriesID, Title                               string
	Unit, Frequency, GeoID, Dataset, Description, SourceURL *string
	FirstTS, LastTS                                         *time.Time
	UpdatedTS                                               time.Time
}

// Series reads the catalog entries of the series q selects, in keyset
// order provider, series_id. Series known from observations alone, without
// catalog metadata, are not listed.
func (r *Reader) Series(ctx context.Context, q SeriesQuery, p Page) ([]CatalogEntry, []string, error) {
	rows, err := r.series.query(ctx, r.db, func(b *sqlb.Builder) {
		b.Text(`SELECT s.provider, s.series_id, s.title, s.unit, s.frequency, s.geo_id, s.dataset, s.description,
	s.source_url, s.first_ts, s.last_ts, s.updated_ts FROM ext_series s WHERE s.updated_ts IS NOT NULL`)

		if q.Provider != "" {
			b.Text(" AND s.provider = ")
			b.Arg(q.Provider, "::text")
		}
		if q.Text != "" {
			b.Text(" AND s.title ILIKE '%' || ")
			b.Arg(escapeLike(q.Text), "::text || '%'")
		}
		if q.Frequency != "" {
			b.Text(" AND lower(s.frequency) = ")
			b.Arg(strings.ToLower(q.Frequency), "::text")
		}
		if p.After != nil {
			b.Text(" AND (s.provider, s.series_id) > (")
			b.Arg(p.After[0], "::text, ")
			b.Arg(p.After[1], "::text)")
		}
		b.Text(" ORDER BY s.provider, s.series_id LIMIT ")
		b.Arg(p.Limit+1, "")
	})
	if err != nil {
		return nil, nil, err
	}
	scan := func(rows pgx.Rows, e *CatalogEntry) error {
		return rows.Scan(&e.Provider, &e.SeriesID, &e.Title, &e.Unit, &e.Frequency, &e.GeoID, &e.Dataset,
			&e.Description, &e.SourceURL, &e.FirstTS, &e.LastTS, &e.UpdatedTS)
	}
	return collect(rows, p.Limit, scan, func(e *CatalogEntry) []string { return []string{e.Provider, e.SeriesID} })
}

// ProviderCounts returns the number of catalogued series of each provider
// that has some.
func (r *Reader) ProviderCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := r.db.Query(ctx, `SELECT provider, count(*) FROM ext_series WHERE updated_ts IS NOT NULL GROUP BY provider`)
	if err != nil {
		return nil, fmt.Errorf("count series: %w", err)
	}
	counts := map[string]int64{}
	var (
		provider string
		n        int64
	)
	if _, err := pgx.ForEachRow(rows, []any{&provider, &n}, func() error {
		counts[provider] = n
		return nil
	}); err != nil {
		return nil, fmt.Errorf("count series: %w", err)
	}
	return counts, nil
}

// Observation is a series' value at an instant, of its latest vintage.
type Observation struct {
	TS time.Time
	// Value is nil where the provider has none.
	Value *float64
	// Unit is the series'.
	Unit        *string
	QualityFlag *string
}

// Observations reads a series' observations from start (inclusive) to end
// (exclusive; zero times for unbounded): per instant the one of the latest
// vintage (as-of date), in keyset order ts. It returns an error wrapping
// ErrNotFound when Aurum knows no such series — neither from the catalog
// nor from observations —, in the same round trip.
func (r *Reader) Observations(ctx context.Context, provider, seriesID string, start, end time.Time, p Page) ([]Observation, []string, error) {
	var after time.Time
	if p.After != nil {
		var err error
		if after, err = time.Parse(time.RFC3339Nano, p.After[0]); err != nil {
			return nil, nil, fmt.Errorf("keyset %q: %w", p.After, err)
		}
	}
	rows, err := r.observations.query(ctx, r.db, func(b *sqlb.Builder) {
		buildObservationsSQL(b, provider, seriesID, start, end, after, p)
	})
	if err != nil {
		return nil, nil, err
	}
	// The series' row comes without an observation when it has none in
	// the page's range.
	none := false
	scan := func(rows pgx.Rows, o *Observation) error {
		var ts *time.Time
		if err := rows.Scan(&ts, &o.Value, &o.Unit, &o.QualityFlag); err != nil {
			return err
		}
		if ts == nil {
			none = true
		} else {
			o.TS = *ts
		}
		return nil
	}
	obs, next, err := collect(rows, p.Limit, scan, func(o *Observation) []string {
		return []string{o.TS.UTC().Format(time.RFC3339Nano)}
	})
	switch {
	case err != nil:
		return nil, nil, err
	case len(obs) == 0:
		return nil, nil, fmt.Errorf("series %s %s: %w", provider, seriesID, ErrNotFound)
	case none:
		return []Observation{}, nil, nil
	}
	return obs, next, nil
}

// buildObservationsSQL finds the series by its identity and looks its
// observations up in a LEFT JOIN LATERAL, by primary key in ts order
// (under TimescaleDB an ordered append that excludes the chunks out of
// range when it runs): no row means no such series, a row without an
// observation a series without observations in range.
func buildObservationsSQL(b *sqlb.Builder, provider, seriesID string, start, end, after time.Time, p Page) {
	b.Text(`SELECT o.ts, o.value, s.unit, o.quality_flag FROM ext_series s LEFT JOIN LATERAL (
	SELECT DISTINCT ON (o.ts) o.ts, o.value, o.quality_flag FROM ext_timeseries_observation o
	WHERE o.ext_series_id = s.id`)

	if !start.IsZero() {
		b.Text(" AND o.ts >= ")
		b.Arg(start, "::timestamptz")
	}
	if !end.IsZero() {
		b.Text(" AND o.ts < ")
		b.Arg(end, "::timestamptz")
	}
	if p.After != nil {
		b.Text(" AND o.ts > ")
		b.Arg(after, "::timestamptz")
	}
	b.Text(" ORDER BY o.ts, o.asof_date DESC LIMIT ")
	b.Arg(p.Limit+1, lateralEnd+" o ON TRUE WHERE s.provider = ")
	b.Arg(provider, "::text AND s.series_id = ")
	b.Arg(seriesID, "::text ORDER BY o.ts")
}
