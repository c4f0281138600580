package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCurves compares GET /v1/curves?iso=PJM&limit=100 served from the
// Redis cache and from the database with running its SQL directly, at 32
// concurrent callers.
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
			for pb.Next() {
				rows, err := s.pool.Query(context.Background(), "SELECT "+curveColumns+
					" FROM curve_latest WHERE TRUE AND iso = ANY($1) ORDER BY curve_key, tenor_label, price_type LIMIT $2",
					[]string{"PJM"}, 101)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					if _, err := rows.Values(); err != nil {
						b.Fatal(err)
					}
				}
				rows.Close()
			}
		})
	})
}

func newBenchServer(b *testing.B, noCache bool) *curveServer {
	b.Helper()
	return newCurveServer(b, Config{Cache: CacheConfig{Disabled: noCache}}, Deps{})
}
