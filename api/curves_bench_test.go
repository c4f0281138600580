package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/aurum-energy/aurum/internal/market"
)

// BenchmarkCurves compares GET /v1/curves?iso=PJM&limit=… served from the
// cache (one URL) and from the database (every concurrent request a URL of
// its own, the limit from 100 to 499, so that none shares another's read)
// with running the same reads (the same SQL) directly, at 32 concurrent
// callers.
func BenchmarkCurves(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"hit", true}, {"miss", false}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newBenchServer(b, !bc.cache)
			var n atomic.Int64
			req := func() {
				limit := 100
				if !bc.cache {
					limit += int(n.Add(1) % 400)
				}
				r := httptest.NewRequest(http.MethodGet, "/v1/curves?iso=PJM&limit="+strconv.Itoa(limit), nil)
				r.Header.Set(HeaderTenant, "acme")
				r.Header.Set(HeaderRoles, "viewer")
				w := httptest.NewRecorder()
				s.Handler().ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
			req()
			b.SetParallelism(16) // × GOMAXPROCS 2 = 32 callers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req()
				}
			})
		})
	}
	b.Run("sql", func(b *testing.B) {
		s := newBenchServer(b, true)
		b.SetParallelism(16)
		b.ResetTimer()
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			var f market.CurveFilter
			f[market.FilterISO] = []string{"PJM"}
			for pb.Next() {
				limit := 100 + int(n.Add(1)%400)
				if _, _, err := s.market.Curves(context.Background(), f, nil, market.Page{Limit: limit}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// newBenchServer is a curve server reading data versions from memory, as
// `aurum api` does.
func newBenchServer(b *testing.B, noCache bool) *curveServer {
	b.Helper()
	s := newCurveServer(b, Config{Cache: CacheConfig{Disabled: noCache}}, Deps{})
	s.followVersions(b)
	return s
}
