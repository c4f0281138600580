-- The normalised ISO model (issue: storage model and read path), as 0007
-- did for curves.
--
-- A price location's identity (iso_code, location_id) and what describes it
-- (name, type, currency, unit) are stored once, in iso_location, under a
-- compact integer id; iso_lmp keeps per price only what changes: the
-- location's id, the market, the interval and the prices. Load areas
-- likewise: iso_area, and iso_load keyed by the area's id. The public
-- identities stay (iso_code, location_id) and (iso_code, area); readers
-- never see the ids.
--
-- Dropped from storage, because no reader needs them:
--   - delivery_date, the ISO's operating day of the interval: no endpoint
--     or job reads it (it follows from interval_start in the ISO's time
--     zone);
--   - interval_minutes, folded into interval_end, the only form readers
--     print (GET /v1/iso/lmp answered coalesce(interval_end, interval_start
--     + interval_minutes)); a record with neither has no end;
--   - record_hash, the producer's hash of the record: it says nothing the
--     values do not, and the writes compare the values themselves to skip
--     unchanged rows.
--
-- Existing rows move into the new tables; the old tables are dropped.

-- The aggregates of 0006 read the old iso_lmp: continuous aggregates under
-- TimescaleDB, views otherwise. They are recreated over the new one below.
-- Their refresh policies' jobs run in the background, each refresh in
-- several transactions, and dropping an aggregate that one is refreshing
-- fails: a deadlock, or a catalog row the refresh changed meanwhile. So the
-- policies go first (removing one cancels its job if it is running and
-- keeps it from starting again until this migration commits), then the
-- aggregates' materialisation hypertables and iso_lmp are locked in the
-- order a refresh locks them, then the aggregates are dropped; and if a
-- refresh between its transactions still gets in the way, all of that is
-- undone, which releases its locks, and done again a moment later.
DO $$
DECLARE
    caggs text[];
    mats text;
    steps text[];
    step text;
BEGIN
    FOR try IN 1..20 LOOP
        BEGIN
            caggs := '{}';
            mats := NULL;
            steps := '{}';
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
                EXECUTE $q$SELECT coalesce(array_agg(view_name::text ORDER BY view_name), '{}'),
                    string_agg(format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name),
                               ', ' ORDER BY view_name)
                    FROM timescaledb_information.continuous_aggregates
                    WHERE view_name IN ('iso_lmp_hourly', 'iso_lmp_daily')$q$ INTO caggs, mats;
            END IF;
            IF mats IS NOT NULL THEN
                steps := ARRAY(SELECT format('SELECT remove_continuous_aggregate_policy(%L, if_exists => true)', v)
                               FROM unnest(caggs) v)
                         || ('LOCK TABLE ' || mats || ', iso_lmp IN ACCESS EXCLUSIVE MODE');
            END IF;
            steps := steps || ARRAY(SELECT format(CASE WHEN v = ANY (caggs) THEN 'DROP MATERIALIZED VIEW %I'
                                                       ELSE 'DROP VIEW %I' END, v)
                                    FROM unnest(ARRAY['iso_lmp_daily', 'iso_lmp_hourly']) v);
            FOREACH step IN ARRAY steps LOOP
                EXECUTE step;
            END LOOP;
            RETURN;
        EXCEPTION WHEN deadlock_detected OR internal_error THEN
            IF try = 20 THEN
                RAISE;
            END IF;
            PERFORM pg_sleep(0.1 * try);
        END;
    END LOOP;
END
$$;

ALTER TABLE iso_lmp RENAME TO iso_lmp_0008;
ALTER INDEX iso_lmp_pkey RENAME TO iso_lmp_0008_pkey;
ALTER TABLE iso_load RENAME TO iso_load_0008;
ALTER INDEX iso_load_pkey RENAME TO iso_load_0008_pkey;

-- The IsoMarket symbols, four bytes a row instead of the text. Labels in
-- alphabetical order, so ORDER BY gives the same order as the text did.
CREATE TYPE iso_market AS ENUM ('DAY_AHEAD', 'FIFTEEN_MINUTE', 'FIVE_MINUTE', 'HOUR_AHEAD', 'REAL_TIME', 'UNKNOWN');

