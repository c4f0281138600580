-- The forward-curve read path (issue: curves end to end).

-- The latest observation per curve, tenor and price type: what GET /v1/curves
-- reads when no as-of date is given. The curve materialiser keeps it in the
-- same transaction as curve_observation, replacing a row only with one of the
-- same or a later as-of date, so it stays small and fast however long the
-- history grows.
CREATE TABLE curve_latest (
    LIKE curve_observation INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (curve_key, tenor_label, price_type)
);
CREATE INDEX curve_latest_dims_idx
    ON curve_latest (asset_class, iso, location, market, product, block);

-- As-of queries: keyset pages in (asof_date, curve_key, tenor_label,
-- price_type) order.
CREATE INDEX curve_observation_asof_key_idx
    ON curve_observation (asof_date, curve_key, tenor_label, price_type);

-- A counter per dataset, bumped in the transaction that changes it. The API
-- folds it into its cache keys, so a cached answer is never served after the
-- data under it has changed.
CREATE TABLE data_version (
    dataset    text        PRIMARY KEY,
    version    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version (dataset) VALUES ('curves');

GRANT SELECT, INSERT, UPDATE, DELETE ON curve_latest TO aurum_app;
GRANT SELECT, UPDATE ON data_version TO aurum_app;
