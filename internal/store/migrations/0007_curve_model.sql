-- The normalised curve model (issue: storage model and read path).
--
-- A curve's identity, dimensions and units are stored once, in curve, under
-- a compact surrogate id, with its latest as-of date; curve_observation keeps
-- per observation only what changes: (curve_id, asof_date, tenor_label,
-- price_type) and the prices. The latest observation per curve, tenor and
-- price type (GET /v1/curves without an as-of date) is the curve's
-- observation of its latest as-of date, or, for a tenor not observed that
-- day, its row in curve_latest_stale: no second copy of the history, nor of
-- the latest day (docs/adr/0001-curve-storage.md). curve_key stays the public
-- identity in the API and on the topics.
--
-- Existing rows move into the new tables; the old tables are dropped.
ALTER TABLE curve_observation RENAME TO curve_observation_0006;
ALTER INDEX curve_observation_pkey RENAME TO curve_observation_0006_pkey;
ALTER TABLE curve_latest RENAME TO curve_latest_0006;
ALTER INDEX curve_latest_pkey RENAME TO curve_latest_0006_pkey;

-- Closed sets of the CurveObservation contract, four bytes a row instead of
-- the text. Labels in alphabetical order, so ORDER BY gives the same order
-- as the text did.
CREATE TYPE curve_price_type AS ENUM ('ASK', 'BID', 'CUSTOM', 'INDEX', 'LAST', 'MID', 'SETTLE', 'STRIP');
CREATE TYPE curve_tenor_type AS ENUM ('CALENDAR', 'CUSTOM', 'MONTHLY', 'QUARTER', 'SEASON', 'STRIP');

-- One row per curve. The dimensions are the values of a record of the
-- curve's latest as-of date (curve_key normalises them, so records of one
-- curve may differ in case or spacing); so are the units, which are the
-- curve's, not the observation's: history reads with the current units.
CREATE TABLE curve (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    curve_key      text    NOT NULL,
    asset_class    text    NOT NULL,
    iso            text,
    region         text,
    location       text,
    market         text,
    product        text,
    block          text,
    spark_location text,
    currency       text,
    per_unit       text,
    units_raw      text    NOT NULL,
    -- The latest as-of date of the curve's observations; the dimensions
    -- and units are those of a record of that date.
    latest_asof    date    NOT NULL,
    -- The price and tenor types the curve has been observed with, sorted:
    -- GET /v1/metadata/dimensions lists them from here, not from the
    -- observations.
    price_types    curve_price_type[] NOT NULL,
    tenor_types    curve_tenor_type[] NOT NULL,
    CONSTRAINT curve_curve_key_key UNIQUE (curve_key)
);
-- A curve is named by its location (a hub; with ISO and block in the
-- usual filter, which the few rows of a location leave to filter). Other
-- filters (ISO, asset class, market, product) select too many curves for an
-- index to beat walking the curve_key order every read is paged in.
CREATE INDEX curve_location_idx ON curve (location);

-- One row per observation. Columns are in alignment order (8-byte, then
-- 4-byte, then variable-length values), which saves padding on every row.
-- version is the record's version hash in compact form, its first 8 bytes:
-- what tells a restatement from a reload (a full SHA-256 is 32 random bytes
-- a row that no compression shrinks).
-- No foreign key to curve: the materialiser writes the curve first, in
-- the same transaction, and curves are never deleted.
CREATE TABLE curve_observation (
    ingest_ts      timestamptz      NOT NULL,
    version        bigint           NOT NULL,
    value          double precision,
    bid            double precision,
    ask            double precision,
    mid            double precision,
    curve_id       integer          NOT NULL,
    asof_date      date             NOT NULL,
    contract_month date,
    price_type     curve_price_type NOT NULL,
    tenor_type     curve_tenor_type NOT NULL,
    tenor_label    text             NOT NULL,
    CONSTRAINT curve_observation_pkey PRIMARY KEY (curve_id, asof_date, tenor_label, price_type),
    CONSTRAINT curve_observation_has_price
        CHECK (value IS NOT NULL OR bid IS NOT NULL OR ask IS NOT NULL OR mid IS NOT NULL)
);

