package market_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// recorder is a Querier that remembers the statements run through it, so
// a test can EXPLAIN exactly what a Reader asked.
type recorder struct {
	market.Querier
	mu    sync.Mutex
	stmts []statement
}

type statement struct {
	sql  string
	args []any
	// custom: the statement is always planned with its values (pgx's
	// unnamed statement), so its generic plan does not matter.
	custom bool
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	s := statement{sql: sql, args: args}
	if len(args) > 0 {
		if _, ok := args[0].(pgx.QueryExecMode); ok {
			s.args, s.custom = args[1:], true
		}
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
	return r.Querier.Query(ctx, sql, args...)
}

// take returns the statements recorded since the last take.
func (r *recorder) take() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

// planNode is the part of an EXPLAIN (FORMAT JSON) node the tests read.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

// scans flattens a plan into its nodes.
func (n planNode) scans(out []planNode) []planNode {
	out = append(out, n)
	for _, c := range n.Plans {
		out = c.scans(out)
	}
	return out
}

// explain returns the plans the database may run s with: the one for its
// values, and — unless s is always planned with its values — the generic
// one a prepared statement may switch to.
func explain(t *testing.T, st *store.Store, s statement) [][]planNode {
	t.Helper()
	var raw []byte
	if err := st.Pool().QueryRow(ctx(t), "EXPLAIN (FORMAT JSON) "+s.sql, s.args...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", s.sql, err)
	}
	plans := [][]planNode{nodes(t, raw)}
	if s.custom {
		return plans
	}
	conn, err := st.Pool().Acquire(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	lits := make([]string, len(s.args))
	for i, a := range s.args {
		lits[i] = literal(t, a)
	}
	for _, q := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE generic AS " + s.sql} {
		if _, err := conn.Exec(ctx(t), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer func() { _, _ = conn.Exec(ctx(t), "DEALLOCATE generic; RESET plan_cache_mode") }()
	if err := conn.QueryRow(ctx(t), "EXPLAIN (FORMAT JSON) EXECUTE generic("+strings.Join(lits, ", ")+")").Scan(&raw); err != nil {
		t.Fatalf("explain generic %s: %v", s.sql, err)
	}
	return append(plans, nodes(t, raw))
}

func nodes(t *testing.T, raw []byte) []planNode {
	t.Helper()
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(raw, &plans); err != nil {
		t.Fatal(err)
	}
	return plans[0].Plan.scans(nil)
}

// literal spells a statement's argument as SQL.
func literal(t *testing.T, v any) string {
	t.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case string:
		return quote(v)
	case int:
		return fmt.Sprint(v)
	case time.Time:
		return quote(v.Format(time.DateOnly))
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	case []time.Time:
		q := make([]string, len(v))
		for i, d := range v {
			q[i] = quote(d.Format(time.DateOnly))
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::date[]"
	}
	t.Fatalf("no literal for %T", v)
	return ""
}

// observationTable matches the fact tables and their TimescaleDB chunks.
var observationTable = regexp.MustCompile(`^(curve_observation|curve_latest_stale|_hyper_\d+_\d+_chunk|compress_hyper_\d+_\d+_chunk)$`)

// planCase is one read and the indexes its plan must use.
type planCase struct {
	name string
	read func(ctx context.Context, r *market.Reader, db market.Querier) error
	// indexes must each be used by some node of the plans.
	indexes []string
}

// curvePlanCases are the curve reads of every endpoint, with the filters
// clients use.
func curvePlanCases() []planCase {
	filter := func(kv ...string) market.CurveFilter {
		var f market.CurveFilter
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], strings.Split(kv[i+1], ","))
		}
		return f
	}
	page := market.Page{Limit: 100}
	after := market.Page{Limit: 100, After: []string{"", curve.Key(planCurve(7).identity()), "2027-03", "MID"}}
	day := []time.Time{planDay(3)}
	curves := func(f market.CurveFilter, asof []time.Time, p market.Page) func(context.Context, *market.Reader, market.Querier) error {
		return func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Curves(ctx, f, asof, p)
			return err
		}
	}
	return []planCase{
		{"latest, no filter", curves(market.CurveFilter{}, nil, page), []string{"curve_curve_key_key", "curve_observation_pkey"}},
		{"latest, next page", curves(market.CurveFilter{}, nil, after), []string{"curve_curve_key_key", "curve_observation_pkey"}},
		{"latest by curve_key", curves(filter("curve_key", curve.Key(planCurve(3).identity())), nil, page), []string{"curve_curve_key_key", "curve_observation_pkey"}},
		{"latest by iso", curves(filter("iso", "MISO"), nil, page), []string{"curve_observation_pkey"}},
		{"latest by location", curves(filter("location", "HUB 12"), nil, page), []string{"curve_location_idx", "curve_observation_pkey"}},
		{"latest by location, next page", curves(filter("location", "HUB 12"), nil,
			market.Page{Limit: 100, After: []string{"", curve.Key(planCurve(24).identity()), "2027-03", "MID"}}), []string{"curve_location_idx", "curve_observation_pkey"}},
		{"latest by iso, location, block", curves(filter("iso", "PJM", "location", "HUB 12", "block", "ON"), nil, page), []string{"curve_location_idx", "curve_observation_pkey"}},
		{"latest by asset class", curves(filter("asset_class", "gas"), nil, page), []string{"curve_observation_pkey"}},
		{"latest by market", curves(filter("market", "DA"), nil, page), []string{"curve_observation_pkey"}},
		{"latest by tenor and price type", curves(filter("tenor_type", "MONTHLY", "price_type", "MID"), nil, page), []string{"curve_observation_pkey"}},
		{"as of a date", curves(market.CurveFilter{}, day, page), []string{"curve_observation_pkey"}},
		{"as of a date, next page", curves(market.CurveFilter{}, day, market.Page{Limit: 100, After: []string{"2026-01-08", after.After[1], "2027-03", "MID"}}), []string{"curve_observation_pkey"}},
		{"one curve as of a date", curves(filter("iso", "MISO", "location", "HUB 7", "block", "OFF"), day, page), []string{"curve_location_idx", "curve_observation_pkey"}},
		{"as of two dates", curves(filter("iso", "PJM"), []time.Time{planDay(2), planDay(5)}, page), []string{"curve_observation_pkey"}},
		{"diff", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Diffs(ctx, filter("iso", "ERCOT"), planDay(2), planDay(5), page)
			return err
		}, []string{"curve_observation_pkey"}},
		{"strips, latest", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Strips(ctx, filter("location", "HUB 4"), time.Time{}, "QUARTER", page)
			return err
		}, []string{"curve_location_idx", "curve_observation_pkey"}},
		{"strips, as of a date", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Strips(ctx, filter("iso", "PJM"), planDay(4), "CALENDAR", page)
			return err
		}, []string{"curve_observation_pkey"}},
		{"dimensions, filtered", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Dimensions(ctx, market.DimensionsQuery{Filter: filter("iso", "PJM", "price_type", "MID"), Counts: true}, page)
			return err
		}, nil},
		{"dimensions of a hub", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Dimensions(ctx, market.DimensionsQuery{Filter: filter("location", "HUB 7")}, page)
			return err
		}, []string{"curve_location_idx"}},
		{"base prices of a scenario", func(ctx context.Context, _ *market.Reader, db market.Querier) error {
			_, err := market.BasePrices(ctx, db, planDay(3), filter("iso", "PJM", "location", "HUB 9"))
			return err
		}, []string{"curve_observation_pkey"}},
	}
}

