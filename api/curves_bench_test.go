package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aurum-energy/aurum/internal/market"
)

// BenchmarkCurves compares GET /v1/curves?iso=PJM&limit=100 served from the
// Redis cache and from the database with running its read (the same SQL)
// directly, at 32 concurrent callers.
func BenchmarkCurves(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"hit", true}, {"miss", false}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newBenchServer(b, !bc.cache)
			req := func() {
				r := httptest.NewRequest(http.MethodGet, "/v1/curves?iso=PJM&limit=100", nil)
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
		b.RunParallel(func(pb *testing.PB) {
			var f market.CurveFilter
			f[market.FilterISO] = []string{"PJM"}
			for pb.Next() {
				if _, _, err := s.market.Curves(context.Background(), f, nil, market.Page{Limit: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func newBenchServer(b *testing.B, noCache bool) *curveServer {
	b.Helper()
	return newCurveServer(b, Config{Cache: CacheConfig{Disabled: noCache}}, Deps{})
}
