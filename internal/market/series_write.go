package market

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/schemas"
)

// WriteObservations writes external series observations in tx: the series
// they belong to (created, or their unit, frequency, geo_id and dataset
// filled in where the series has none), then the observations. Rows whose
// content — value, raw value and quality flag — is unchanged are skipped,
// and the series data version is bumped only when something was written.
// rows must have distinct keys (provider, series, ts, as-of date). A
// *pgconn.PgError of class 22 or 23 means some row is refused by the
// database.
func WriteObservations(ctx context.Context, tx pgx.Tx, rows []schemas.ExtTimeseriesObservation) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tempTables(ctx, tx, observationStage); err != nil {
		return err
	}
	ids, wrote, err := writeSeries(ctx, tx, rows)
	if err != nil {
		return err
	}
	err = copyInto(ctx, tx, observationStage, len(rows), func(i int, r *copyRow) error {
		o := &rows[i]
		id, ok := ids[dimKey{string(o.Provider), o.SeriesID}]
		if !ok {
			return fmt.Errorf("series %s %s has no id", o.Provider, o.SeriesID)
		}
		r.timestamptz(o.TS)
		r.timestamptz(o.IngestTS)
		optional(r, o.Value, (*copyRow).float8)
		r.int4(id)
		r.date(o.AsofDate)
		optional(r, o.QualityFlag, (*copyRow).text)
		optional(r, o.ValueRaw, (*copyRow).text)
		return nil
	})
	if err != nil {
		return err
	}
	var changed bool
	if err := tx.QueryRow(ctx, writeObservationsSQL).Scan(&changed); err != nil {
		return fmt.Errorf("upsert %d external observations: %w", len(rows), err)
	}
	return bumpVersion(ctx, tx, DatasetSeries, wrote || changed)
}

// observationStage is the temporary table of an observation write, dropped
// at commit: the staged observations under their series' ids.
var observationStage = tempTable{name: "ext_observation_stage", columns: []column{
	{"ts", "timestamptz"}, {"ingest_ts", "timestamptz"}, {"value", "float8"}, {"ext_series_id", "int4"},
	{"asof_date", "date"}, {"quality_flag", "text"}, {"value_raw", "text"},
}}

// writeSeries upserts the series of rows and returns their ids, and whether
// a series was written. Of a series' records, the latest (as-of date, ts)
// that gives a unit (frequency, ...) gives the series' unit when it has
// none.
func writeSeries(ctx context.Context, tx pgx.Tx, rows []schemas.ExtTimeseriesObservation) (map[dimKey]int32, bool, error) {
	type seen struct {
		desc [4]*string // unit, frequency, geo_id, dataset
		from [4]*schemas.ExtTimeseriesObservation
	}
	later := func(a, b *schemas.ExtTimeseriesObservation) bool { // a no earlier than b
		return b == nil || a.AsofDate.After(b.AsofDate) || a.AsofDate.Equal(b.AsofDate) && !a.TS.Before(b.TS)
	}
	series := map[dimKey]*seen{}
	for i := range rows {
		o := &rows[i]
		k := dimKey{string(o.Provider), o.SeriesID}
		s := series[k]
		if s == nil {
			s = &seen{}
			series[k] = s
		}
		for j, v := range []*string{o.Unit, o.Frequency, o.GeoID, o.Dataset} {
			if v != nil && later(o, s.from[j]) {
				s.desc[j], s.from[j] = v, o
			}
		}
	}
	n := len(series)
	providers, ids := make([]string, 0, n), make([]string, 0, n)
	var desc [4][]*string
	// Sorted, so that concurrent writers lock series rows in one order.
	for _, k := range slices.SortedFunc(maps.Keys(series), compareKeys) {
		providers, ids = append(providers, k.scope), append(ids, k.name)
		for j := range desc {
			desc[j] = append(desc[j], series[k].desc[j])
		}
	}
	res, err := tx.Query(ctx, upsertSeriesSQL, providers, ids, desc[0], desc[1], desc[2], desc[3])
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d series: %w", n, err)
	}
	got, wrote, err := readIDs(res)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d series: %w", n, err)
	}
	return got, wrote, nil
}

