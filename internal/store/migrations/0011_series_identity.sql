-- Series stored under ids that merged distinct provider series (issue:
-- provider series identity). Every collector now names a series by the
-- provider's own identifiers; what was stored under the old ids leaves the
-- served tables here and is collected again (README, "Collected series and
-- their ids"). Nothing is re-keyed in place: the old ids do not say which
-- series each stored value belonged to.
--
-- EIA data routes. A series was <route>[:<facet value>]...[:<column>], the
-- facets being the row's columns with a "-name" or "-description" label
-- beside them, in the order of the row's keys; it is now
-- <route>:<frequency>[:<facet value>]...[:<column>] with the facets the
-- route declares at GET /v2/<route>. The old rule missed camel-case facets
-- (steo's seriesId, international's productId) and facets labelled under
-- another name (fueltype beside type-name), so several series shared one id
-- and overwrote each other's values; which facets a route declares, and in
-- which order, only EIA knows. Those series and their observations move to
-- ext_series_0010 and ext_timeseries_observation_0010, unread by the
-- platform and kept for reference (earlier vintages included); drop them
-- once re-collected. The seriesid route's series (APIv1 ids such as
-- INTL.29-12-HKG-BKWH.A, never prefixed by their dataset) keep their ids.
--
-- ISO load forecasts. ERCOT's forecasts held, per area and hour, whichever
-- of NP3-560's forecast models came last, and its (SYSTEM, forecast) both
-- NP3-560's system total and the dashboard's forecast; CAISO's forecast of
-- an area held whichever OASIS market run (7DA, 2DA, DAM, RTM) came last.
-- They are now one model (ERCOT's in use, its total as SystemTotal) and
-- <area>:<run>. Which report, model or run a stored value came from was
-- not recorded, so the rows are deleted (ERCOT's NP4-737 solar forecast,
-- SYSTEM_SOLAR, and every actual stay), and so are areas left without a
-- row.
CREATE TABLE ext_series_0010 (LIKE ext_series);
CREATE TABLE ext_timeseries_observation_0010 (LIKE ext_timeseries_observation);
COMMENT ON TABLE ext_series_0010 IS
    'EIA data-route series under their ids before migration 0011, unread by Aurum: drop once re-collected';
COMMENT ON TABLE ext_timeseries_observation_0010 IS
    'Observations of ext_series_0010, unread by Aurum: drop once re-collected';

WITH moved AS (
    DELETE FROM ext_series
    WHERE provider = 'EIA' AND dataset IS NOT NULL
      AND (series_id = dataset OR starts_with(series_id, dataset || ':'))
    RETURNING *
)
INSERT INTO ext_series_0010 SELECT * FROM moved;

WITH moved AS (
    DELETE FROM ext_timeseries_observation o USING ext_series_0010 s
    WHERE o.ext_series_id = s.id
    RETURNING o.*
)
INSERT INTO ext_timeseries_observation_0010 SELECT * FROM moved;

DELETE FROM iso_load l USING iso_area a
WHERE l.iso_area_id = a.id AND l.forecast
  AND ((a.iso_code = 'ERCOT' AND a.area <> 'SYSTEM_SOLAR')
       OR (a.iso_code = 'CAISO' AND strpos(a.area, ':') = 0));

DELETE FROM iso_area a
WHERE a.iso_code IN ('ERCOT', 'CAISO')
  AND NOT EXISTS (SELECT 1 FROM iso_load l WHERE l.iso_area_id = a.id);

-- Cached answers of the API name the data version they were read at.
UPDATE data_version SET version = version + 1, updated_at = now() WHERE dataset IN ('series', 'iso');
