package market

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/schemas"
)

// WriteISO writes LMP and load records in tx: the price locations and load
// areas they name (created; a location's description changed by a record
// as recent as its latest price, its markets grown), then the prices and
// load values. Rows whose content — every column but the ingest time — is
// unchanged are skipped, and the iso data version is bumped only when
// something was written. lmp must have distinct keys (ISO, market,
// location, interval start) and load distinct keys (ISO, area, interval
// start, forecast). A *pgconn.PgError of class 22 or 23 means some row is
// refused by the database.
func WriteISO(ctx context.Context, tx pgx.Tx, lmp []*schemas.IsoLmpRecord, load []*schemas.IsoLoadRecord) error {
	if len(lmp) == 0 && len(load) == 0 {
		return nil
	}
	var stages []tempTable
	if len(lmp) > 0 {
		stages = append(stages, lmpStage)
	}
	if len(load) > 0 {
		stages = append(stages, loadStage)
	}
	if err := tempTables(ctx, tx, stages...); err != nil {
		return err
	}
	wrote := false
	if len(lmp) > 0 {
		ids, w, err := writeLocations(ctx, tx, lmp)
		if err != nil {
			return err
		}
		wrote = wrote || w
		if err := copyInto(ctx, tx, lmpStage, len(lmp), lmpValues(lmp, ids)); err != nil {
			return err
		}
	}
	if len(load) > 0 {
		ids, w, err := writeAreas(ctx, tx, load)
		if err != nil {
			return err
		}
		wrote = wrote || w
		if err := copyInto(ctx, tx, loadStage, len(load), loadValues(load, ids)); err != nil {
			return err
		}
	}
	kind := 0
	if len(lmp) > 0 {
		kind |= 1
	}
	if len(load) > 0 {
		kind |= 2
	}
	var changed bool
	if err := tx.QueryRow(ctx, writeISOSQL[kind]).Scan(&changed); err != nil {
		return fmt.Errorf("upsert %d LMP and %d load rows: %w", len(lmp), len(load), err)
	}
	return bumpVersion(ctx, tx, DatasetISO, wrote || changed)
}

// The temporary tables of an ISO write, dropped at commit: staged prices
// (the market as text) and load values, under their dimension ids.
var (
	lmpStage = tempTable{name: "iso_lmp_stage", columns: []column{
		{"interval_start", "timestamptz"}, {"interval_end", "timestamptz"}, {"ingest_ts", "timestamptz"},
		{"price_total", "float8"}, {"price_energy", "float8"}, {"price_congestion", "float8"}, {"price_loss", "float8"},
		{"iso_location_id", "int4"}, {"market", "text"},
	}}
	loadStage = tempTable{name: "iso_load_stage", columns: []column{
		{"interval_start", "timestamptz"}, {"interval_end", "timestamptz"}, {"ingest_ts", "timestamptz"},
		{"mw", "float8"}, {"iso_area_id", "int4"}, {"forecast", "bool"},
	}}
)

// lmpValues writes the staged price of lmp[i] for lmpStage.
func lmpValues(lmp []*schemas.IsoLmpRecord, ids map[dimKey]int32) func(int, *copyRow) error {
	return func(i int, r *copyRow) error {
		p := lmp[i]
		id, ok := ids[dimKey{string(p.IsoCode), p.LocationID}]
		if !ok {
			return fmt.Errorf("location %s %s has no id", p.IsoCode, p.LocationID)
		}
		stageInterval(r, p.IntervalStart, p.IntervalEnd, p.IntervalMinutes, p.IngestTS)
		r.float8(p.PriceTotal)
		for _, f := range [...]*float64{p.PriceEnergy, p.PriceCongestion, p.PriceLoss} {
			optional(r, f, (*copyRow).float8)
		}
		r.int4(id)
		r.text(string(p.Market))
		return nil
	}
}

