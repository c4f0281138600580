package market_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

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
	first := apply(market.Policies{CompressAfter: 30 * day, Retain: map[string]time.Duration{market.DatasetCurves: 3650 * day}})
	if len(first) != 2 {
		t.Fatalf("policies %v, want compression and retention of curve_observation", first)
	}
	if again := apply(market.Policies{CompressAfter: 30 * day, Retain: map[string]time.Duration{market.DatasetCurves: 3650 * day}}); !equal(again, first) {
		t.Errorf("applying the same policies again changed them: %v, then %v", first, again)
	}
	changed := apply(market.Policies{CompressAfter: 7 * day})
	if len(changed) != 1 || changed[0][:len("policy_compression curve_observation 168:00:00")] != "policy_compression curve_observation 168:00:00" {
		t.Errorf("after compress 7d and no retention: %v", changed)
	}
	if off := apply(market.Policies{}); len(off) != 0 {
		t.Errorf("after turning both off: %v", off)
	}
}

// TestCompressionPolicyCompresses: once the policy runs, chunks older than
// its age are compressed and still read the same.
func TestCompressionPolicyCompresses(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	old, recent := time.Now().UTC().Truncate(day).AddDate(0, 0, -60), time.Now().UTC().Truncate(day).AddDate(0, 0, -1)
	writeCurves(t, st, append(observations(old, 0), observations(recent, 1)...))
	r := market.NewReader(st.Pool())
	before := allCurves(t, r, market.CurveFilter{}, []time.Time{old, recent}, 100)
	if err := market.ApplyPolicies(ctx(t), st.Pool(), true, market.Policies{CompressAfter: 30 * day}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var job int
	if err := st.Pool().QueryRow(ctx(t), `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx(t), `CALL run_job($1)`, job); err != nil {
		t.Fatal(err)
	}
	state := rowStrings(t, st, `SELECT is_compressed::text FROM timescaledb_information.chunks WHERE hypertable_name = 'curve_observation' ORDER BY range_start`)
	if !equal(state, []string{"false", "true"}) {
		t.Errorf("chunks compressed (sorted) %v, want the old one only", state)
	}
	if after := allCurves(t, r, market.CurveFilter{}, []time.Time{old, recent}, 100); firstDifference(before, after) != "" {
		t.Errorf("reads changed by compression: %s", firstDifference(before, after))
	}
}

func equal(a, b []string) bool { return firstDifference(a, b) == "" }
