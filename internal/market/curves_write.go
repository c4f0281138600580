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

// WriteCurves writes observations to the curve model in tx: the curves
// they belong to (created, or their dimensions and units updated from the
// records of their latest as-of date), the observations, and the latest
// observations of tenors not observed on their curve's latest as-of date
// (curve_latest_stale). Rows whose content is unchanged are skipped, and
// the curves data version is bumped only when some observation or curve
// changed.
// rows must have distinct keys (curve_key, tenor label, as-of date, price
// type) and complete curve keys (curve.Complete; the version hash is not
// stored, but derived from the columns on read). A
// *pgconn.PgError of class 22 or 23 means some row is refused by the
// database.
func WriteCurves(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tempTables(ctx, tx, curveStage, curveBatch); err != nil {
		return err
	}
	ids, wrote, err := writeCurveDimensions(ctx, tx, rows)
	if err != nil {
		return err
	}
	if err := copyInto(ctx, tx, curveStage, len(rows), curveValues(rows, ids)); err != nil {
		return err
	}
	var changed bool
	if err := tx.QueryRow(ctx, writeCurvesSQL).Scan(&changed); err != nil {
		return fmt.Errorf("upsert %d curve observations: %w", len(rows), err)
	}
	return bumpVersion(ctx, tx, DatasetCurves, wrote || changed)
}

// The temporary tables of a curve write, dropped at commit: the staged
// observations (enums as text), and the curves' latest as-of dates before
// and after the write.
var (
	curveStage = tempTable{name: "curve_observation_stage", columns: []column{
		{"ingest_ts", "timestamptz"}, {"value", "float8"}, {"bid", "float8"}, {"ask", "float8"},
		{"mid", "float8"}, {"curve_id", "int4"}, {"asof_date", "date"}, {"contract_month", "date"},
		{"price_type", "text"}, {"tenor_type", "text"}, {"tenor_label", "text"},
	}}
	curveBatch = tempTable{name: "curve_batch", columns: []column{
		{"curve_id", "int4"}, {"latest_before", "date"}, {"latest_asof", "date"},
	}}
)