// loadValues writes the staged load value of load[i] for loadStage.
func loadValues(load []*schemas.IsoLoadRecord, ids map[dimKey]int32) func(int, *copyRow) error {
	return func(i int, r *copyRow) error {
		l := load[i]
		id, ok := ids[dimKey{string(l.IsoCode), l.Area}]
		if !ok {
			return fmt.Errorf("load area %s %s has no id", l.IsoCode, l.Area)
		}
		stageInterval(r, l.IntervalStart, l.IntervalEnd, l.IntervalMinutes, l.IngestTS)
		r.float8(l.MW)
		r.int4(id)
		r.boolean(l.Forecast)
		return nil
	}
}

// stageInterval writes the first columns of an ISO stage: the interval's
// start and end, and the ingest time.
func stageInterval(r *copyRow, start time.Time, end *time.Time, minutes *int32, ingest time.Time) {
	r.timestamptz(start)
	optional(r, intervalEnd(start, end, minutes), (*copyRow).timestamptz)
	r.timestamptz(ingest)
}

// intervalEnd is a record's interval end: its own, else its start plus its
// length, else none.
func intervalEnd(start time.Time, end *time.Time, minutes *int32) *time.Time {
	if end != nil || minutes == nil {
		return end
	}
	e := start.Add(time.Duration(*minutes) * time.Minute)
	return &e
}

// writeLocations upserts the price locations of lmp and returns their ids,
// and whether a location was written. A location is described by the
// batch's record of its latest interval.
func writeLocations(ctx context.Context, tx pgx.Tx, lmp []*schemas.IsoLmpRecord) (map[dimKey]int32, bool, error) {
	type seen struct {
		latest  *schemas.IsoLmpRecord
		markets map[string]bool
	}
	locs := map[dimKey]*seen{}
	for _, p := range lmp {
		k := dimKey{string(p.IsoCode), p.LocationID}
		s := locs[k]
		if s == nil {
			s = &seen{latest: p, markets: map[string]bool{}}
			locs[k] = s
		}
		if l := s.latest; p.IntervalStart.After(l.IntervalStart) || p.IntervalStart.Equal(l.IntervalStart) && !p.IngestTS.Before(l.IngestTS) {
			s.latest = p
		}
		s.markets[string(p.Market)] = true
	}
	n := len(locs)
	var (
		isos, names, types = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		currencies, uoms   = make([]string, 0, n), make([]string, 0, n)
		labels, markets    = make([]*string, 0, n), make([]string, 0, n)
		latest             = make([]time.Time, 0, n)
	)
	// Sorted, so that concurrent writers lock location rows in one order.
	for _, k := range slices.SortedFunc(maps.Keys(locs), compareKeys) {
		s := locs[k]
		p := s.latest
		isos, names, types = append(isos, k.scope), append(names, k.name), append(types, string(p.LocationType))
		currencies, uoms, labels = append(currencies, p.Currency), append(uoms, p.UOM), append(labels, p.LocationName)
		latest = append(latest, p.IntervalStart)
		markets = append(markets, strings.Join(slices.Sorted(maps.Keys(s.markets)), ","))
	}
	rows, err := tx.Query(ctx, upsertLocationsSQL, isos, names, labels, types, currencies, uoms, latest, markets)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d locations: %w", n, err)
	}
	ids, wrote, err := readIDs(rows)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d locations: %w", n, err)
	}
	return ids, wrote, nil
}

