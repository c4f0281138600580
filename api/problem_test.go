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
	t.Run("a long path is not echoed whole", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/"+strings.Repeat("x", 100_000), nil)
		problemOf(t, rec, http.StatusNotFound)
		if rec.Body.Len() > 2000 {
			t.Fatalf("a 404 of %d bytes echoes the path", rec.Body.Len())
		}
	})
}

// TestQueryParametersEverywhere: every route refuses a query parameter it
// does not take, naming it; routes without any take none.
func TestQueryParametersEverywhere(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	for _, path := range []string{
		"/health?verbose=1", "/openapi.json?colour=red", "/metrics?name=x",
		"/v1/runs/" + newUUID() + "?colour=red", "/v1/scenarios/" + newUUID() + "?colour=red",
		"/v1/runs/" + newUUID() + "/events?colour=red", "/v1/metadata/units?colour=red",
	} {
		t.Run(path, func(t *testing.T) {
			rec := s.do(t, http.MethodGet, path, nil)
			want := path[strings.IndexByte(path, '?')+1 : strings.IndexByte(path, '=')]
			if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != want {
				t.Errorf("invalid param %q, want %q: %s", got, want, rec.Body)
			}
		})
	}
}

// TestParametersTheDatabaseCannotHold: NUL and invalid UTF-8 in a path or
// query parameter are a 400 naming it on every route, before a handler
// could send them to the database.
func TestParametersTheDatabaseCannotHold(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	for _, tc := range []struct{ path, param string }{
		{"/v1/external/series/FRED/%00/observations", "series_id"},
		{"/v1/external/series/FRED/a%FFb/observations", "series_id"},
		{"/v1/external/series/FRED/a%2F%00/observations", "series_id"},
		{"/v1/external/series/%00/GDP/observations", "provider"},
		{"/v1/external/series/FRED/" + strings.Repeat("x", 100_000) + "/observations", "series_id"},
		{"/v1/scenarios?tag=%00", "tag"},
		{"/v1/curves?iso=PJM%00", "iso"},
		{"/v1/runs/" + newUUID() + "/outputs?metric=%C0", "metric"},
	} {
		t.Run(truncate(tc.path, 60), func(t *testing.T) {
			rec := s.do(t, http.MethodGet, tc.path, nil)
			if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != tc.param {
				t.Errorf("invalid param %q, want %q: %s", got, tc.param, truncate(rec.Body.String(), 500))
			}
			if rec.Body.Len() > 2000 {
				t.Errorf("the problem has %d bytes: it echoes the path", rec.Body.Len())
			}
		})
	}
}