// upsertSeriesSQL inserts new series and fills in the descriptive columns
// the others lack; it returns the id of every series of the batch, and
// whether it wrote it. Series it need not change are filtered out before
// the upsert, which would lock them.
const upsertSeriesSQL = `
WITH incoming AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        AS i(provider, series_id, unit, frequency, geo_id, dataset)
), changed AS (
    SELECT i.* FROM incoming i LEFT JOIN ext_series s USING (provider, series_id)
    WHERE s.id IS NULL
       OR s.unit IS NULL AND i.unit IS NOT NULL OR s.frequency IS NULL AND i.frequency IS NOT NULL
       OR s.geo_id IS NULL AND i.geo_id IS NOT NULL OR s.dataset IS NULL AND i.dataset IS NOT NULL
), written AS (
    INSERT INTO ext_series AS t (provider, series_id, unit, frequency, geo_id, dataset)
    SELECT * FROM changed ORDER BY provider, series_id
    ON CONFLICT (provider, series_id) DO UPDATE SET
        unit = coalesce(t.unit, EXCLUDED.unit), frequency = coalesce(t.frequency, EXCLUDED.frequency),
        geo_id = coalesce(t.geo_id, EXCLUDED.geo_id), dataset = coalesce(t.dataset, EXCLUDED.dataset)
    RETURNING t.id, t.provider, t.series_id
)
SELECT id, provider, series_id, true FROM written
UNION ALL
SELECT s.id, s.provider, s.series_id, false FROM ext_series s JOIN incoming i USING (provider, series_id)
WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.id = s.id)`

// writeObservationsSQL upserts the staged observations and answers
// whether one was written. Unchanged rows are filtered out before the
// upsert rather than by its conflict clause, which would lock them — and,
// in a TimescaleDB chunk that is compressed, decompress them; the filter
// reads the chunks of the batch's instants only, and there the batch's
// series only.
const writeObservationsSQL = `
WITH written AS (
    INSERT INTO ext_timeseries_observation AS t (ts, ingest_ts, value, ext_series_id, asof_date, quality_flag,
                                                 value_raw)
    SELECT s.ts, s.ingest_ts, s.value, s.ext_series_id, s.asof_date, s.quality_flag, s.value_raw
    FROM pg_temp.ext_observation_stage s
    WHERE NOT EXISTS (
        SELECT 1 FROM ext_timeseries_observation o
        WHERE o.ts >= (SELECT min(ts) FROM pg_temp.ext_observation_stage)
          AND o.ts <= (SELECT max(ts) FROM pg_temp.ext_observation_stage)
          AND o.ext_series_id = ANY ((SELECT array_agg(DISTINCT ext_series_id) FROM pg_temp.ext_observation_stage)::int[])
          AND o.ext_series_id = s.ext_series_id AND o.ts = s.ts AND o.asof_date = s.asof_date
          AND (o.value, o.quality_flag, o.value_raw) IS NOT DISTINCT FROM (s.value, s.quality_flag, s.value_raw))
    ON CONFLICT (ext_series_id, ts, asof_date) DO UPDATE SET
        ingest_ts = EXCLUDED.ingest_ts, value = EXCLUDED.value, quality_flag = EXCLUDED.quality_flag,
        value_raw = EXCLUDED.value_raw
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM written)`

// WriteCatalog writes catalog records in tx, one per series and update
// time at most: a series' metadata becomes that of its newest record
// unless the series has metadata updated later, its unit, frequency, geo_id
// and dataset kept where the record gives none, and its first_ts and
// last_ts widen to span every record seen (collectors send a record per
// page, each spanning its page). Series whose row would not change are
// skipped, and the series data version is bumped only when one was
// written.
func WriteCatalog(ctx context.Context, tx pgx.Tx, rows []schemas.ExtSeriesCatalogUpsert) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	var (
		providers, ids, titles = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		opt                    [6][]*string // unit, frequency, geo_id, dataset, description, source_url
		first, last            = make([]*time.Time, 0, n), make([]*time.Time, 0, n)
		updated                = make([]time.Time, 0, n)
	)
	for i := range rows {
		c := &rows[i]
		providers, ids, titles = append(providers, string(c.Provider)), append(ids, c.SeriesID), append(titles, c.Title)
		for j, v := range []*string{c.Unit, c.Frequency, c.GeoID, c.Dataset, c.Description, c.SourceURL} {
			opt[j] = append(opt[j], v)
		}
		first, last, updated = append(first, c.FirstTS), append(last, c.LastTS), append(updated, c.UpdatedTS)
	}
	var changed bool
	if err := tx.QueryRow(ctx, writeCatalogSQL, providers, ids, titles, opt[0], opt[1], opt[2], opt[3], opt[4], opt[5],
		first, last, updated).Scan(&changed); err != nil {
		return fmt.Errorf("upsert %d catalog entries: %w", n, err)
	}
	return bumpVersion(ctx, tx, DatasetSeries, changed)
}