// upsertLocationsSQL inserts new locations and updates those observed in a
// new market, or described otherwise by a record no older than their
// latest stored price; it returns the id of every location of the batch,
// and whether it wrote it. Rows it need not change are filtered out before
// the upsert, which would lock them.
const upsertLocationsSQL = `
WITH incoming AS (
    SELECT iso_code, location_id, location_name, location_type, currency, uom, latest_start,
           string_to_array(markets, ',')::iso_market[] AS markets
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
        AS i(iso_code, location_id, location_name, location_type, currency, uom, latest_start, markets)
), changed AS (
    SELECT i.iso_code, i.location_id,
           CASE WHEN d.describe THEN i.location_name ELSE l.location_name END AS location_name,
           CASE WHEN d.describe THEN i.location_type ELSE l.location_type END AS location_type,
           CASE WHEN d.describe THEN i.currency ELSE l.currency END AS currency,
           CASE WHEN d.describe THEN i.uom ELSE l.uom END AS uom,
           ARRAY(SELECT DISTINCT m FROM unnest(coalesce(l.markets, '{}') || i.markets) m ORDER BY 1) AS markets
    FROM incoming i
    LEFT JOIN iso_location l USING (iso_code, location_id)
    CROSS JOIN LATERAL (
        SELECT l.id IS NULL
            OR ((l.location_name, l.location_type, l.currency, l.uom)
                    IS DISTINCT FROM (i.location_name, i.location_type, i.currency, i.uom)
                AND NOT EXISTS (SELECT 1 FROM iso_lmp p
                                WHERE p.iso_location_id = l.id AND p.interval_start > i.latest_start)) AS describe
        OFFSET 0) d
    WHERE d.describe OR NOT i.markets <@ l.markets
), written AS (
    INSERT INTO iso_location AS t (iso_code, location_id, location_name, location_type, currency, uom, markets)
    SELECT * FROM changed ORDER BY iso_code, location_id
    ON CONFLICT (iso_code, location_id) DO UPDATE SET
        location_name = EXCLUDED.location_name, location_type = EXCLUDED.location_type,
        currency = EXCLUDED.currency, uom = EXCLUDED.uom,
        markets = ARRAY(SELECT DISTINCT m FROM unnest(t.markets || EXCLUDED.markets) m ORDER BY 1)
    RETURNING t.id, t.iso_code, t.location_id
)
SELECT id, iso_code, location_id, true FROM written
UNION ALL
SELECT l.id, l.iso_code, l.location_id, false FROM iso_location l JOIN incoming i USING (iso_code, location_id)
WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.id = l.id)`

// writeAreas upserts the load areas of load and returns their ids, and
// whether an area was created.
func writeAreas(ctx context.Context, tx pgx.Tx, load []*schemas.IsoLoadRecord) (map[dimKey]int32, bool, error) {
	set := map[dimKey]bool{}
	for _, l := range load {
		set[dimKey{string(l.IsoCode), l.Area}] = true
	}
	isos, areas := make([]string, 0, len(set)), make([]string, 0, len(set))
	for _, k := range slices.SortedFunc(maps.Keys(set), compareKeys) {
		isos, areas = append(isos, k.scope), append(areas, k.name)
	}
	rows, err := tx.Query(ctx, upsertAreasSQL, isos, areas)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d load areas: %w", len(set), err)
	}
	ids, wrote, err := readIDs(rows)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d load areas: %w", len(set), err)
	}
	return ids, wrote, nil
}

// upsertAreasSQL inserts new load areas and returns the id of every area
// of the batch, and whether it created it. An area a concurrent write
// created meanwhile conflicts, and DO UPDATE returns its id.
const upsertAreasSQL = `
WITH incoming AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS i(iso_code, area)
), written AS (
    INSERT INTO iso_area AS t (iso_code, area)
    SELECT i.iso_code, i.area FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM iso_area a WHERE a.iso_code = i.iso_code AND a.area = i.area)
    ORDER BY i.iso_code, i.area
    ON CONFLICT (iso_code, area) DO UPDATE SET area = EXCLUDED.area
    RETURNING t.id, t.iso_code, t.area
)
SELECT id, iso_code, area, true FROM written
UNION ALL
SELECT a.id, a.iso_code, a.area, false FROM iso_area a JOIN incoming i USING (iso_code, area)
WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.id = a.id)`