-- One row per price location of an ISO. The descriptive columns are those
-- of its latest price's record: a record that describes the location
-- otherwise (the ISO renamed a node) changes them unless a later price of
-- the location is stored.
CREATE TABLE iso_location (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    iso_code      text    NOT NULL,
    location_id   text    NOT NULL,
    location_name text,
    location_type text    NOT NULL,
    currency      text    NOT NULL,
    uom           text    NOT NULL,
    -- The markets the location has prices of, sorted. Reads look prices up
    -- per location and market in interval order, which under TimescaleDB
    -- visits only the chunks a page reads; this says which markets to look
    -- in without probing the others.
    markets       iso_market[] NOT NULL,
    CONSTRAINT iso_location_iso_code_location_id_key UNIQUE (iso_code, location_id)
);

-- One row per load area of an ISO.
CREATE TABLE iso_area (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    iso_code text    NOT NULL,
    area     text    NOT NULL,
    CONSTRAINT iso_area_iso_code_area_key UNIQUE (iso_code, area)
);

-- One row per price. Columns are in alignment order (8-byte, then 4-byte
-- values), 64 bytes of data a row. The primary key (location, market,
-- interval) is the order every read walks: GET /v1/iso/lmp pages by
-- location_id, market, interval_start. No foreign key to iso_location:
-- the materialiser writes the location first, in the same transaction,
-- and locations are never deleted.
CREATE TABLE iso_lmp (
    interval_start   timestamptz      NOT NULL,
    interval_end     timestamptz,
    ingest_ts        timestamptz      NOT NULL,
    price_total      double precision NOT NULL,
    price_energy     double precision,
    price_congestion double precision,
    price_loss       double precision,
    iso_location_id  integer          NOT NULL,
    market           iso_market       NOT NULL,
    CONSTRAINT iso_lmp_pkey PRIMARY KEY (iso_location_id, market, interval_start)
);

-- One load value; a forecast and an actual of one interval are two rows.
CREATE TABLE iso_load (
    interval_start timestamptz      NOT NULL,
    interval_end   timestamptz,
    ingest_ts      timestamptz      NOT NULL,
    mw             double precision NOT NULL,
    iso_area_id    integer          NOT NULL,
    forecast       boolean          NOT NULL,
    CONSTRAINT iso_load_pkey PRIMARY KEY (iso_area_id, interval_start, forecast)
);

-- TimescaleDB: hypertables before any row enters them.
--   - iso_lmp by interval_start in 1-day chunks: the 5-minute real-time and
--     hourly day-ahead prices of a few thousand nodes are about a million
--     rows a day (some 100 bytes each, plus the primary key); compressed
--     per location and market (each segment one run of the read order), in
--     interval order;
--   - iso_load in 30-day chunks: a few dozen areas, hourly or 5-minute;
--     compressed per area in interval order.
-- The compression policy comes from AURUM_COMPRESS_AFTER (aurum migrate).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN;
    END IF;
    EXECUTE $q$SELECT create_hypertable('iso_lmp', 'interval_start',
        chunk_time_interval => INTERVAL '1 day', create_default_indexes => false)$q$;
    EXECUTE $q$ALTER TABLE iso_lmp SET (timescaledb.compress,
        timescaledb.compress_segmentby = 'iso_location_id, market',
        timescaledb.compress_orderby = 'interval_start')$q$;
    EXECUTE $q$SELECT create_hypertable('iso_load', 'interval_start',
        chunk_time_interval => INTERVAL '30 days', create_default_indexes => false)$q$;
    EXECUTE $q$ALTER TABLE iso_load SET (timescaledb.compress,
        timescaledb.compress_segmentby = 'iso_area_id',
        timescaledb.compress_orderby = 'interval_start, forecast')$q$;
END
$$;

-- Existing rows. A location's descriptive columns are those of its latest
-- price's record.
INSERT INTO iso_location (iso_code, location_id, location_name, location_type, currency, uom, markets)
SELECT DISTINCT ON (o.iso_code, o.location_id) o.iso_code, o.location_id, o.location_name, o.location_type,
       o.currency, o.uom, m.markets
