package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestDevCollectsFromReplay is the analyst's first look at market data:
// after `aurum dev` starts (demo on, no internet), the FRED GDP
// observations and PJM's hourly LMPs collected from the built-in replay
// are served by the API.
func TestDevCollectsFromReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test in -short mode")
	}
	t.Setenv("AURUM_FRED_BASE_URL", "")
	t.Setenv("AURUM_PJM_BASE_URL", "")
	d := startDev(t, serverReachableTempDir(t), [3]int{freePort(t), freePort(t), freePort(t)})
	defer d.shutdown(t)

	for _, path := range []string{
		"/v1/external/series/FRED/GDP/observations",
		"/v1/iso/lmp?iso=PJM&interval=hourly",
	} {
		n := waitRows(t, "http://"+d.api+path, 90*time.Second)
		t.Logf("GET %s: %d rows", path, n)
		if n == 0 {
			t.Errorf("GET %s returned no rows within 90 s", path)
		}
	}
}

// waitRows polls url as a viewer of tenant acme until a page holds rows,
// and returns its count (0 when none came in time).
func waitRows(t *testing.T, url string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		resp := getCurves(t, url, "")
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		err := json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		switch {
		case resp.StatusCode != http.StatusOK:
			last = resp.Status
		case err != nil:
			last = err.Error()
		case len(page.Data) > 0:
			return len(page.Data)
		default:
			last = "no rows"
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("GET %s: last %s", url, last)
	return 0
}