// writeCatalogSQL, one statement: newest is each series' newest record
// with the span of all its records; merged is what each series' row
// becomes, against the row as it is — the record's metadata if no older
// than the row's (a series known from observations alone has none), the
// descriptive columns kept where the newer metadata has none or filled in
// from older metadata, and the span widened; written upserts the rows that
// change, in series order. Its conflict clause merges again against the
// row as it is then, which another transaction may have created
// meanwhile. It answers whether a row was written.
const writeCatalogSQL = `
WITH incoming AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
        AS i(provider, series_id, title, unit, frequency, geo_id, dataset, description, source_url,
             first_ts, last_ts, updated_ts)
), newest AS (
    SELECT DISTINCT ON (provider, series_id) provider, series_id, title, unit, frequency, geo_id, dataset,
           description, source_url, min(first_ts) OVER w AS first_ts, max(last_ts) OVER w AS last_ts, updated_ts
    FROM incoming
    WINDOW w AS (PARTITION BY provider, series_id)
    ORDER BY provider, series_id, updated_ts DESC
), merged AS (
    SELECT n.provider, n.series_id,
           CASE WHEN x.newer THEN coalesce(n.unit, s.unit) ELSE coalesce(s.unit, n.unit) END AS unit,
           CASE WHEN x.newer THEN coalesce(n.frequency, s.frequency) ELSE coalesce(s.frequency, n.frequency) END AS frequency,
           CASE WHEN x.newer THEN coalesce(n.geo_id, s.geo_id) ELSE coalesce(s.geo_id, n.geo_id) END AS geo_id,
           CASE WHEN x.newer THEN coalesce(n.dataset, s.dataset) ELSE coalesce(s.dataset, n.dataset) END AS dataset,
           CASE WHEN x.newer THEN n.title ELSE s.title END AS title,
           CASE WHEN x.newer THEN n.description ELSE s.description END AS description,
           CASE WHEN x.newer THEN n.source_url ELSE s.source_url END AS source_url,
           least(s.first_ts, n.first_ts) AS first_ts, greatest(s.last_ts, n.last_ts) AS last_ts,
           CASE WHEN x.newer THEN n.updated_ts ELSE s.updated_ts END AS updated_ts
    FROM newest n
    LEFT JOIN ext_series s USING (provider, series_id)
    CROSS JOIN LATERAL (SELECT s.updated_ts IS NULL OR n.updated_ts >= s.updated_ts AS newer) x
), written AS (
    INSERT INTO ext_series AS t (provider, series_id, unit, frequency, geo_id, dataset, title, description,
                                 source_url, first_ts, last_ts, updated_ts)
    SELECT * FROM merged m
    WHERE NOT EXISTS (
        SELECT 1 FROM ext_series s
        WHERE s.provider = m.provider AND s.series_id = m.series_id
          AND (s.unit, s.frequency, s.geo_id, s.dataset, s.title, s.description, s.source_url, s.first_ts,
               s.last_ts, s.updated_ts)
              IS NOT DISTINCT FROM
              (m.unit, m.frequency, m.geo_id, m.dataset, m.title, m.description, m.source_url, m.first_ts,
               m.last_ts, m.updated_ts))
    ORDER BY m.provider, m.series_id
    ON CONFLICT (provider, series_id) DO UPDATE SET
        (unit, frequency, geo_id, dataset, title, description, source_url, updated_ts) =
        (SELECT u.* FROM (
            SELECT coalesce(EXCLUDED.unit, t.unit), coalesce(EXCLUDED.frequency, t.frequency),
                   coalesce(EXCLUDED.geo_id, t.geo_id), coalesce(EXCLUDED.dataset, t.dataset), EXCLUDED.title,
                   EXCLUDED.description, EXCLUDED.source_url, EXCLUDED.updated_ts
            WHERE t.updated_ts IS NULL OR EXCLUDED.updated_ts >= t.updated_ts
            UNION ALL
            SELECT coalesce(t.unit, EXCLUDED.unit), coalesce(t.frequency, EXCLUDED.frequency),
                   coalesce(t.geo_id, EXCLUDED.geo_id), coalesce(t.dataset, EXCLUDED.dataset), t.title,
                   t.description, t.source_url, t.updated_ts
            WHERE EXCLUDED.updated_ts < t.updated_ts) u),
        first_ts = least(t.first_ts, EXCLUDED.first_ts), last_ts = greatest(t.last_ts, EXCLUDED.last_ts)
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM written)`
