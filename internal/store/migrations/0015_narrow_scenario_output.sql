-- A run's outputs, narrow (issue: scenario runs at trading-desk speed).
-- Writing them was most of a run's cost: ~2,000 rows of a standard run took
-- 58 ms of the database, 29 µs a row, for a row that repeated the run's
-- identity (scenario, as-of date, input hash, computed time), the curve's
-- 64-character key, and its attribution as JSON with every driver's name.
--
-- Now a row holds what differs per output: the curve's id, the tenor, the
-- metric, the values, and the attribution deltas in the order of the
-- run's output_drivers. What is the same for every output of a run is on
-- the run (output_drivers, outputs_computed_at; scenario_id, asof_date and
-- input_hash were there already).
--
-- No foreign keys: a per-row check costs as much as the rest of the row's
-- write (6 µs of 10), and the one writer already holds the run's row lock
-- (FOR UPDATE) in the transaction that writes its outputs and ends it. A
-- run's deletion removes its outputs by the statement trigger below, as
-- ON DELETE CASCADE did. Curves are never deleted.
ALTER TABLE scenario_run
    ADD COLUMN output_drivers      text[],
    ADD COLUMN outputs_computed_at timestamptz;

ALTER TABLE scenario_output RENAME TO scenario_output_0014;
ALTER TABLE scenario_output_0014 RENAME CONSTRAINT scenario_output_pkey TO scenario_output_0014_pkey;
-- The migration moves every tenant's rows, as the tables' owner (which
-- need not bypass row-level security).
ALTER TABLE scenario_output_0014 NO FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_run NO FORCE ROW LEVEL SECURITY;

CREATE TABLE scenario_output (
    tenant_id      text             NOT NULL CHECK (tenant_id <> ''),
    run_id         uuid             NOT NULL,
    curve_id       integer          NOT NULL,
    tenor_type     curve_tenor_type NOT NULL,
    tenor_label    text             NOT NULL,
    contract_month date,
    metric         text             NOT NULL,
    value          double precision NOT NULL,
    band_lower     double precision,
    band_upper     double precision,
    deltas         double precision[] NOT NULL,
    PRIMARY KEY (run_id, curve_id, tenor_type, tenor_label, metric)
);

UPDATE scenario_run r
SET output_drivers = o.drivers, outputs_computed_at = o.computed_ts
FROM (
    SELECT DISTINCT ON (run_id) run_id, computed_ts,
        ARRAY(SELECT a ->> 'driver' FROM jsonb_array_elements(attribution) WITH ORDINALITY AS e(a, n) ORDER BY n) AS drivers
    FROM scenario_output_0014 o JOIN curve c ON c.curve_key = o.curve_key
    ORDER BY run_id
) o
WHERE r.id = o.run_id;

INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label, contract_month, metric, value,
    band_lower, band_upper, deltas)
SELECT o.tenant_id, o.run_id, c.id, o.tenor_type::curve_tenor_type, o.tenor_label, o.contract_month, o.metric, o.value,
    o.band_lower, o.band_upper,
    ARRAY(SELECT (a ->> 'delta')::float8 FROM jsonb_array_elements(o.attribution) WITH ORDINALITY AS e(a, n) ORDER BY n)
FROM scenario_output_0014 o JOIN curve c ON c.curve_key = o.curve_key;

-- Outputs of a curve the curve table does not hold (none are expected)
-- stay where they were, unread, rather than being dropped.
DELETE FROM scenario_output_0014 o USING curve c WHERE c.curve_key = o.curve_key;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM scenario_output_0014) THEN
        DROP TABLE scenario_output_0014;
    END IF;
END
$$;

ALTER TABLE scenario_run FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_output ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scenario_output
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON scenario_output TO aurum_app;

CREATE FUNCTION scenario_output_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scenario_output o USING gone g WHERE o.run_id = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER scenario_output_cascade AFTER DELETE ON scenario_run
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION scenario_output_cascade();