// TestReadPlans EXPLAINs every read, with its values and as the generic
// plan of a prepared statement: no sequential scan of an observation table,
// and each index the schema has is used by some read.
func TestReadPlans(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		seedPlanData(t, st)
		checkReadPlans(t, st, curvePlanCases(), observationTable, "curve", "curve_observation", "curve_latest_stale")
		checkUnsortedPages(t, st, slices.DeleteFunc(curvePlanCases(), func(c planCase) bool { return !unsortedReads[c.name] }))
	})
}

// unsortedReads are the cases of curvePlanCases whose filters name curves
// (by key or location): their pages are in keyset order without a sort of
// the joined rows (market.Reader.Curves).
var unsortedReads = map[string]bool{
	"latest by curve_key": true, "latest by location": true, "latest by location, next page": true, "latest by iso, location, block": true,
	"one curve as of a date": true,
}

// checkUnsortedPages EXPLAINs the statements of each case's reads: no plan
// may sort above the LATERAL join (the nested loop that keeps the order of
// the curves and of each curve's observations).
func checkUnsortedPages(t *testing.T, st *store.Store, cases []planCase) {
	t.Helper()
	if len(cases) != len(unsortedReads) {
		t.Fatalf("%d of the unsorted reads are cases of curvePlanCases, want %d", len(cases), len(unsortedReads))
	}
	rec := &recorder{Querier: st.Pool()}
	r := market.NewReader(rec)
	for _, tc := range cases {
		if err := tc.read(ctx(t), r, rec); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, s := range rec.take() {
			for i, plan := range explain(t, st, s) {
			walk:
				for _, n := range plan { // root first, each node before its inputs
					switch n.NodeType {
					case "Nested Loop":
						break walk
					case "Sort", "Incremental Sort":
						t.Errorf("%s (%s plan): sorts the page: %s", tc.name, []string{"custom", "generic"}[i], s.sql)
						break walk
					}
				}
			}
		}
	}
}

