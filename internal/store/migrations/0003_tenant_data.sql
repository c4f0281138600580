-- Tenant data: every row carries tenant_id, and row-level security, enabled
-- and forced (so the tables' owner is subject to it too), lets a transaction
-- see and write only the rows of app.current_tenant. With the setting unset
-- (NULL) or empty no row matches; tenant_id is never empty.
-- References between tenant tables include tenant_id, so a row can only
-- point at a row of its own tenant.

-- A scenario definition (docs/CONTRACTS.md#scenarios). Deletion is soft (deleted_at).
CREATE TABLE scenario (
    id           uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id    text        NOT NULL CHECK (tenant_id <> ''),
    name         text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    curve_filter jsonb       NOT NULL DEFAULT '{}',
    drivers      jsonb       NOT NULL DEFAULT '[]',
    parameters   jsonb       NOT NULL DEFAULT '{}',
    tags         text[]      NOT NULL DEFAULT '{}',
    version      integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE INDEX scenario_tenant_created_idx ON scenario (tenant_id, created_at DESC, id);

-- A run of a scenario. The same inputs (input_hash) give the same run.
CREATE TABLE scenario_run (
    id               uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id        text        NOT NULL CHECK (tenant_id <> ''),
    scenario_id      uuid        NOT NULL,
    state            text        NOT NULL DEFAULT 'QUEUED'
        CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT')),
    asof_date        date        NOT NULL,
    input_hash       text        NOT NULL,
    priority         text        NOT NULL DEFAULT 'NORMAL'
        CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'CRITICAL')),
    attempt          integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    timeout_seconds  integer     NOT NULL CHECK (timeout_seconds > 0),
    max_retries      integer     NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    seed             bigint      NOT NULL DEFAULT 0,
    requested_by     text,
    idempotency_key  text,
    progress_percent integer     CHECK (progress_percent BETWEEN 0 AND 100),
    queued_at        timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    error            text,
    output_count     integer     CHECK (output_count >= 0),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, scenario_id, input_hash),
    FOREIGN KEY (tenant_id, scenario_id) REFERENCES scenario (tenant_id, id) ON DELETE CASCADE
);
-- An Idempotency-Key names one run per tenant.
CREATE UNIQUE INDEX scenario_run_idempotency_key_idx
    ON scenario_run (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX scenario_run_scenario_idx ON scenario_run (tenant_id, scenario_id, queued_at DESC);
-- Runs not yet finished, for recovery and monitoring.
CREATE INDEX scenario_run_active_idx ON scenario_run (queued_at) WHERE state IN ('QUEUED', 'RUNNING');

-- One repriced point of a run (docs/CONTRACTS.md#records ScenarioOutput); a re-run of the
-- same step upserts the same row.
CREATE TABLE scenario_output (
    tenant_id      text             NOT NULL CHECK (tenant_id <> ''),
    run_id         uuid             NOT NULL,
    scenario_id    uuid             NOT NULL,
    asof_date      date             NOT NULL,
    curve_key      text             NOT NULL,
    tenor_type     text             NOT NULL,
    tenor_label    text             NOT NULL,
    contract_month date,
    metric         text             NOT NULL,
    value          double precision NOT NULL,
    band_lower     double precision,
    band_upper     double precision,
    attribution    jsonb            NOT NULL DEFAULT '[]',
    input_hash     text             NOT NULL,
    computed_ts    timestamptz      NOT NULL,
    PRIMARY KEY (run_id, curve_key, tenor_type, tenor_label, metric),
    FOREIGN KEY (tenant_id, run_id) REFERENCES scenario_run (tenant_id, id) ON DELETE CASCADE
);

-- Transactional outbox: written in the same transaction as the row it
-- announces, published by the relay. value holds bytes ready to produce
-- (Confluent wire format); payload holds JSON for the relay to encode. One of
-- them is set.
CREATE TABLE outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text        NOT NULL CHECK (tenant_id <> ''),
    topic        text        NOT NULL,
    key          bytea,
    value        bytea,
    payload      jsonb,
    headers      jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text,
    CHECK (value IS NOT NULL OR payload IS NOT NULL)
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Row-level security, one policy per table for all commands.
ALTER TABLE scenario        ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_run    ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_output ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox          ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON scenario
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));
CREATE POLICY tenant_isolation ON scenario_run
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));
CREATE POLICY tenant_isolation ON scenario_output
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));

-- The relay publishes for every tenant: it may read, mark and purge outbox
-- rows, and nothing else (no INSERT, no other column, no other table).
CREATE POLICY relay_read ON outbox FOR SELECT TO aurum_relay USING (true);
CREATE POLICY relay_mark ON outbox FOR UPDATE TO aurum_relay USING (true) WITH CHECK (true);
CREATE POLICY relay_purge ON outbox FOR DELETE TO aurum_relay USING (published_at IS NOT NULL);

GRANT SELECT, INSERT, UPDATE, DELETE ON scenario, scenario_run, scenario_output, outbox TO aurum_app;
GRANT USAGE, SELECT ON SEQUENCE outbox_id_seq TO aurum_app;
GRANT SELECT, DELETE ON outbox TO aurum_relay;
GRANT UPDATE (published_at, attempts, last_error) ON outbox TO aurum_relay;
