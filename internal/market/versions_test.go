package market_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
)

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 10s", what)
}

// TestVersionsFollowWrites: the in-memory data versions follow the writes,
// equal what the database says, and recover from a lost connection.
func TestVersionsFollowWrites(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	v := market.NewVersions(st.Pool(), nil)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	current := func() string {
		t.Helper()
		token, err := market.DataVersion(ctx(t), st.Pool(), market.DatasetCurves)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	matches := func() bool {
		got, ok := v.Get(market.DatasetCurves)
		return ok && got == current()
	}
	eventually(t, "versions read at start", matches)
	before := current()
	writeCurves(t, st, observations(day1, 0))
	if current() == before {
		t.Fatal("a write did not change the data version")
	}
	eventually(t, "versions follow a write", matches)

	// The listening connection dies: Get stops claiming to know, then
	// knows again, including what changed meanwhile.
	var killed int
	if err := st.Pool().QueryRow(ctx(t), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND datname = current_database()
		  AND query LIKE 'SELECT dataset, data_version_token%'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the listener: %d, %v", killed, err)
	}
	eventually(t, "versions forgotten while not listening", func() bool { _, ok := v.Get(market.DatasetCurves); return !ok })
	writeCurves(t, st, observations(day2, 0))
	eventually(t, "versions after reconnecting", matches)
}
