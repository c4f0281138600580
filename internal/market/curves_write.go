package market

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// observation per curve, tenor and price type. Rows whose content is
// unchanged are skipped, and the curves data version is bumped only when
// some observation changed. rows must have distinct keys (curve_key, tenor
// label, as-of date, price type) and complete curve keys and version
// hashes (curve.Complete). A *pgconn.PgError of class 22 or 23 means some
// row is refused by the database.
func WriteCurves(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) error {
	if len(rows) == 0 {
		return nil
	}
	ids, err := writeCurveDimensions(ctx, tx, rows)
	if err != nil {
		return err
	}
	if err := stage(ctx, tx, curveStage, curveStageColumns, &curveCopySource{rows: rows, ids: ids, i: -1}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, writeCurvesSQL); err != nil {
		return fmt.Errorf("upsert %d curve observations: %w", len(rows), err)
	}
	return nil
}

// writeCurveDimensions upserts the curves of rows and returns their ids by
// curve_key. A curve's dimensions and units change only when a record of
// its latest as-of date (or a later one) names it differently or brings
// other units; its price and tenor types grow with every record.
func writeCurveDimensions(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) (map[string]int32, error) {
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
		asofs = append(asofs, dateOnly(o.AsofDate))
		prices = append(prices, strings.Join(slices.Sorted(maps.Keys(c.prices)), ","))
		tenors = append(tenors, strings.Join(slices.Sorted(maps.Keys(c.tens)), ","))
	}
	res, err := tx.Query(ctx, upsertCurvesSQL, keys, classes, iso, region, location, mkt, prod, block, spark,
		currency, perUnit, units, asofs, prices, tenors)
	if err != nil {
		return nil, fmt.Errorf("upsert %d curves: %w", n, err)
	}
	ids := make(map[string]int32, n)
	var (
		id  int32
		key string
	)
	if _, err := pgx.ForEachRow(res, []any{&id, &key}, func() error {
		ids[key] = id
		return nil
	}); err != nil {
		return nil, fmt.Errorf("upsert %d curves: %w", n, err)
	}
	return ids, nil
}

// upsertCurvesSQL inserts new curves and updates those whose dimensions or
// units changed as of a date no earlier than theirs, or that were observed
// with a new price or tenor type; it returns the id of every curve of the
// batch: those it wrote, and the others as they were.
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
    RETURNING c.id, c.curve_key
)
SELECT id, curve_key FROM written
UNION ALL
SELECT c.id, c.curve_key FROM curve c JOIN incoming i USING (curve_key)
WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.curve_key = c.curve_key)`

const curveStage = "curve_observation_stage"

// curveStageColumns are the staging table's columns, in the order
// curveCopySource yields them: curve_observation's, the enums as text.
var curveStageColumns = []stageColumn{
	{"ingest_ts", "timestamptz"}, {"value", "float8"}, {"bid", "float8"}, {"ask", "float8"}, {"mid", "float8"},
	{"curve_id", "int4"}, {"asof_date", "date"}, {"contract_month", "date"}, {"price_type", "text"},
	{"tenor_type", "text"}, {"tenor_label", "text"}, {"version_hash", "bytea"},
}

// writeCurvesSQL upserts the staged observations, skipping those whose
// content is unchanged; moves the latest observation per curve, tenor and
// price type forward with what it wrote; and bumps the data version when it
// wrote anything — last, so that the row lock concurrent writers share on
// data_version is held only until the commit.
const writeCurvesSQL = `
WITH written AS (
    INSERT INTO curve_observation AS t (ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month,
                                        price_type, tenor_type, tenor_label, version_hash)
    SELECT ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month,
           price_type::curve_price_type, tenor_type::curve_tenor_type, tenor_label, version_hash
    FROM pg_temp.curve_observation_stage
    ON CONFLICT (curve_id, asof_date, tenor_label, price_type) DO UPDATE SET
        ingest_ts = EXCLUDED.ingest_ts, value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask,
        mid = EXCLUDED.mid, contract_month = EXCLUDED.contract_month, tenor_type = EXCLUDED.tenor_type,
        version_hash = EXCLUDED.version_hash
    WHERE (t.value, t.bid, t.ask, t.mid, t.contract_month, t.tenor_type, t.version_hash)
          IS DISTINCT FROM
          (EXCLUDED.value, EXCLUDED.bid, EXCLUDED.ask, EXCLUDED.mid, EXCLUDED.contract_month,
           EXCLUDED.tenor_type, EXCLUDED.version_hash)
    RETURNING t.ingest_ts, t.value, t.bid, t.ask, t.mid, t.curve_id, t.asof_date, t.contract_month,
              t.price_type, t.tenor_type, t.tenor_label, t.version_hash
), latest AS (
    INSERT INTO curve_latest AS t (ingest_ts, value, bid, ask, mid, curve_id, asof_date, contract_month,
                                   price_type, tenor_type, tenor_label, version_hash)
    SELECT DISTINCT ON (curve_id, tenor_label, price_type) * FROM written
    ORDER BY curve_id, tenor_label, price_type, asof_date DESC
    ON CONFLICT (curve_id, tenor_label, price_type) DO UPDATE SET
        ingest_ts = EXCLUDED.ingest_ts, value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask,
        mid = EXCLUDED.mid, asof_date = EXCLUDED.asof_date, contract_month = EXCLUDED.contract_month,
        tenor_type = EXCLUDED.tenor_type, version_hash = EXCLUDED.version_hash
    WHERE EXCLUDED.asof_date >= t.asof_date
)
UPDATE data_version SET version = version + 1, updated_at = now()
WHERE dataset = 'curves' AND EXISTS (SELECT 1 FROM written)`

// curveCopySource feeds observations to COPY without building a [][]any:
// one value slice is reused for every row (pgx encodes a row before asking
// for the next).
type curveCopySource struct {
	rows []schemas.CurveObservation
	ids  map[string]int32
	i    int
	vals [12]any
}

func (c *curveCopySource) Next() bool {
	c.i++
	return c.i < len(c.rows)
}

func (c *curveCopySource) Values() ([]any, error) {
	o := &c.rows[c.i]
	id, ok := c.ids[o.CurveKey]
	if !ok {
		return nil, fmt.Errorf("curve %s has no id", o.CurveKey)
	}
	v := c.vals[:]
	v[0], v[1], v[2], v[3], v[4] = o.IngestTS, o.Value, o.Bid, o.Ask, o.Mid
	v[5], v[6] = id, dateOnly(o.AsofDate)
	if o.ContractMonth != nil {
		v[7] = dateOnly(*o.ContractMonth)
	} else {
		v[7] = nil
	}
	v[8], v[9], v[10] = string(o.PriceType), string(o.TenorType), o.TenorLabel
	v[11] = VersionBytes(o.VersionHash)
	return v, nil
}

func (*curveCopySource) Err() error { return nil }

// VersionBytes is the stored form of a version hash: the 32 bytes of a hex
// SHA-256, or — for a producer's hash that is not one — the SHA-256 of its
// text, which tells restatements apart just as well.
func VersionBytes(h string) []byte {
	if len(h) == 2*sha256.Size {
		if b, err := hex.DecodeString(h); err == nil {
			return b
		}
	}
	sum := sha256.Sum256([]byte(h))
	return sum[:]
}

// dateOnly is the calendar date of t in UTC, as COPY encodes a date from
// the time's own location.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