// writeISOSQL upserts the staged rows — prices (kind&1), load values
// (kind&2) — and answers whether a row was written. Unchanged rows are
// filtered out before the upsert rather than by its conflict clause,
// which would lock them — and, in a TimescaleDB chunk that is compressed,
// decompress them; the filter reads the chunks of the batch's intervals
// only, and there the batch's locations or areas only.
var writeISOSQL = [4]string{1: isoWriteSQL(true, false), 2: isoWriteSQL(false, true), 3: isoWriteSQL(true, true)}

func isoWriteSQL(lmp, load bool) string {
	var parts, written []string
	if lmp {
		parts, written = append(parts, upsertLMPSQL), append(written, "EXISTS (SELECT 1 FROM lmp)")
	}
	if load {
		parts, written = append(parts, upsertLoadSQL), append(written, "EXISTS (SELECT 1 FROM load)")
	}
	return "WITH " + strings.Join(parts, ", ") + "\nSELECT " + strings.Join(written, " OR ")
}

const upsertLMPSQL = `lmp AS (
    INSERT INTO iso_lmp AS t (interval_start, interval_end, ingest_ts, price_total, price_energy, price_congestion,
                              price_loss, iso_location_id, market)
    SELECT s.interval_start, s.interval_end, s.ingest_ts, s.price_total, s.price_energy, s.price_congestion,
           s.price_loss, s.iso_location_id, s.market::iso_market
    FROM pg_temp.iso_lmp_stage s
    WHERE NOT EXISTS (
        SELECT 1 FROM iso_lmp o
        WHERE o.interval_start >= (SELECT min(interval_start) FROM pg_temp.iso_lmp_stage)
          AND o.interval_start <= (SELECT max(interval_start) FROM pg_temp.iso_lmp_stage)
          AND o.iso_location_id = ANY ((SELECT array_agg(DISTINCT iso_location_id) FROM pg_temp.iso_lmp_stage)::int[])
          AND o.iso_location_id = s.iso_location_id AND o.market = s.market::iso_market
          AND o.interval_start = s.interval_start
          AND (o.interval_end, o.price_total, o.price_energy, o.price_congestion, o.price_loss)
              IS NOT DISTINCT FROM
              (s.interval_end, s.price_total, s.price_energy, s.price_congestion, s.price_loss))
    ON CONFLICT (iso_location_id, market, interval_start) DO UPDATE SET
        interval_end = EXCLUDED.interval_end, ingest_ts = EXCLUDED.ingest_ts, price_total = EXCLUDED.price_total,
        price_energy = EXCLUDED.price_energy, price_congestion = EXCLUDED.price_congestion,
        price_loss = EXCLUDED.price_loss
    RETURNING 1
)`

const upsertLoadSQL = `load AS (
    INSERT INTO iso_load AS t (interval_start, interval_end, ingest_ts, mw, iso_area_id, forecast)
    SELECT s.interval_start, s.interval_end, s.ingest_ts, s.mw, s.iso_area_id, s.forecast
    FROM pg_temp.iso_load_stage s
    WHERE NOT EXISTS (
        SELECT 1 FROM iso_load o
        WHERE o.interval_start >= (SELECT min(interval_start) FROM pg_temp.iso_load_stage)
          AND o.interval_start <= (SELECT max(interval_start) FROM pg_temp.iso_load_stage)
          AND o.iso_area_id = ANY ((SELECT array_agg(DISTINCT iso_area_id) FROM pg_temp.iso_load_stage)::int[])
          AND o.iso_area_id = s.iso_area_id AND o.interval_start = s.interval_start AND o.forecast = s.forecast
          AND (o.interval_end, o.mw) IS NOT DISTINCT FROM (s.interval_end, s.mw))
    ON CONFLICT (iso_area_id, interval_start, forecast) DO UPDATE SET
        interval_end = EXCLUDED.interval_end, ingest_ts = EXCLUDED.ingest_ts, mw = EXCLUDED.mw
    RETURNING 1
)`
