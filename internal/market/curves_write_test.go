package market_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// versions returns, per table, the row versions (xmin) of its rows in key
// order: a row rewritten gets a new one.
func versions(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	return map[string][]string{
		"curve":              rowStrings(t, st, `SELECT curve_key || ' ' || xmin FROM curve`),
		"curve_observation":  rowStrings(t, st, `SELECT curve_id || ' ' || asof_date || ' ' || tenor_label || ' ' || price_type || ' ' || xmin FROM curve_observation`),
		"curve_latest_stale": rowStrings(t, st, `SELECT curve_id || ' ' || tenor_label || ' ' || price_type || ' ' || xmin FROM curve_latest_stale`),
	}
}

func dataVersion(t *testing.T, st *store.Store, dataset string) int64 {
	t.Helper()
	var v int64
	if err := st.Pool().QueryRow(ctx(t), `SELECT version FROM data_version WHERE dataset = $1`, dataset).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWriteCurvesSkipsUnchanged: writing the same observations again —
// under a producer's version hash of its own too — rewrites no row and
// leaves the data version; a changed value rewrites that observation only,
// and bumps the version; new units on the latest day rewrite the curve
// only, bump the version and are read on every point.
func TestWriteCurvesSkipsUnchanged(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		rows := append(observations(day1, 0), observations(day2, 0.25)...)
		writeCurves(t, st, rows)
		before, v := versions(t, st), dataVersion(t, st, market.DatasetCurves)

		again := slices.Clone(rows)
		for i := range again {
			again[i].IngestTS = again[i].IngestTS.Add(time.Hour) // a reload: same content, later ingest
			again[i].VersionHash = fmt.Sprintf("producer-%d", i)
		}
		writeCurves(t, st, again)
		if after := versions(t, st); !equalMaps(before, after) {
			t.Errorf("reloading identical observations rewrote rows:\nbefore %v\nafter  %v", before, after)
		}
		if got := dataVersion(t, st, market.DatasetCurves); got != v {
			t.Errorf("data version %d after an identical reload, want %d", got, v)
		}

		changed := rows[len(rows)-1] // day 2, the gas curve's last tenor
		changed.Mid = ptr(*changed.Mid + 1)
		curve.Complete(&changed)
		writeCurves(t, st, []schemas.CurveObservation{changed})
		after := versions(t, st)
		checkWrite(t, st, "one changed value", market.DatasetCurves, before, after, map[string]int{"curve": 0, "curve_observation": 1, "curve_latest_stale": 0}, v+1)
		points := allCurves(t, market.NewReader(st.Pool()), market.CurveFilter{}, nil, 500)
		i := slices.IndexFunc(points, func(p market.CurvePoint) bool {
			return p.Key == changed.CurveKey && p.TenorLabel == changed.TenorLabel
		})
		if i < 0 || *points[i].Mid != *changed.Mid || !points[i].AsofDate.Equal(day2) {
			t.Errorf("latest read after the correction: %+v", points[i])
		}

		before, v = after, v+1
		var relabelled []schemas.CurveObservation // the curve's latest day as stored, in US cents
		for _, o := range rows {
			if o.CurveKey != changed.CurveKey || !o.AsofDate.Equal(day2) {
				continue
			}
			if o.TenorLabel == changed.TenorLabel {
				o = changed
			}
			o.Currency, o.PerUnit, o.UnitsRaw = ptr("USC"), ptr("MMBtu"), "USc/MMBtu"
			relabelled = append(relabelled, o)
		}
		writeCurves(t, st, relabelled)
		after = versions(t, st)
		checkWrite(t, st, "new units", market.DatasetCurves, before, after, map[string]int{"curve": 1, "curve_observation": 0, "curve_latest_stale": 0}, v+1)
		for _, p := range allCurves(t, market.NewReader(st.Pool()), market.CurveFilter{}, []time.Time{day2}, 500) {
			if p.Key == changed.CurveKey && (p.UnitsRaw != "USc/MMBtu" || p.Currency == nil || *p.Currency != "USC") {
				t.Fatalf("a point after new units: %+v", p)
			}
		}
	})
}

