package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/ui"
)

// TestWorkbenchPage: /ui serves the embedded page to anybody (it holds no
// data), gzipped when asked, revalidated by ETag, locked down by its
// Content-Security-Policy, and telling the page the auth mode and, under
// `aurum dev`, the identity to act as — escaped.
func TestWorkbenchPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{
		RateLimit:  RateLimitConfig{Disabled: true},
		UIIdentity: &ui.Identity{Tenant: "acme", User: `a"b<c>`, Roles: "analyst,editor"},
	}, Deps{})

	rec := s.do(t, http.MethodGet, "/ui", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /ui = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	want := `<html lang="en" data-auth-mode="forward" data-tenant="acme" data-user="a&#34;b&lt;c&gt;" data-roles="analyst,editor">`
	if !strings.Contains(page, want) {
		t.Errorf("page does not start with %s:\n%.300s", want, page)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != ui.ContentSecurityPolicy {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for header, value := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Vary": "Accept-Encoding"} {
		if got := rec.Header().Get(header); got != value {
			t.Errorf("%s = %q, want %q", header, got, value)
		}
	}

	zipped := s.do(t, http.MethodGet, "/ui", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= len(page) {
		t.Fatalf("gzip: Content-Encoding %q, %d bytes of %d", zipped.Header().Get("Content-Encoding"), zipped.Body.Len(), len(page))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, []byte(page)) {
		t.Errorf("gunzipped page differs (%v)", err)
	}

	etag, zippedTag := rec.Header().Get("ETag"), zipped.Header().Get("ETag")
	if etag == "" || etag == zippedTag {
		t.Errorf("ETags %q plain and %q gzipped: want two, one per representation", etag, zippedTag)
	}
	if again := s.do(t, http.MethodGet, "/ui", map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("If-None-Match %s: %d with %d bytes, want 304 and none", etag, again.Code, again.Body.Len())
	}
	if again := s.do(t, http.MethodGet, "/ui", map[string]string{"If-None-Match": etag, "Accept-Encoding": "gzip"}); again.Code != http.StatusOK {
		t.Errorf("the plain ETag answered a gzip request with %d, want the gzipped page", again.Code)
	}

	for path, ctype := range map[string]string{"/ui/app.js": "text/javascript", "/ui/app.css": "text/css"} {
		if r := s.do(t, http.MethodGet, path, nil); r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %s", path, r.Code, r.Header().Get("Content-Type"))
		}
	}
	problemOf(t, s.do(t, http.MethodGet, "/ui/secrets.txt", nil), http.StatusNotFound)
	problemOf(t, s.do(t, http.MethodGet, "/ui?tenant=other", nil), http.StatusBadRequest)
	if r := s.do(t, http.MethodGet, "/ui/", nil); r.Code != http.StatusMovedPermanently || r.Header().Get("Location") != "../ui" {
		t.Errorf("GET /ui/ = %d Location %q, want 301 to ../ui", r.Code, r.Header().Get("Location"))
	}
}

// TestWorkbenchPageWithoutIdentity: a production API tells the page its
// auth mode and no identity: the proxy or the bearer token says who calls.
func TestWorkbenchPageWithoutIdentity(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	page := s.do(t, http.MethodGet, "/ui", nil).Body.String()
	if !strings.Contains(page, `<html lang="en" data-auth-mode="forward">`) || strings.Contains(page, "data-tenant") {
		t.Errorf("page head: %.200s", page)
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"deflate, gzip;q=1.0":   true,
		"br, gzip; q=0.5":       true,
		"gzip;q=0":              false,
		"gzip;q=0.000, deflate": false,
		"identity":              false,
		"x-gzip":                false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
