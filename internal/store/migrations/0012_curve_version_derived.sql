-- A curve observation's version hash is no longer stored (issue: storage
-- model and read path). It is the SHA-256 of the observation's own columns
-- and its curve's units (curve.VersionHash), which the API already
-- recomputes on read; the 8 bytes kept of it were random to compression and
-- a fifth of a compressed row (49 → 39 bytes a row on a day of 2,500
-- curves × 120 tenors). Whether a record restates a row is decided by the
-- columns the hash is made of (docs/adr/0001-curve-storage.md).
--
-- Dropping a column rewrites nothing, on plain tables and on TimescaleDB's
-- compressed chunks alike; rows written from here on take no space for it.
ALTER TABLE curve_observation DROP COLUMN version;
ALTER TABLE curve_latest_stale DROP COLUMN version;