FROM iso_lmp_0008 o
JOIN (SELECT iso_code, location_id, array_agg(DISTINCT market::iso_market ORDER BY market::iso_market) AS markets
      FROM iso_lmp_0008 GROUP BY iso_code, location_id) m USING (iso_code, location_id)
ORDER BY o.iso_code, o.location_id, o.interval_start DESC, o.ingest_ts DESC, o.market DESC;

INSERT INTO iso_lmp (interval_start, interval_end, ingest_ts, price_total, price_energy, price_congestion,
                     price_loss, iso_location_id, market)
SELECT o.interval_start, coalesce(o.interval_end, o.interval_start + make_interval(mins => o.interval_minutes)),
       o.ingest_ts, o.price_total, o.price_energy, o.price_congestion, o.price_loss, l.id, o.market::iso_market
FROM iso_lmp_0008 o JOIN iso_location l USING (iso_code, location_id);

INSERT INTO iso_area (iso_code, area)
SELECT DISTINCT iso_code, area FROM iso_load_0008 ORDER BY iso_code, area;

INSERT INTO iso_load (interval_start, interval_end, ingest_ts, mw, iso_area_id, forecast)
SELECT o.interval_start, coalesce(o.interval_end, o.interval_start + make_interval(mins => o.interval_minutes)),
       o.ingest_ts, o.mw, a.id, o.forecast
FROM iso_load_0008 o JOIN iso_area a USING (iso_code, area);

DROP TABLE iso_lmp_0008, iso_load_0008;

-- Hourly and daily LMP statistics per location and market, in UTC buckets,
-- as in 0006: views over iso_lmp on plain PostgreSQL, continuous aggregates
-- with real-time aggregation under TimescaleDB. They are keyed by the
-- location's id; readers join iso_location. Real-time aggregation computes
-- the buckets after the last refresh's from iso_lmp when read; a price
-- written into a bucket already materialised (a correction, a late price)
-- shows once the policy refreshes again, within 15 minutes (hourly) or an
-- hour (daily).
CREATE VIEW iso_lmp_hourly AS
SELECT iso_location_id, market,
       date_trunc('hour', interval_start, 'UTC') AS bucket,
       avg(price_total) AS price_avg, min(price_total) AS price_min,
       max(price_total) AS price_max, count(*) AS price_count
FROM iso_lmp
GROUP BY iso_location_id, market, date_trunc('hour', interval_start, 'UTC');

CREATE VIEW iso_lmp_daily AS
SELECT iso_location_id, market,
       date_trunc('day', interval_start, 'UTC') AS bucket,
       avg(price_total) AS price_avg, min(price_total) AS price_min,
       max(price_total) AS price_max, count(*) AS price_count
FROM iso_lmp
GROUP BY iso_location_id, market, date_trunc('day', interval_start, 'UTC');

-- Each aggregate is read like iso_lmp, one location at a time in (market,
-- bucket) order: one index serves it, instead of TimescaleDB's default
-- index per grouping column.
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
            WITH (timescaledb.continuous, timescaledb.materialized_only = false,
                  timescaledb.create_group_indexes = false) AS
            SELECT iso_location_id, market,
                   time_bucket(INTERVAL %2$L, interval_start) AS bucket,
                   avg(price_total) AS price_avg, min(price_total) AS price_min,
                   max(price_total) AS price_max, count(*) AS price_count
            FROM iso_lmp
            GROUP BY iso_location_id, market, time_bucket(INTERVAL %2$L, interval_start)
            WITH NO DATA$q$, bucket, width);
        -- start_offset NULL: late and backfilled prices (invalidations of
        -- any age) are refreshed too.
        EXECUTE format($q$SELECT add_continuous_aggregate_policy('iso_lmp_%1$s',
            start_offset => NULL, end_offset => INTERVAL %2$L,
            schedule_interval => INTERVAL %3$L)$q$,
            bucket, width, CASE bucket WHEN 'hourly' THEN '15 minutes' ELSE '1 hour' END);
        EXECUTE format('CREATE INDEX iso_lmp_%1$s_key_idx ON iso_lmp_%1$s (iso_location_id, market, bucket)', bucket);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON iso_location, iso_area, iso_lmp, iso_load TO aurum_app;
GRANT SELECT ON iso_lmp_hourly, iso_lmp_daily TO aurum_app;
