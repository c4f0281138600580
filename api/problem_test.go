package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	s.addTestRoutes()

	t.Run("unknown route 404", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/nope", nil)
		p := problemOf(t, rec, http.StatusNotFound)
		if p["instance"] != "/nope" || !strings.HasSuffix(p["type"].(string), "/not-found") {
			t.Fatalf("problem = %v", p)
		}
	})
	t.Run("unknown v1 route 404 without auth", func(t *testing.T) {
		problemOf(t, s.do(t, http.MethodGet, "/v1/nope", nil), http.StatusNotFound)
	})
	t.Run("wrong method 405", func(t *testing.T) {
		rec := s.do(t, http.MethodPost, "/health", nil)
		problemOf(t, rec, http.StatusMethodNotAllowed)
		if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") {
			t.Fatalf("Allow = %q", allow)
		}
	})
	t.Run("wrong method on v1 route 405 without auth", func(t *testing.T) {
		problemOf(t, s.do(t, http.MethodGet, "/v1/test/scenarios/7", nil), http.StatusMethodNotAllowed)
	})
	t.Run("panic 500", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/test/panic", nil)
		p := problemOf(t, rec, http.StatusInternalServerError)
		if strings.Contains(rec.Body.String(), "boom") {
			t.Fatalf("panic value leaked to the client: %s", rec.Body)
		}
		if !strings.Contains(p["detail"].(string), "request_id") {
			t.Fatalf("detail = %v", p["detail"])
		}
		if !strings.Contains(s.logs.String(), `"panic":"boom"`) {
			t.Fatalf("panic not logged:\n%s", s.logs)
		}
	})
	t.Run("unknown error 500 generic", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/test/error", nil)
		problemOf(t, rec, http.StatusInternalServerError)
		if strings.Contains(rec.Body.String(), "unexpected EOF") {
			t.Fatalf("internal error leaked: %s", rec.Body)
		}
		if !strings.Contains(s.logs.String(), "unexpected EOF") {
			t.Fatalf("cause not logged:\n%s", s.logs)
		}
	})
	t.Run("invalid parameter 400", func(t *testing.T) {
		p := problemOf(t, s.do(t, http.MethodGet, "/test/param", nil), http.StatusBadRequest)
		if !strings.Contains(p["detail"].(string), `"limit"`) {
			t.Fatalf("detail = %v", p["detail"])
		}
		ip := p["invalid_params"].([]any)[0].(map[string]any)
		if ip["name"] != "limit" {
			t.Fatalf("invalid_params = %v", p["invalid_params"])
		}
	})
}
