-- Market data: shared reference data, no tenant and no row-level security.
-- Every table is keyed for idempotent upserts by the materialisers. Under
-- TimescaleDB the time-keyed tables become hypertables (see the end of this
-- file); on plain PostgreSQL they are ordinary tables with the same columns
-- and indexes.

-- docs/CONTRACTS.md#records CurveObservation. curve_key is the hex sha256 of the identity
-- dimensions; dimensions are kept alongside for filtering.
CREATE TABLE curve_observation (
    asof_date      date             NOT NULL,
    curve_key      text             NOT NULL,
    asset_class    text             NOT NULL,
    iso            text,
    region         text,
    location       text,
    market         text,
    product        text,
    block          text,
    spark_location text,
    price_type     text             NOT NULL,
    tenor_type     text             NOT NULL,
    tenor_label    text             NOT NULL,
    contract_month date,
    value          double precision,
    bid            double precision,
    ask            double precision,
    mid            double precision,
    currency       text,
    per_unit       text,
    units_raw      text             NOT NULL,
    source_file    text,
    sheet_name     text,
    version_hash   text             NOT NULL,
    ingest_ts      timestamptz      NOT NULL,
    PRIMARY KEY (curve_key, tenor_label, asof_date, price_type),
    CONSTRAINT curve_observation_has_price
        CHECK (value IS NOT NULL OR bid IS NOT NULL OR ask IS NOT NULL OR mid IS NOT NULL)
);
-- Latest date per curve, and date-first scans.
CREATE INDEX curve_observation_asof_idx ON curve_observation (asof_date DESC);
CREATE INDEX curve_observation_dims_idx
    ON curve_observation (asset_class, iso, location, market, product, block, asof_date DESC);

-- docs/CONTRACTS.md#records IsoLmpRecord.
CREATE TABLE iso_lmp (
    iso_code         text             NOT NULL,
    market           text             NOT NULL,
    delivery_date    date             NOT NULL,
    interval_start   timestamptz      NOT NULL,
    interval_end     timestamptz,
    interval_minutes integer,
    location_id      text             NOT NULL,
    location_name    text,
    location_type    text             NOT NULL,
    price_total      double precision NOT NULL,
    price_energy     double precision,
    price_congestion double precision,
    price_loss       double precision,
    currency         text             NOT NULL,
    uom              text             NOT NULL,
    ingest_ts        timestamptz      NOT NULL,
    record_hash      text             NOT NULL,
    PRIMARY KEY (iso_code, market, location_id, interval_start)
);
CREATE INDEX iso_lmp_interval_idx ON iso_lmp (interval_start DESC);

-- docs/CONTRACTS.md#records IsoLoadRecord; a forecast and an actual for the same interval
-- are different rows.
CREATE TABLE iso_load (
    iso_code         text             NOT NULL,
    area             text             NOT NULL,
    interval_start   timestamptz      NOT NULL,
    interval_end     timestamptz,
    interval_minutes integer,
    mw               double precision NOT NULL,
    forecast         boolean          NOT NULL,
    ingest_ts        timestamptz      NOT NULL,
    PRIMARY KEY (iso_code, area, interval_start, forecast)
);
CREATE INDEX iso_load_interval_idx ON iso_load (interval_start DESC);

-- docs/CONTRACTS.md#records ExtTimeseriesObservation. asof_date is the vintage: one row per
-- observation per vintage, so revisions keep their history and a re-delivered
-- record upserts its own row. Collectors should use the provider's revision
-- date (FRED realtime_start, World Bank last updated), not the fetch date;
-- readers take the latest asof_date per ts. value is NULL where the provider
-- has none (never zero); value_raw keeps what the provider sent.
CREATE TABLE ext_timeseries_observation (
    provider     text             NOT NULL,
    series_id    text             NOT NULL,
    ts           timestamptz      NOT NULL,
    value        double precision,
    value_raw    text,
    unit         text,
    frequency    text,
    geo_id       text,
    dataset      text,
    quality_flag text,
    asof_date    date             NOT NULL,
    ingest_ts    timestamptz      NOT NULL,
    PRIMARY KEY (provider, series_id, ts, asof_date)
);
CREATE INDEX ext_timeseries_observation_ts_idx ON ext_timeseries_observation (ts DESC);

-- docs/CONTRACTS.md#records ExtSeriesCatalogUpsert; small, never a hypertable.
CREATE TABLE ext_series_catalog (
    provider    text        NOT NULL,
    series_id   text        NOT NULL,
    title       text        NOT NULL,
    unit        text,
    frequency   text,
    geo_id      text,
    dataset     text,
    description text,
    source_url  text,
    first_ts    timestamptz,
    last_ts     timestamptz,
    updated_ts  timestamptz NOT NULL,
    PRIMARY KEY (provider, series_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE
    ON curve_observation, iso_lmp, iso_load, ext_timeseries_observation, ext_series_catalog
    TO aurum_app;

-- TimescaleDB when the server has it. Timescale-only statements go through
-- EXECUTE so plain PostgreSQL never parses them. Default indexes are off: the
-- indexes above are the same on both. If the extension is available but
-- cannot be created (not preloaded, no privilege), the tables stay plain and
-- the server says why in a WARNING. A server that has the extension but does
-- not preload it ends the session with a FATAL error on CREATE EXTENSION,
-- which no handler catches, so the preload is checked first. A database
-- migrated without Timescale keeps plain tables even if the extension is
-- installed later.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
            RAISE NOTICE 'timescaledb is not available: market data tables are plain tables';
            RETURN;
        END IF;
        IF current_setting('shared_preload_libraries') !~ '\mtimescaledb\M' THEN
            RAISE WARNING 'timescaledb is available but not in shared_preload_libraries: market data tables are plain tables (add timescaledb to shared_preload_libraries and restart the server before migrating to use it)';
            RETURN;
        END IF;
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'timescaledb is available but could not be enabled (%): market data tables are plain tables', SQLERRM;
            RETURN;
        END;
    END IF;
    EXECUTE $q$SELECT create_hypertable('curve_observation', 'asof_date',
        chunk_time_interval => INTERVAL '7 days', create_default_indexes => false, if_not_exists => true)$q$;
    EXECUTE $q$SELECT create_hypertable('iso_lmp', 'interval_start',
        chunk_time_interval => INTERVAL '1 day', create_default_indexes => false, if_not_exists => true)$q$;
    EXECUTE $q$SELECT create_hypertable('iso_load', 'interval_start',
        chunk_time_interval => INTERVAL '30 days', create_default_indexes => false, if_not_exists => true)$q$;
    EXECUTE $q$SELECT create_hypertable('ext_timeseries_observation', 'ts',
        chunk_time_interval => INTERVAL '365 days', create_default_indexes => false, if_not_exists => true)$q$;
END
$$;