-- The latest observation of each tenor and price type a curve has, but not
-- on its latest as-of date (a contract month no longer quoted, a tenor a
-- vendor sends now and then): few rows. The materialiser keeps it in the
-- transaction that writes curve_observation.
CREATE TABLE curve_latest_stale (
    ingest_ts      timestamptz      NOT NULL,
    version        bigint           NOT NULL,
    value          double precision,
    bid            double precision,
    ask            double precision,
    mid            double precision,
    curve_id       integer          NOT NULL,
    asof_date      date             NOT NULL,
    contract_month date,
    price_type     curve_price_type NOT NULL,
    tenor_type     curve_tenor_type NOT NULL,
    tenor_label    text             NOT NULL,
    CONSTRAINT curve_latest_stale_pkey PRIMARY KEY (curve_id, tenor_label, price_type)
);

-- TimescaleDB: curve_observation becomes a hypertable by as-of date before
-- any row enters it, in 7-day chunks (a vendor's daily file of 300,000 rows
-- makes chunks of about 2 million rows, 350 MB with their index), compressed
-- per curve in as-of order once the policy (aurum migrate, from
-- AURUM_COMPRESS_AFTER) reaches them.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN;
    END IF;
    EXECUTE $q$SELECT create_hypertable('curve_observation', 'asof_date',
        chunk_time_interval => INTERVAL '7 days', create_default_indexes => false)$q$;
    EXECUTE $q$ALTER TABLE curve_observation SET (timescaledb.compress,
        timescaledb.compress_segmentby = 'curve_id',
        timescaledb.compress_orderby = 'asof_date DESC, tenor_label, price_type')$q$;
END
$$;

-- Existing rows. A version hash that is not hex (a foreign producer's) is
-- hashed first, as the materialiser does.
CREATE FUNCTION pg_temp.version_of(h text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(CASE WHEN h ~* '^[0-9a-f]{64}$' THEN h ELSE encode(sha256(convert_to(h, 'UTF8')), 'hex') END,
            1, 16))::bit(64)::bigint
$$;

INSERT INTO curve (curve_key, asset_class, iso, region, location, market, product, block, spark_location,
                   currency, per_unit, units_raw, latest_asof, price_types, tenor_types)
SELECT DISTINCT ON (o.curve_key) o.curve_key, o.asset_class, o.iso, o.region, o.location, o.market, o.product,
       o.block, o.spark_location, o.currency, o.per_unit, o.units_raw, o.asof_date, t.price_types, t.tenor_types
FROM curve_observation_0006 o
JOIN (SELECT curve_key,
             array_agg(DISTINCT price_type::curve_price_type ORDER BY price_type::curve_price_type) AS price_types,
             array_agg(DISTINCT tenor_type::curve_tenor_type ORDER BY tenor_type::curve_tenor_type) AS tenor_types
      FROM curve_observation_0006 GROUP BY curve_key) t USING (curve_key)
ORDER BY o.curve_key, o.asof_date DESC, o.ingest_ts DESC;

INSERT INTO curve_observation (ingest_ts, version, value, bid, ask, mid, curve_id, asof_date, contract_month,
                               price_type, tenor_type, tenor_label)
SELECT o.ingest_ts, pg_temp.version_of(o.version_hash), o.value, o.bid, o.ask, o.mid, c.id, o.asof_date,
       o.contract_month, o.price_type::curve_price_type, o.tenor_type::curve_tenor_type, o.tenor_label
FROM curve_observation_0006 o JOIN curve c USING (curve_key);

INSERT INTO curve_latest_stale (ingest_ts, version, value, bid, ask, mid, curve_id, asof_date, contract_month,
                                price_type, tenor_type, tenor_label)
SELECT l.ingest_ts, pg_temp.version_of(l.version_hash), l.value, l.bid, l.ask, l.mid, c.id, l.asof_date,
       l.contract_month, l.price_type::curve_price_type, l.tenor_type::curve_tenor_type, l.tenor_label
FROM curve_latest_0006 l JOIN curve c USING (curve_key)
WHERE l.asof_date < c.latest_asof;

DROP TABLE curve_observation_0006, curve_latest_0006;

GRANT SELECT, INSERT, UPDATE, DELETE ON curve, curve_observation, curve_latest_stale TO aurum_app;