// TestWriteCurvesLatestPerTenor: the latest point of each tenor is the one
// of its latest as-of date, whatever order the dates arrive in, and a
// tenor no longer quoted keeps its last point.
func TestWriteCurvesLatestPerTenor(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		d2 := observations(day2, 0.25)
		d2 = slices.DeleteFunc(d2, func(o schemas.CurveObservation) bool { return o.TenorLabel == "2027-12" })
		writeCurves(t, st, d2)
		writeCurves(t, st, observations(day1, 0)) // older, and arriving later
		r := market.NewReader(st.Pool())
		for _, p := range allCurves(t, r, market.CurveFilter{}, nil, 13) {
			want := day2
			if p.TenorLabel == "2027-12" {
				want = day1
			}
			if !p.AsofDate.Equal(want) {
				t.Errorf("latest %s is as of %s, want %s", pointKey(&p), p.AsofDate.Format(time.DateOnly), want.Format(time.DateOnly))
			}
		}
		var units string
		if err := st.Pool().QueryRow(ctx(t), `SELECT string_agg(latest_asof::text, ',') FROM curve`).Scan(&units); err != nil {
			t.Fatal(err)
		}
		if units != "2026-01-06,2026-01-06,2026-01-06,2026-01-06" {
			t.Errorf("curves' latest as-of dates %s, want day 2 for all", units)
		}
	})
}

// TestLateCorrectionIntoCompressedChunk: under TimescaleDB, a correction of
// an observation whose chunk is compressed is accepted and served, and a
// reload of compressed rows changes nothing.
func TestLateCorrectionIntoCompressedChunk(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	old := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	rows := observations(old, 0)
	writeCurves(t, st, rows)
	var compressed int
	if err := st.Pool().QueryRow(ctx(t), `SELECT count(compress_chunk(c)) FROM show_chunks('curve_observation') c`).Scan(&compressed); err != nil {
		t.Fatal(err)
	}
	if compressed == 0 {
		t.Fatal("no chunk compressed")
	}
	v := dataVersion(t, st, market.DatasetCurves)
	writeCurves(t, st, rows)
	if got := dataVersion(t, st, market.DatasetCurves); got != v {
		t.Errorf("reloading compressed rows bumped the data version to %d (was %d)", got, v)
	}
	// An identical reload decompresses nothing: the chunks' own (not
	// compressed) parts stay empty.
	var uncompressed int
	if err := st.Pool().QueryRow(ctx(t), `SELECT sum((xpath('/row/c/text()',
		query_to_xml(format('SELECT count(*) AS c FROM ONLY %s', c), false, true, '')))[1]::text::int)
		FROM show_chunks('curve_observation') c`).Scan(&uncompressed); err != nil {
		t.Fatal(err)
	}
	if uncompressed != 0 {
		t.Errorf("an identical reload decompressed %d rows", uncompressed)
	}

	fix := rows[5]
	fix.Mid = ptr(123.5)
	curve.Complete(&fix)
	writeCurves(t, st, []schemas.CurveObservation{fix})
	points := allCurves(t, market.NewReader(st.Pool()), market.CurveFilter{}, []time.Time{old}, 100)
	if len(points) != len(rows) {
		t.Fatalf("%d points as of the compressed date, want %d", len(points), len(rows))
	}
	for _, p := range points {
		if p.Key == fix.CurveKey && p.TenorLabel == fix.TenorLabel && *p.Mid != 123.5 {
			t.Errorf("corrected point reads mid %v, want 123.5", *p.Mid)
		}
	}
}

func equalMaps(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// checkWrite fails t unless what was written rewrote want[table] rows of
// each table, between the row versions before and after, and left
// dataset's data version at version.
func checkWrite(t *testing.T, st *store.Store, what, dataset string, before, after map[string][]string, want map[string]int, version int64) {
	t.Helper()
	for table, n := range want {
		if got := countChanged(before[table], after[table]); got != n {
			t.Errorf("%s: %d rows rewritten by %s, want %d", table, got, what, n)
		}
	}
	if got := dataVersion(t, st, dataset); got != version {
		t.Errorf("data version %d after %s, want %d", got, what, version)
	}
}

// countChanged counts the rows of after (key and version) whose version is
// not in before.
func countChanged(before, after []string) int {
	n := 0
	for _, r := range after {
		if !slices.Contains(before, r) {
			n++
		}
	}
	return n
}

// TestLatestMatchesHistory writes random batches — dates in any order,
// tenors dropped and resumed, identical reloads, corrections, a date split
// across batches — and after each requires the latest read to be what the
// history says: per curve, tenor and price type, its newest observation.
func TestLatestMatchesHistory(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		r := market.NewReader(st.Pool())
		rng := rand.New(rand.NewPCG(7, 11))
		var known []schemas.CurveObservation // every row written, to pick reloads and corrections from
		for batch := range 60 {
			var rows []schemas.CurveObservation
			switch {
			case batch > 0 && rng.IntN(5) == 0: // reload or correct rows written before
				for range 1 + rng.IntN(8) {
					o := known[rng.IntN(len(known))]
					if rng.IntN(2) == 0 {
						o.Mid = ptr(float64(rng.IntN(1000)))
						curve.Complete(&o)
					}
					rows = append(rows, o)
				}
			default: // a date's rows of some curves, some tenors
				day := day1.AddDate(0, 0, rng.IntN(8))
				for _, o := range observations(day, float64(rng.IntN(3))) {
					if rng.IntN(3) > 0 {
						rows = append(rows, o)
					}
				}
			}
			rows = distinctKeys(rows)
			writeCurves(t, st, rows)
			known = append(known, rows...)
			got := latestKeys(allCurves(t, r, market.CurveFilter{}, nil, 17))
			want := rowStrings(t, st, `SELECT DISTINCT ON (o.curve_id, o.tenor_label, o.price_type)
				c.curve_key || ' ' || o.tenor_label || ' ' || o.price_type || ' ' || o.asof_date || ' ' || o.mid
				FROM curve_observation o JOIN curve c ON c.id = o.curve_id
				ORDER BY o.curve_id, o.tenor_label, o.price_type, o.asof_date DESC`)
			if d := firstDifference(want, got); d != "" {
				t.Fatalf("after batch %d (%d rows): latest read differs from the history: %s", batch, len(rows), d)
			}
		}
	})
}

