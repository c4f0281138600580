package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	s.addTestRoutes()
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)

	t.Run("echoed", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/health", map[string]string{HeaderRequestID: "req-123.abc:7"})
		if got := rec.Header().Get(HeaderRequestID); got != "req-123.abc:7" {
			t.Fatalf("X-Request-Id = %q, want the incoming one", got)
		}
	})
	t.Run("generated", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/health", nil)
		if got := rec.Header().Get(HeaderRequestID); !generated.MatchString(got) {
			t.Fatalf("X-Request-Id = %q, want a generated id", got)
		}
	})
	t.Run("insane replaced", func(t *testing.T) {
		for _, bad := range []string{"a b", "x\"}", strings.Repeat("a", 200), "-leading"} {
			rec := s.do(t, http.MethodGet, "/health", map[string]string{HeaderRequestID: bad})
			if got := rec.Header().Get(HeaderRequestID); !generated.MatchString(got) {
				t.Errorf("incoming %q: X-Request-Id = %q, want a generated id", bad, got)
			}
		}
	})
	t.Run("in envelope and logs", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderRequestID: "trace-me-42", HeaderTenant: "acme"})
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		body := decodeJSON(t, rec)
		meta := body["meta"].(map[string]any)
		if meta["request_id"] != "trace-me-42" || meta["count"] != float64(1) {
			t.Fatalf("meta = %v", meta)
		}
		var found bool
		for _, l := range s.logs.lines(t) {
			if l["msg"] == "http request" && l["request_id"] == "trace-me-42" {
				found = true
				if l["route"] != "/v1/test/curves" || l["tenant"] != "acme" || l["status"] != float64(200) || l["method"] != "GET" {
					t.Errorf("access log = %v", l)
				}
				if _, ok := l["duration"]; !ok {
					t.Errorf("access log lacks duration: %v", l)
				}
			}
		}
		if !found {
			t.Fatalf("no access log line with the request id:\n%s", s.logs)
		}
	})
}