// writeCurveDimensions upserts the curves of rows and returns their ids by
// curve_key. A curve's dimensions and units change only when a record of
// its latest as-of date (or a later one) names it differently or brings
// other units; its price and tenor types grow with every record.
func writeCurveDimensions(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) (ids map[string]int32, wrote bool, err error) {
	type seen struct {
		latest       int // index of the curve's latest record
		prices, tens map[string]bool
	}
	curves := map[string]*seen{}
	for i := range rows {
		o := &rows[i]
		c := curves[o.CurveKey]
		if c == nil {
			c = &seen{latest: i, prices: map[string]bool{}, tens: map[string]bool{}}
			curves[o.CurveKey] = c
		}
		if !o.AsofDate.Before(rows[c.latest].AsofDate) {
			c.latest = i
		}
		c.prices[string(o.PriceType)] = true
		c.tens[string(o.TenorType)] = true
	}
	n := len(curves)
	var (
		keys, classes, units             = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		iso, region, location, mkt, prod = make([]*string, 0, n), make([]*string, 0, n), make([]*string, 0, n), make([]*string, 0, n), make([]*string, 0, n)
		block, spark, currency, perUnit  = make([]*string, 0, n), make([]*string, 0, n), make([]*string, 0, n), make([]*string, 0, n)
		asofs                            = make([]time.Time, 0, n)
		prices, tenors                   = make([]string, 0, n), make([]string, 0, n)
	)
	// Sorted, so that concurrent writers lock curve rows in one order.
	for _, key := range slices.Sorted(maps.Keys(curves)) {
		c := curves[key]
		o := &rows[c.latest]
		keys, classes, units = append(keys, key), append(classes, string(o.AssetClass)), append(units, o.UnitsRaw)
		iso, region, location = append(iso, o.ISO), append(region, o.Region), append(location, o.Location)
		mkt, prod, block, spark = append(mkt, o.Market), append(prod, o.Product), append(block, o.Block), append(spark, o.SparkLocation)
		currency, perUnit = append(currency, o.Currency), append(perUnit, o.PerUnit)
		asofs = append(asofs, Date(o.AsofDate))
		prices = append(prices, strings.Join(slices.Sorted(maps.Keys(c.prices)), ","))
		tenors = append(tenors, strings.Join(slices.Sorted(maps.Keys(c.tens)), ","))
	}
	res, err := tx.Query(ctx, upsertCurvesSQL, keys, classes, iso, region, location, mkt, prod, block, spark,
		currency, perUnit, units, asofs, prices, tenors)
	if err != nil {
		return nil, false, fmt.Errorf("upsert %d curves: %w", n, err)
	}
	ids = make(map[string]int32, n)
	var (
		id  int32
		key string
		w   bool
	)
	if _, err := pgx.ForEachRow(res, []any{&id, &key, &w}, func() error {
		ids[key], wrote = id, wrote || w
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("upsert %d curves: %w", n, err)
	}
	return ids, wrote, nil
}

// upsertCurvesSQL inserts new curves and updates those whose dimensions or
// units changed as of a date no earlier than theirs, or that were observed
// with a new price or tenor type; it notes in curve_batch each curve's
// latest as-of date before and after the write, and returns the id of
// every curve of the batch — those it wrote, and the others as they were —
// and whether it wrote it (new units change what every point of the curve
// reads as, though no observation changed).
const upsertCurvesSQL = `
WITH incoming AS (
    SELECT curve_key, asset_class, iso, region, location, market, product, block, spark_location, currency,
           per_unit, units_raw, latest_asof,
           string_to_array(price_types, ',')::curve_price_type[] AS price_types,
           string_to_array(tenor_types, ',')::curve_tenor_type[] AS tenor_types
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::date[], $14::text[], $15::text[])
        AS i(curve_key, asset_class, iso, region, location, market, product, block, spark_location,
             currency, per_unit, units_raw, latest_asof, price_types, tenor_types)
), before AS (
    SELECT c.id, c.latest_asof FROM curve c JOIN incoming USING (curve_key)
), written AS (
    INSERT INTO curve AS c (curve_key, asset_class, iso, region, location, market, product, block,
                            spark_location, currency, per_unit, units_raw, latest_asof, price_types, tenor_types)
    SELECT * FROM incoming
    ON CONFLICT (curve_key) DO UPDATE SET
        (asset_class, iso, region, location, market, product, block, spark_location, currency, per_unit,
         units_raw, latest_asof) =
        (SELECT n.* FROM (
            SELECT EXCLUDED.asset_class, EXCLUDED.iso, EXCLUDED.region, EXCLUDED.location, EXCLUDED.market,
                   EXCLUDED.product, EXCLUDED.block, EXCLUDED.spark_location, EXCLUDED.currency,
                   EXCLUDED.per_unit, EXCLUDED.units_raw, EXCLUDED.latest_asof
            WHERE EXCLUDED.latest_asof >= c.latest_asof
            UNION ALL
            SELECT c.asset_class, c.iso, c.region, c.location, c.market, c.product, c.block, c.spark_location,
                   c.currency, c.per_unit, c.units_raw, c.latest_asof
            WHERE EXCLUDED.latest_asof < c.latest_asof) n),
        price_types = ARRAY(SELECT DISTINCT unnest(c.price_types || EXCLUDED.price_types) ORDER BY 1),
        tenor_types = ARRAY(SELECT DISTINCT unnest(c.tenor_types || EXCLUDED.tenor_types) ORDER BY 1)
    WHERE (EXCLUDED.latest_asof >= c.latest_asof
           AND (c.asset_class, c.iso, c.region, c.location, c.market, c.product, c.block, c.spark_location,
                c.currency, c.per_unit, c.units_raw, c.latest_asof)
               IS DISTINCT FROM
               (EXCLUDED.asset_class, EXCLUDED.iso, EXCLUDED.region, EXCLUDED.location, EXCLUDED.market,
                EXCLUDED.product, EXCLUDED.block, EXCLUDED.spark_location, EXCLUDED.currency, EXCLUDED.per_unit,
                EXCLUDED.units_raw, EXCLUDED.latest_asof))
       OR NOT (EXCLUDED.price_types <@ c.price_types AND EXCLUDED.tenor_types <@ c.tenor_types)
    RETURNING c.id, c.curve_key, c.latest_asof
), ids AS (
    SELECT id, curve_key, latest_asof, true AS written FROM written
    UNION ALL
    SELECT c.id, c.curve_key, c.latest_asof, false FROM curve c JOIN incoming i USING (curve_key)
    WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.curve_key = c.curve_key)
), noted AS (
    INSERT INTO pg_temp.curve_batch (curve_id, latest_before, latest_asof)
    SELECT ids.id, b.latest_asof, ids.latest_asof FROM ids LEFT JOIN before b ON b.id = ids.id
)
SELECT id, curve_key, written FROM ids`

// writeCurvesSQL, one statement:
//   - written upserts the staged observations whose content is new.
//     Unchanged rows are filtered out before the upsert rather than by its
//     conflict clause, which would lock them — and, in a TimescaleDB chunk
//     that is compressed, decompress them; the filter reads the chunks of
//     the batch's dates only, and there the batch's curves only;
//   - for each curve it wrote to, the rest makes curve_latest_stale hold
//     exactly the latest observation of each tenor and price type whose
//     latest as-of date is before the curve's: the keys written on the
//     curve's latest date are current (their stale rows go); the others
//     may be stale — the keys of the curve's previous latest date when the
//     write moved it, its stale rows, and what the write wrote of earlier
//     dates (unless the key is on the latest date) — and the newest of each
//     (what the write wrote, of two of one date) is kept. Every read here
//     sees the tables as they were before the statement, which is what
//     "previous" means;
//   - it answers whether an observation was written (the data version is
//     then bumped, bumpVersion).
const writeCurvesSQL = `
WITH written AS (
    INSERT INTO curve_observation AS t (ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month,
                                        price_type, tenor_type, tenor_label)
    SELECT s.ingest_ts, s.value, s.bid, s.ask, s.mid, s.curve_id, s.asof_date, s.contract_month,
           s.price_type::curve_price_type, s.tenor_type::curve_tenor_type, s.tenor_label
    FROM pg_temp.curve_observation_stage s
    WHERE NOT EXISTS (
        SELECT 1 FROM curve_observation o
        WHERE o.asof_date >= (SELECT min(asof_date) FROM pg_temp.curve_observation_stage)
          AND o.asof_date <= (SELECT max(asof_date) FROM pg_temp.curve_observation_stage)
          AND o.curve_id = ANY ((SELECT array_agg(DISTINCT curve_id) FROM pg_temp.curve_observation_stage)::int[])
          AND o.curve_id = s.curve_id AND o.asof_date = s.asof_date AND o.tenor_label = s.tenor_label
          AND o.price_type = s.price_type::curve_price_type
          AND (o.value, o.bid, o.ask, o.mid, o.contract_month, o.tenor_type)
              IS NOT DISTINCT FROM
              (s.value, s.bid, s.ask, s.mid, s.contract_month, s.tenor_type::curve_tenor_type))
    ON CONFLICT (curve_id, asof_date, tenor_label, price_type) DO UPDATE SET
        ingest_ts = EXCLUDED.ingest_ts, value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask,
        mid = EXCLUDED.mid, contract_month = EXCLUDED.contract_month, tenor_type = EXCLUDED.tenor_type
    RETURNING t.*
), touched AS (
    SELECT * FROM pg_temp.curve_batch b WHERE EXISTS (SELECT 1 FROM written w WHERE w.curve_id = b.curve_id)
), current AS (
    SELECT w.curve_id, w.tenor_label, w.price_type
    FROM written w JOIN touched k USING (curve_id) WHERE w.asof_date = k.latest_asof
), candidates AS (
    SELECT o.*, 1 AS rank FROM touched k CROSS JOIN LATERAL (
        SELECT * FROM curve_observation o WHERE o.curve_id = k.curve_id AND o.asof_date = k.latest_before
          AND k.latest_before < k.latest_asof ORDER BY o.asof_date OFFSET 0) o
    UNION ALL
    SELECT s.*, 1 FROM touched k JOIN curve_latest_stale s USING (curve_id)
    UNION ALL
    SELECT w.*, 0 FROM written w JOIN touched k USING (curve_id)
    WHERE w.asof_date < k.latest_asof AND NOT EXISTS (
        SELECT 1 FROM curve_observation o WHERE o.curve_id = w.curve_id AND o.asof_date = k.latest_asof
          AND o.tenor_label = w.tenor_label AND o.price_type = w.price_type)
), newest AS (
    SELECT DISTINCT ON (n.curve_id, n.tenor_label, n.price_type) n.*
    FROM candidates n
    WHERE NOT EXISTS (SELECT 1 FROM current c
                      WHERE c.curve_id = n.curve_id AND c.tenor_label = n.tenor_label AND c.price_type = n.price_type)
    ORDER BY n.curve_id, n.tenor_label, n.price_type, n.asof_date DESC, n.rank
), gone AS (
    DELETE FROM curve_latest_stale s USING current c
    WHERE c.curve_id = s.curve_id AND c.tenor_label = s.tenor_label AND c.price_type = s.price_type
), stale AS (
    INSERT INTO curve_latest_stale AS t (ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month,
                                         price_type, tenor_type, tenor_label)
    SELECT ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month, price_type, tenor_type,
           tenor_label
    FROM newest
    ON CONFLICT (curve_id, tenor_label, price_type) DO UPDATE SET
        ingest_ts = EXCLUDED.ingest_ts, value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask,
        mid = EXCLUDED.mid, asof_date = EXCLUDED.asof_date, contract_month = EXCLUDED.contract_month,
        tenor_type = EXCLUDED.tenor_type
    WHERE (t.ingest_ts, t.value, t.bid, t.ask, t.mid, t.asof_date, t.contract_month, t.tenor_type)
          IS DISTINCT FROM
          (EXCLUDED.ingest_ts, EXCLUDED.value, EXCLUDED.bid, EXCLUDED.ask, EXCLUDED.mid, EXCLUDED.asof_date,
           EXCLUDED.contract_month, EXCLUDED.tenor_type)
)
SELECT EXISTS (SELECT 1 FROM written)`

// curveValues writes the staged observation of rows[i] for curveStage.
func curveValues(rows []schemas.CurveObservation, ids map[string]int32) func(int, *copyRow) error {
	return func(i int, r *copyRow) error {
		o := &rows[i]
		id, ok := ids[o.CurveKey]
		if !ok {
			return fmt.Errorf("curve %s has no id", o.CurveKey)
		}
		r.timestamptz(o.IngestTS)
		for _, f := range [...]*float64{o.Value, o.Bid, o.Ask, o.Mid} {
			optional(r, f, (*copyRow).float8)
		}
		r.int4(id)
		r.date(o.AsofDate)
		optional(r, o.ContractMonth, (*copyRow).date)
		r.text(string(o.PriceType))
		r.text(string(o.TenorType))
		r.text(o.TenorLabel)
		return nil
	}
}
