// Package store owns Aurum's PostgreSQL/TimescaleDB database: the connection
// pool, the embedded schema migrations, and the transactions through which
// every other package reads and writes.
//
// # Schema
//
// Migrations live in migrations/NNNN_name.sql, are embedded in the binary and
// applied forward-only by [Store.Migrate]. Market data — dimension tables
// (curve, iso_location, iso_area, ext_series) beside narrow facts
// (curve_observation, iso_lmp, iso_load, ext_timeseries_observation), read
// and written through internal/market — is shared reference data. When the
// timescaledb extension is available the fact tables become hypertables;
// otherwise they are plain tables with the same columns and indexes, so all
// code works on both.
//
// Tenant data (scenario, scenario_run, scenario_output, outbox) carries
// tenant_id and is protected by row-level security, enabled and forced on
// every tenant table, with the policy
//
//	tenant_id = current_setting('app.current_tenant', true)
//
// for reads and writes alike. With no tenant set the setting is NULL or empty
// and no row matches: selects return nothing, updates and deletes touch
// nothing, inserts fail. tenant_id can never be empty.
//
// # Roles
//
// The migrations create two cluster-wide roles, idempotently: aurum_app
// (NOLOGIN, NOSUPERUSER, NOBYPASSRLS), granted what the application needs on
// every table, and aurum_relay, which may read, mark and purge outbox rows of
// every tenant and nothing else (the outbox relay publishes for all tenants).
// Migrate refuses to run if either role exists with SUPERUSER or BYPASSRLS.
// Running the migrations needs CREATEROLE the first time (or the roles created
// beforehand) and, to enable TimescaleDB, the right to CREATE EXTENSION.
//
// Production connects as a LOGIN role that is neither superuser nor BYPASSRLS
// and is a member of aurum_app (and of aurum_relay for the relay process):
//
//	CREATE ROLE aurum_api LOGIN PASSWORD '...' IN ROLE aurum_app;
//	CREATE ROLE aurum_relay_login LOGIN PASSWORD '...' IN ROLE aurum_relay;
//
// # What row-level security guarantees
//
// [Store.InTenant] runs its function in a transaction as aurum_app (SET LOCAL
// ROLE) with app.current_tenant set for that transaction only, through a bound
// parameter. Both revert when the transaction ends, and every InTenant, InTx
// and InRelay transaction sets both again, so a pooled connection never
// carries one tenant into another transaction, even if a function left a
// session-level setting behind.
//
//   - Connected as a non-superuser, non-BYPASSRLS member of aurum_app (the
//     production set-up), RLS holds for any SQL the connection runs, not only
//     for the statements inside InTenant: RESET ROLE leaves a role that is
//     itself subject to RLS, SET ROLE to a privileged role is refused, and
//     SET row_security = off makes a filtered query fail instead of bypassing
//     the policy. The one way to see another tenant's rows is to set
//     app.current_tenant to that tenant, which is InTenant's job: RLS protects
//     against queries that forget a tenant filter, not against code that
//     deliberately names another tenant. The tenant passed to InTenant must
//     come from the authenticated identity, never from request input.
//   - Connected as a superuser or BYPASSRLS role (the private development
//     server, the tests), the isolation holds for the SQL a function passed to
//     InTenant runs as long as the function does not change role: RESET ROLE
//     inside it returns to the superuser, who bypasses RLS. Queries on
//     [Store.Pool] run as the connecting user and bypass RLS too; use the pool
//     directly for market data and administration only.
package store
