package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/redisclient"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// logBuffer collects JSON log lines from concurrent handlers.
type logBuffer struct{ testenv.Buffer }

// lines returns the decoded log records.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.Lines() {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

type testServer struct {
	*Server
	logs *logBuffer
}

// newTestServer builds a server with a JSON debug logger into a buffer and,
// unless rate limiting is disabled, the package's real Redis.
func newTestServer(t testing.TB, cfg Config, deps Deps) *testServer {
	t.Helper()
	logs := &logBuffer{}
	deps.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if deps.Tracer != nil {
		deps.Logger = slog.New(telemetry.NewTraceHandler(deps.Logger.Handler()))
	}
	if deps.Redis == nil && !cfg.RateLimit.Disabled {
		deps.Redis = testRedis(t)
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return &testServer{Server: s, logs: logs}
}

func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	rdb, err := redisclient.New(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// addTestRoutes registers routes that only tests have: a protected list, a
// panic and an error, as a resource handler would.
func (s *testServer) addTestRoutes() {
	s.v1.GET("/test/curves", func(c echo.Context) error {
		p, _ := PrincipalFrom(c.Request().Context())
		return RespondList(c, []map[string]string{{"tenant": p.Tenant, "subject": p.Subject}}, "")
	}, s.protected(PermCurvesRead)...)
	s.v1.DELETE("/test/scenarios/:id", func(c echo.Context) error {
		return c.NoContent(http.StatusNoContent)
	}, s.protected(PermScenariosDelete)...)
	s.echo.GET("/test/panic", func(echo.Context) error { panic("boom") })
	s.echo.GET("/test/error", func(echo.Context) error { return io.ErrUnexpectedEOF })
	s.echo.GET("/test/param", func(echo.Context) error { return InvalidParameter("limit", "must be between 1 and 500") })
	s.indexRoutes()
}

func (s *testServer) do(t *testing.T, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// problemOf decodes a problem+json response, failing unless it is one with
// the wanted status.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != MIMEProblemJSON {
		t.Fatalf("Content-Type = %q, want %s", ct, MIMEProblemJSON)
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %s: %v", rec.Body, err)
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance", "request_id"} {
		if _, ok := p[k]; !ok {
			t.Errorf("problem lacks %q: %s", k, rec.Body)
		}
	}
	if int(p["status"].(float64)) != status {
		t.Errorf("problem status = %v, want %d", p["status"], status)
	}
	if p["request_id"] != rec.Header().Get(HeaderRequestID) {
		t.Errorf("problem request_id %v != header %q", p["request_id"], rec.Header().Get(HeaderRequestID))
	}
	return p
}

func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return m
}
