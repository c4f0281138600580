package collectortest

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Getter is a provider held in memory, for calling a source's Fetch
// without a server: a request gets the body of its route, any other a
// 404 *collector.StatusError, and every request is recorded. Safe for
// concurrent use.
type Getter struct {
	// Log receives the source's warnings; nil discards them.
	Log *slog.Logger

	mu       sync.Mutex
	routes   map[string][]byte
	requests []Request
}

var _ collector.Getter = (*Getter)(nil)

// Request is one request a Getter answered.
type Request struct {
	Path  string
	Query url.Values
}

// String is the request as path?query, the query sorted by name.
func (r Request) String() string { return r.Path + "?" + r.Query.Encode() }

// NewGetter returns a Getter answering routes: a route is a path, or
// path?name=value for the requests of that path whose query has that
// value (an MIS document id, say), which wins over the path alone.
func NewGetter(routes map[string][]byte) *Getter {
	g := &Getter{routes: map[string][]byte{}}
	for route, body := range routes {
		g.Answer(route, body)
	}
	return g
}

// Answer makes body the answer of route from now on.
func (g *Getter) Answer(route string, body []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.routes[route] = body
}

// Get implements collector.Getter.
func (g *Getter) Get(_ context.Context, path string, query url.Values) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, Request{Path: path, Query: query})
	for route, body := range g.routes {
		p, param, _ := strings.Cut(route, "?")
		name, value, _ := strings.Cut(param, "=")
		if p == path && param != "" && query.Get(name) == value {
			return body, nil
		}
	}
	if body, ok := g.routes[path]; ok {
		return body, nil
	}
	return nil, &collector.StatusError{Code: http.StatusNotFound, Body: "no route for " + path}
}

// Logger implements collector.Getter.
func (g *Getter) Logger() *slog.Logger {
	if g.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Log
}

// Requests are the requests answered so far, in order.
func (g *Getter) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Request(nil), g.requests...)
}

// Asked counts the requests for path.
func (g *Getter) Asked(path string) int {
	n := 0
	for _, r := range g.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Zip returns a zip archive holding one file, name, of data: an answer
// as CAISO OASIS and ERCOT MIS send their CSV reports.
func Zip(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create(name)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		// Writing to memory does not fail.
		panic(err)
	}
	return buf.Bytes()
}

// Serve starts a provider answering with h for the rest of the test and
// returns a client of it: cfg (a source's ClientConfig, with the API key
// or credentials the test gives) with the scheme and host of its base URL
// the server's — its path and user kept, so the source asks the paths it
// asks of the real provider — and no rate limit. asked returns the URLs
// the provider has been asked so far.
func Serve(t testing.TB, cfg collector.ClientConfig, h http.Handler) (c *collector.Client, asked func() []*url.URL) {
	t.Helper()
	var mu sync.Mutex
	var urls []*url.URL
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		urls = append(urls, r.URL)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	base.Scheme, base.Host = "http", srv.Listener.Addr().String()
	cfg.BaseURL, cfg.Rate, cfg.Burst = base.String(), 1000, 10
	if c, err = collector.NewClient(cfg); err != nil {
		t.Fatal(err)
	}
	return c, func() []*url.URL {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(urls)
	}
}
