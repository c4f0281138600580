-- The normalised external-series model (issue: storage model and read
-- path), as 0007 did for curves.
--
-- A series has one home, ext_series: its identity (provider, series_id)
-- under a compact integer id, what describes it (unit, frequency, geo_id,
-- dataset, which every observation used to repeat) and its catalog
-- metadata, merged from ext_series_catalog. A catalog table of its own
-- beside an identity table would be two rows per series to keep in step
-- (the catalog's unit and the observations'); one row is one upsert per
-- series and one place the API reads from. The catalog's columns (title, description, source_url, first_ts, last_ts,
-- updated_ts) are NULL until a catalog record of the series arrives: a
-- series known from observations alone is not listed by GET
-- /v1/external/series, as before, but its observations are served.
--
-- The descriptive columns are the catalog's where it gives them; where it
-- does not (or before it arrives), the first observations that give them.
--
-- ext_timeseries_observation keeps per observation what changes: the
-- series' id, ts, the vintage (asof_date), the value, the provider's raw
-- value and quality flag, the ingest time.
--
-- Existing rows move into the new tables; the old tables are dropped.
ALTER TABLE ext_timeseries_observation RENAME TO ext_timeseries_observation_0009;
ALTER INDEX ext_timeseries_observation_pkey RENAME TO ext_timeseries_observation_0009_pkey;

CREATE TABLE ext_series (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider    text NOT NULL,
    series_id   text NOT NULL,
    unit        text,
    frequency   text,
    geo_id      text,
    dataset     text,
    title       text,
    description text,
    source_url  text,
    first_ts    timestamptz,
    last_ts     timestamptz,
    -- The updated_ts of the catalog record the metadata is from; NULL
    -- while the series has none (and then so is title).
    updated_ts  timestamptz,
    CONSTRAINT ext_series_provider_series_id_key UNIQUE (provider, series_id),
    CONSTRAINT ext_series_catalogued CHECK ((title IS NULL) = (updated_ts IS NULL))
);
-- GET /v1/external/series filters by frequency, case-insensitively, in
-- (provider, series_id) order; the unique key serves the other filters.
CREATE INDEX ext_series_frequency_idx ON ext_series (lower(frequency), provider, series_id)
    WHERE updated_ts IS NOT NULL;

-- One row per observation per vintage: revisions keep their history and a
-- re-delivered record upserts its own row; readers take the latest
-- asof_date per ts. value is NULL where the provider has none (never zero).
-- Columns are in alignment order (8-byte, 4-byte, then variable-length
-- values). No foreign key to ext_series: the materialiser writes the
-- series first, in the same transaction, and series are never deleted.
CREATE TABLE ext_timeseries_observation (
    ts            timestamptz      NOT NULL,
    ingest_ts     timestamptz      NOT NULL,
    value         double precision,
    ext_series_id integer          NOT NULL,
    asof_date     date             NOT NULL,
    quality_flag  text,
    value_raw     text,
    CONSTRAINT ext_timeseries_observation_pkey PRIMARY KEY (ext_series_id, ts, asof_date)
);

-- TimescaleDB: a hypertable by ts in 10-year chunks before any row enters
-- it. Series are mostly monthly or daily and go back decades (FRED's
-- UNRATE starts in 1948): a year's chunk would hold a dozen rows of a
-- monthly series and a read of its history would visit seventy chunks.
-- Compressed per series in ts and vintage order.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN;
    END IF;
    EXECUTE $q$SELECT create_hypertable('ext_timeseries_observation', 'ts',
        chunk_time_interval => INTERVAL '3650 days', create_default_indexes => false)$q$;
    EXECUTE $q$ALTER TABLE ext_timeseries_observation SET (timescaledb.compress,
        timescaledb.compress_segmentby = 'ext_series_id',
        timescaledb.compress_orderby = 'ts, asof_date')$q$;
END
$$;

-- Existing rows: every series of the catalog or of an observation, its
-- descriptive columns the catalog's, else those of its latest observation
-- that has them.
INSERT INTO ext_series (provider, series_id, unit, frequency, geo_id, dataset, title, description, source_url,
                        first_ts, last_ts, updated_ts)
SELECT k.provider, k.series_id, coalesce(c.unit, o.unit), coalesce(c.frequency, o.frequency),
       coalesce(c.geo_id, o.geo_id), coalesce(c.dataset, o.dataset), c.title, c.description, c.source_url,
       c.first_ts, c.last_ts, c.updated_ts
FROM (SELECT provider, series_id FROM ext_series_catalog
      UNION SELECT provider, series_id FROM ext_timeseries_observation_0009) k
LEFT JOIN ext_series_catalog c USING (provider, series_id)
LEFT JOIN LATERAL (
    SELECT (array_agg(x.unit ORDER BY x.asof_date DESC, x.ts DESC) FILTER (WHERE x.unit IS NOT NULL))[1] AS unit,
           (array_agg(x.frequency ORDER BY x.asof_date DESC, x.ts DESC) FILTER (WHERE x.frequency IS NOT NULL))[1] AS frequency,
           (array_agg(x.geo_id ORDER BY x.asof_date DESC, x.ts DESC) FILTER (WHERE x.geo_id IS NOT NULL))[1] AS geo_id,
           (array_agg(x.dataset ORDER BY x.asof_date DESC, x.ts DESC) FILTER (WHERE x.dataset IS NOT NULL))[1] AS dataset
    FROM ext_timeseries_observation_0009 x
    WHERE x.provider = k.provider AND x.series_id = k.series_id) o ON TRUE
ORDER BY k.provider, k.series_id;

INSERT INTO ext_timeseries_observation (ts, ingest_ts, value, ext_series_id, asof_date, quality_flag, value_raw)
SELECT o.ts, o.ingest_ts, o.value, s.id, o.asof_date, o.quality_flag, o.value_raw
FROM ext_timeseries_observation_0009 o JOIN ext_series s USING (provider, series_id);

DROP TABLE ext_timeseries_observation_0009, ext_series_catalog;

GRANT SELECT, INSERT, UPDATE, DELETE ON ext_series, ext_timeseries_observation TO aurum_app;
