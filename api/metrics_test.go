package api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	reg := telemetry.NewRegistry()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}},
		Deps{Registry: reg, Metrics: telemetry.NewMetrics(reg)})
	s.addTestRoutes()

	s.do(t, http.MethodGet, "/health", nil)
	s.do(t, http.MethodGet, "/v1/test/scenarios/42", nil)    // 405: only DELETE exists
	s.do(t, http.MethodDelete, "/v1/test/scenarios/42", nil) // 204
	s.do(t, http.MethodGet, "/wp-admin/x.php", nil)          // 404, must not become a label

	rec := s.do(t, http.MethodGet, "/metrics", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`aurum_http_requests_total{code="200",method="GET",route="/health"} 1`,
		`aurum_http_requests_total{code="204",method="DELETE",route="/v1/test/scenarios/:id"} 1`,
		`aurum_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`aurum_http_request_duration_seconds_bucket{method="GET",route="/health"`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "wp-admin") || strings.Contains(text, `route="/v1/test/scenarios/42"`) {
		t.Errorf("raw paths used as labels:\n%s", text)
	}
}
