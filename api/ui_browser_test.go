package api

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aurum-energy/aurum/internal/browsertest"
)

// TestWorkbenchBehindProxy: behind an authenticating proxy that mounts the
// API under a path (/aurum/) and sets the identity headers, the page finds
// its files and the API relative to itself and draws the curve, sending no
// identity of its own.
func TestWorkbenchBehindProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	browsertest.SkipWithoutBrowser(t)
	s := newCurveServer(t, Config{}, Deps{})
	backend := httptest.NewServer(s.Handler())
	t.Cleanup(backend.Close)
	target, _ := url.Parse(backend.URL)

	var (
		mu   sync.Mutex
		seen []string
		sent []string // identity headers the page itself sent
	)
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.StripPrefix("/aurum", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		for _, h := range []string{HeaderTenant, HeaderUser, HeaderRoles} {
			if r.Header.Get(h) != "" {
				sent = append(sent, h)
			}
		}
		mu.Unlock()
		r.Header.Set(HeaderTenant, "acme")
		r.Header.Set(HeaderUser, "ana")
		r.Header.Set(HeaderRoles, "viewer")
		forward.ServeHTTP(w, r)
	})))
	t.Cleanup(proxy.Close)

	p := browsertest.Open(t)
	p.Do(chromedp.Navigate(proxy.URL + "/aurum/ui"))
	p.Wait("the curve", `+document.getElementById('curve-chart').dataset.points > 0`)
	p.NoProblems()
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/ui", "/ui/app.js", "/ui/app.css", "/v1/curves", "/v1/metadata/dimensions"} {
		if !slices.Contains(seen, path) {
			t.Errorf("the proxy saw no request for /aurum%s (saw %v)", path, seen)
		}
	}
	if len(sent) > 0 {
		t.Errorf("the page sent identity headers %v of its own; the proxy says who calls", sent)
	}
}

// TestWorkbenchWithBearerToken: in oidc mode the page asks for a token,
// draws the curve once given one, and meets the API's permissions: a
// viewer's attempt to create a scenario shows the API's 403 detail.
func TestWorkbenchWithBearerToken(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	browsertest.SkipWithoutBrowser(t)
	iss := newIssuer(t)
	s := newCurveServer(t, Config{Auth: AuthConfig{Mode: AuthOIDC, Issuer: iss.url, Audience: testAudience}}, Deps{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	p := browsertest.Open(t)
	p.Do(chromedp.Navigate(srv.URL + "/ui"))
	p.Wait("the question for a token", `!document.getElementById('auth').hidden && !document.getElementById('error').hidden`)
	if msg := browsertest.Eval[string](p, `document.getElementById('error').textContent`); !strings.Contains(msg, "token") {
		t.Errorf("before a token the page says %q", msg)
	}
	expectOnly(t, p, "401")
	p.Do(chromedp.SendKeys(chromedp.ID("token"), iss.sign(t, iss.claims())), chromedp.Click(chromedp.CSS(`#auth button`)))
	p.Wait("the curve", `+document.getElementById('curve-chart').dataset.points > 0`)
	if browsertest.Eval[bool](p, `!document.getElementById('auth').hidden`) {
		t.Error("the token form is still shown once the token works")
	}

	p.Do(chromedp.Navigate(srv.URL + "/ui#runs"))
	p.Wait("the example scenario button", `!document.getElementById('r-example').hidden`)
	p.Do(chromedp.Click(chromedp.ID("r-example")))
	p.Wait("the refusal", `!document.getElementById('error').hidden`)
	msg := browsertest.Eval[string](p, `document.getElementById('error').textContent`)
	if !strings.Contains(msg, string(PermScenariosWrite)) || !strings.Contains(msg, "403") {
		t.Errorf("a viewer creating a scenario is told %q, want the 403 naming %s", msg, PermScenariosWrite)
	}
	p.Screenshot("refused")
	expectOnly(t, p, "403")
}

// expectOnly fails the test for what the page logged other than the
// browser's note of an answer with the status.
func expectOnly(t *testing.T, p *browsertest.Page, status string) {
	t.Helper()
	for _, s := range p.Problems() {
		if !strings.Contains(s, "the server responded with a status of "+status) {
			t.Errorf("the page logged %s", s)
		}
	}
}