// distinctKeys keeps the last row of each key, as the materialiser does.
func distinctKeys(rows []schemas.CurveObservation) []schemas.CurveObservation {
	last := map[string]int{}
	for i, o := range rows {
		last[o.CurveKey+o.TenorLabel+o.AsofDate.String()+string(o.PriceType)] = i
	}
	var out []schemas.CurveObservation
	for i, o := range rows {
		if last[o.CurveKey+o.TenorLabel+o.AsofDate.String()+string(o.PriceType)] == i {
			out = append(out, o)
		}
	}
	return out
}

// latestKeys spells points as the history query of TestLatestMatchesHistory
// does, sorted.
func latestKeys(points []market.CurvePoint) []string {
	out := make([]string, len(points))
	for i, p := range points {
		out[i] = fmt.Sprintf("%s %s %s %s %v", p.Key, p.TenorLabel, p.PriceType, p.AsofDate.Format(time.DateOnly), *p.Mid)
	}
	slices.Sort(out)
	return out
}

// TestConcurrentWritesShareOnlyTheCommit: writers of one dataset (the
// materialiser's concurrent transactions) all bump its data_version row;
// a writer waits for another's commit only to bump it, after its own rows
// are written — not, as when the bump was part of the write's statement,
// before writing anything.
func TestConcurrentWritesShareOnlyTheCommit(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		// Other curves of the same day: the writers share no curve row; and
		// the day's chunk (TimescaleDB) exists before them, as it does but
		// for a day's first write, whose writers wait for it to be created.
		relocated := func(prefix string) []schemas.CurveObservation {
			rows := observations(day1, 0)
			for i := range rows {
				rows[i].Location = ptr(prefix + *rows[i].Location)
				curve.Complete(&rows[i])
			}
			return rows
		}
		writeCurves(t, st, relocated("EARLIER "))
		other := relocated("OTHER ")
		wrote, release := make(chan struct{}), make(chan struct{})
		errs := make(chan error, 2)
		go func() {
			errs <- st.InTx(ctx(t), func(tx pgx.Tx) error {
				if err := market.WriteCurves(ctx(t), tx, observations(day1, 0)); err != nil {
					return err
				}
				close(wrote)
				<-release // the first writer's commit is slow
				return nil
			})
		}()
		<-wrote
		go func() {
			errs <- st.InTx(ctx(t), func(tx pgx.Tx) error { return market.WriteCurves(ctx(t), tx, other) })
		}()
		var waiting string
		eventually(t, "the second writer waits for the first", func() bool {
			err := st.Pool().QueryRow(ctx(t), `SELECT coalesce(max(query), '') FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting)
			return err == nil && waiting != ""
		})
		if !strings.HasPrefix(strings.TrimSpace(waiting), "UPDATE data_version") {
			t.Errorf("the second writer waits in %.80q, want in the bump of the data version", waiting)
		}
		close(release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n := len(allCurves(t, market.NewReader(st.Pool()), market.CurveFilter{}, nil, 500)); n != 3*len(other) {
			t.Errorf("%d latest points after the writes, want %d", n, 3*len(other))
		}
	})
}
