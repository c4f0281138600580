-- The ISO and external-series read path (issue: market and economic data).

-- Data versions of the ISO tables (iso_lmp, iso_load) and of the external
-- series tables (ext_timeseries_observation, ext_series_catalog), bumped by
-- their materialisers in every write transaction; the API folds them into
-- its cache keys and ETags.
INSERT INTO data_version (dataset) VALUES ('iso'), ('series') ON CONFLICT (dataset) DO NOTHING;

-- GET /v1/iso/lmp: a time range of one ISO, optionally one location, in
-- (interval_start, market, location_id) keyset order. The primary key
-- (iso_code, market, location_id, interval_start) serves a market and
-- location filter.
CREATE INDEX iso_lmp_iso_time_idx ON iso_lmp (iso_code, interval_start, market, location_id);
CREATE INDEX iso_lmp_iso_location_idx ON iso_lmp (iso_code, location_id, interval_start);
CREATE INDEX iso_load_iso_time_idx ON iso_load (iso_code, interval_start);

-- GET /v1/external/series filters by frequency, case-insensitively; the
-- catalog is small, provider is the primary key's prefix.
CREATE INDEX ext_series_catalog_frequency_idx ON ext_series_catalog (lower(frequency), provider, series_id);

-- Hourly and daily LMP statistics per ISO, market and location, in UTC
-- buckets. On plain PostgreSQL they are views over iso_lmp, always current;
-- under TimescaleDB (iso_lmp a hypertable) the DO block below replaces them
-- by continuous aggregates with real-time aggregation
-- (materialized_only = false), so they are equally current: buckets the
-- refresh policy has not reached yet are computed from iso_lmp on read.
CREATE VIEW iso_lmp_hourly AS
SELECT iso_code, market, location_id,
       date_trunc('hour', interval_start, 'UTC') AS bucket,
       avg(price_total) AS price_avg, min(price_total) AS price_min,
       max(price_total) AS price_max, count(*) AS price_count
FROM iso_lmp
GROUP BY iso_code, market, location_id, date_trunc('hour', interval_start, 'UTC');

CREATE VIEW iso_lmp_daily AS
SELECT iso_code, market, location_id,
       date_trunc('day', interval_start, 'UTC') AS bucket,
       avg(price_total) AS price_avg, min(price_total) AS price_min,
       max(price_total) AS price_max, count(*) AS price_count
FROM iso_lmp
GROUP BY iso_code, market, location_id, date_trunc('day', interval_start, 'UTC');

DO $$
DECLARE
    hyper boolean;
    bucket text;
    width text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN;
    END IF;
    EXECUTE $q$SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
        WHERE hypertable_name = 'iso_lmp')$q$ INTO hyper;
    IF NOT hyper THEN
        RETURN;
    END IF;
    FOREACH bucket IN ARRAY ARRAY['hourly', 'daily'] LOOP
        width := CASE bucket WHEN 'hourly' THEN '1 hour' ELSE '1 day' END;
        EXECUTE format('DROP VIEW iso_lmp_%s', bucket);
        EXECUTE format($q$CREATE MATERIALIZED VIEW iso_lmp_%1$s
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT iso_code, market, location_id,
                   time_bucket(INTERVAL %2$L, interval_start) AS bucket,
                   avg(price_total) AS price_avg, min(price_total) AS price_min,
                   max(price_total) AS price_max, count(*) AS price_count
            FROM iso_lmp
            GROUP BY iso_code, market, location_id, time_bucket(INTERVAL %2$L, interval_start)
            WITH NO DATA$q$, bucket, width);
        -- start_offset NULL: late and backfilled prices (invalidations of
        -- any age) are refreshed too.
        EXECUTE format($q$SELECT add_continuous_aggregate_policy('iso_lmp_%1$s',
            start_offset => NULL, end_offset => INTERVAL %2$L,
            schedule_interval => INTERVAL %3$L)$q$,
            bucket, width, CASE bucket WHEN 'hourly' THEN '15 minutes' ELSE '1 hour' END);
        EXECUTE format('CREATE INDEX iso_lmp_%1$s_key_idx ON iso_lmp_%1$s (iso_code, bucket, market, location_id)', bucket);
    END LOOP;
END
$$;

GRANT SELECT ON iso_lmp_hourly, iso_lmp_daily TO aurum_app;