// checkReadPlans runs each case's reads and EXPLAINs every statement they
// send, with its values (custom plan) and as a prepared statement's generic
// plan: neither may scan a table matching facts sequentially, each must
// use the case's indexes, and every read index of tables must be used by
// some case.
func checkReadPlans(t *testing.T, st *store.Store, cases []planCase, facts *regexp.Regexp, tables ...string) {
	t.Helper()
	rec := &recorder{Querier: st.Pool()}
	r := market.NewReader(rec)
	used := map[string]bool{}
	for _, tc := range cases {
		if err := tc.read(ctx(t), r, rec); err != nil && !errors.Is(err, market.ErrNotFound) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, s := range rec.take() {
			if len(s.args) == 0 {
				s.custom = true // no parameters: the generic plan is the same
			}
			for i, plan := range explain(t, st, s) {
				kind := []string{"custom", "generic"}[i]
				var indexes []string
				for _, n := range plan {
					if n.NodeType == "Seq Scan" && facts.MatchString(n.Relation) {
						t.Errorf("%s (%s plan): sequential scan of %s", tc.name, kind, n.Relation)
					}
					if n.Index != "" {
						indexes = append(indexes, n.Index)
						used[indexOf(n.Index)] = true
					}
				}
				for _, want := range tc.indexes {
					if !slices.ContainsFunc(indexes, func(ix string) bool { return indexOf(ix) == want }) {
						t.Errorf("%s (%s plan): uses %v, not %s", tc.name, kind, indexes, want)
					}
				}
			}
		}
	}
	for _, ix := range schemaIndexes(t, st, tables...) {
		if !used[ix] {
			t.Errorf("index %s is used by no read", ix)
		}
	}
}

// indexOf is the index a chunk's index belongs to: TimescaleDB names them
// <chunk>_<index> or <n>_<m>_<index>.
func indexOf(name string) string {
	return chunkIndex.ReplaceAllString(name, "")
}

var chunkIndex = regexp.MustCompile(`^(_hyper_\d+_\d+_chunk_|\d+_(\d+_)?)`)

// schemaIndexes lists the indexes of tables that are there for reads only:
// not those of primary keys and unique constraints, which the writes'
// upserts need.
func schemaIndexes(t *testing.T, st *store.Store, tables ...string) []string {
	t.Helper()
	rows, err := st.Pool().Query(ctx(t), `SELECT i.indexrelid::regclass::text FROM pg_index i
		WHERE i.indrelid = ANY(SELECT to_regclass(n) FROM unnest($1::text[]) n) AND NOT i.indisunique ORDER BY 1`, tables)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// planSpec is a curve of the plan test's data set.
type planSpec struct {
	class        schemas.AssetClass
	iso, loc, bl string
}

func (c planSpec) identity() curve.Identity {
	return curve.Identity{AssetClass: string(c.class), ISO: c.iso, Location: c.loc, Market: "DA", Block: c.bl}
}

// planCurves is the number of curves of the plan test's data set, enough
// for the planner to prefer an index over walking all curves.
const planCurves = 3000

// planCurve is curve i: three ISOs, 500 hubs, on- and off-peak; every
// hundredth a gas curve.
func planCurve(i int) planSpec {
	c := planSpec{class: schemas.AssetClassPower, iso: []string{"PJM", "MISO", "ERCOT"}[i%3], loc: fmt.Sprintf("HUB %d", i/2%500), bl: []string{"ON", "OFF"}[i%2]}
	if i%100 == 0 {
		c.class, c.iso, c.loc, c.bl = schemas.AssetClassGas, "", fmt.Sprintf("GAS %d", i), ""
	}
	return c
}

// planDay is the i-th business day of the data set.
func planDay(i int) time.Time { return time.Date(2026, 1, 5+i, 0, 0, 0, 0, time.UTC) }

// seedPlanData writes 3,000 curves × 6 tenors × MID and SETTLE × 6 days
// (about 210,000 observations; the first tenor expires before the last
// day) and analyses the tables, so that the planner chooses as it would for
// a real data set.
func seedPlanData(t *testing.T, st *store.Store) {
	t.Helper()
	for d := range 6 {
		var rows []schemas.CurveObservation
		for i := range planCurves {
			c := planCurve(i)
			for m := range 6 {
				if d == 5 && m == 0 {
					continue // expired on the last day: the tenor's latest point is stale
				}
				month := time.Date(2027, time.January+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
				for _, pt := range []schemas.PriceType{schemas.PriceTypeMid, schemas.PriceTypeSettle} {
					o := schemas.CurveObservation{
						AsofDate: planDay(d), AssetClass: c.class, Location: ptr(c.loc), Market: ptr("DA"),
						PriceType: pt, TenorType: schemas.TenorMonthly, TenorLabel: month.Format("2006-01"),
						ContractMonth: ptr(month), Mid: ptr(float64(40 + m + d)), UnitsRaw: "USD/MWh",
						Currency: ptr("USD"), PerUnit: ptr("MWh"), IngestTS: planDay(d).Add(18 * time.Hour),
					}
					if c.iso != "" {
						o.ISO = ptr(c.iso)
					}
					if c.bl != "" {
						o.Block = ptr(c.bl)
					}
					curve.Complete(&o)
					rows = append(rows, o)
				}
			}
		}
		writeCurves(t, st, rows)
	}
	if _, err := st.Pool().Exec(ctx(t), "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}
