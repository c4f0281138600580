package fred

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/producers/collector"
)

// TestFaults serves the first observations page through a 429 with
// Retry-After, two 500s, a truncated JSON body and a page that hangs past
// the request timeout before the real answer: the collector waits, retries,
// counts every answer, and every observation lands exactly once.
func TestFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rp := fixtureReplay(t)
	var n atomic.Int32
	rp.fault = func(w http.ResponseWriter, r *http.Request) bool {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error_code":429,"error_message":"Too Many Requests.  Exceeded Rate Limit"}`))
		case 2, 3:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("internal error"))
		case 4:
			rec := httptest.NewRecorder()
			rp.observations(rec, r)
			body := rec.Body.Bytes()
			_, _ = w.Write(body[:len(body)/2])
		case 5:
			select { // hangs until the client gives up
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		default:
			return false
		}
		return true
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)

	cfg := collector.Config{MalformedBackoff: 50 * time.Millisecond}
	err := e.run(t, srv.URL, Config{Series: []string{"GDP"}, PageSize: 70}, cfg, func(c *collector.ClientConfig) {
		c.Timeout = 500 * time.Millisecond
		c.Backoff = retry.Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	})
	if err != nil {
		t.Fatal(err)
	}

	got := e.read(t)
	if len(got.obs) != 200 || len(got.catalog) != 1 {
		t.Fatalf("%d observations and %d catalog records, want 200 and 1", len(got.obs), len(got.catalog))
	}
	seen := map[time.Time]bool{}
	for _, o := range got.obs {
		if seen[o.TS] {
			t.Errorf("observation %s twice", o.TS.Format(time.DateOnly))
		}
		seen[o.TS] = true
	}
	if len(got.checkpoints) != 3 {
		t.Errorf("%d checkpoints, want one per page (3)", len(got.checkpoints))
	}

	rp.mu.Lock()
	times := rp.times
	rp.mu.Unlock()
	if len(times) != 8 { // 6 tries of the first page, then 2 pages
		t.Errorf("%d observations requests, want 8", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("retried %s after a 429 with Retry-After: 1", gap)
	}
	for code, want := range map[string]float64{"429": 1, "500": 2, "200": 4 + 1, "error": 1} {
		// 200: the truncated page, the real 3 pages and the series metadata.
		var m dto.Metric
		if err := e.metrics.CollectorRequests.WithLabelValues("fred", code).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("aurum_collector_requests_total{source=fred,code=%s} = %v, want %v", code, got, want)
		}
	}
}
