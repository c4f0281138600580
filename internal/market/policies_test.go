package market_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
)

const day = 24 * time.Hour

// jobs returns the policies of the market hypertables: "proc table age"
// with the job id.
func jobs(t *testing.T, st *store.Store) []string {
	t.Helper()
	return rowStrings(t, st, `SELECT proc_name || ' ' || hypertable_name || ' ' ||
		coalesce(config->>'compress_after', config->>'drop_after') || ' #' || job_id
		FROM timescaledb_information.jobs WHERE proc_name IN ('policy_compression', 'policy_retention')`)
}

func TestApplyPolicies(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	apply := func(p market.Policies) []string {
		t.Helper()
		if err := market.ApplyPolicies(ctx(t), st.Pool(), true, p, logger); err != nil {
			t.Fatal(err)
		}
		return jobs(t, st)
	}
	retain := map[string]time.Duration{market.DatasetCurves: 3650 * day, market.DatasetISO: 730 * day, market.DatasetSeries: 36500 * day}
	first := apply(market.Policies{CompressAfter: 30 * day, Retain: retain})
	want := []string{
		"policy_compression curve_observation 720:00:00", "policy_compression ext_timeseries_observation 720:00:00",
		"policy_compression iso_lmp 720:00:00", "policy_compression iso_load 720:00:00",
		"policy_retention curve_observation 87600:00:00", "policy_retention ext_timeseries_observation 876000:00:00",
		"policy_retention iso_lmp 17520:00:00", "policy_retention iso_load 17520:00:00",
	}
	if !equal(withoutJobIDs(first), want) {
		t.Fatalf("policies %v, want %v", first, want)
	}
	if again := apply(market.Policies{CompressAfter: 30 * day, Retain: retain}); !equal(again, first) {
		t.Errorf("applying the same policies again changed them: %v, then %v", first, again)
	}
	changed := apply(market.Policies{CompressAfter: 7 * day, Retain: map[string]time.Duration{market.DatasetISO: 730 * day}})
	want = []string{
		"policy_compression curve_observation 168:00:00", "policy_compression ext_timeseries_observation 168:00:00",
		"policy_compression iso_lmp 168:00:00", "policy_compression iso_load 168:00:00",
		"policy_retention iso_lmp 17520:00:00", "policy_retention iso_load 17520:00:00",
	}
	if !equal(withoutJobIDs(changed), want) {
		t.Errorf("after compress 7d and ISO retention only: %v", changed)
	}
	if off := apply(market.Policies{}); len(off) != 0 {
		t.Errorf("after turning both off: %v", off)
	}
}

// TestCompressionPolicyCompresses: once the policies run, chunks older than
// their age are compressed — of curves, ISO prices and load, external
// series — and still read the same.
func TestCompressionPolicyCompresses(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	old, recent := time.Now().UTC().Truncate(day).AddDate(0, 0, -60), time.Now().UTC().Truncate(day).AddDate(0, 0, -1)
	writeCurves(t, st, append(observations(old, 0), observations(recent, 1)...))
	writeISO(t, st, append(lmpPrices(old, 0), lmpPrices(recent, 1)...), append(loadValues(old, 0), loadValues(recent, 1)...))
	obs := observationFixture()
	for i := range obs {
		obs[i].TS = obs[i].TS.AddDate(-20, 0, 0) // a chunk ten years old or more
	}
	writeObservations(t, st, append(obs, observationFixture()...))
	r := market.NewReader(st.Pool())
	curves := allCurves(t, r, market.CurveFilter{}, []time.Time{old, recent}, 100)
	prices := allLMP(t, r, market.LMPQuery{ISO: "PJM"}, 100)
	unrate := allObservations(t, r, "FRED", "UNRATE", time.Time{}, time.Time{}, 100)
	if err := market.ApplyPolicies(ctx(t), st.Pool(), true, market.Policies{CompressAfter: 30 * day}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Pool().Query(ctx(t), `SELECT job_id, hypertable_name FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'`)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		ID    int32
		Table string
	}])
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range jobs {
		// The scheduler may be running the new job too: then run_job fails,
		// and the next try finds the chunks compressed.
		for try := 0; ; try++ {
			_, err := st.Pool().Exec(ctx(t), `CALL run_job($1)`, job.ID)
			if err == nil {
				break
			}
			if try == 20 {
				t.Fatalf("compress %s: %v", job.Table, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, table := range []string{"curve_observation", "iso_lmp", "ext_timeseries_observation"} {
		state := rowStrings(t, st, `SELECT is_compressed::text FROM timescaledb_information.chunks WHERE hypertable_name = '`+table+`' ORDER BY range_start`)
		if !equal(state, []string{"false", "true"}) {
			t.Errorf("%s chunks compressed (sorted) %v, want the old one only", table, state)
		}
	}
	if d := firstDifference(curves, allCurves(t, r, market.CurveFilter{}, []time.Time{old, recent}, 100)); d != "" {
		t.Errorf("curve reads changed by compression: %s", d)
	}
	if d := firstDifference(prices, allLMP(t, r, market.LMPQuery{ISO: "PJM"}, 100)); d != "" {
		t.Errorf("LMP reads changed by compression: %s", d)
	}
	if d := firstDifference(unrate, allObservations(t, r, "FRED", "UNRATE", time.Time{}, time.Time{}, 100)); d != "" {
		t.Errorf("observation reads changed by compression: %s", d)
	}
}

func equal(a, b []string) bool { return firstDifference(a, b) == "" }

// withoutJobIDs drops the job ids of jobs' rows.
func withoutJobIDs(jobs []string) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i], _, _ = strings.Cut(j, " #")
	}
	return out
}
