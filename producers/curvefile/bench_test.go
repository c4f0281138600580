package curvefile

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aurum-energy/aurum/schemas"
)

// BenchmarkParse measures turning CSV rows into complete observations.
func BenchmarkParse(b *testing.B) {
	const n = 20_000
	path := filepath.Join(b.TempDir(), "eod.csv")
	writeCurves(b, path, n)
	b.ReportAllocs()
	for b.Loop() {
		rows := 0
		eachRow(b, path, func(_ *schemas.CurveObservation, rerr *rowError) {
			if rerr != nil {
				b.Fatalf("%+v", rerr)
			}
			rows++
		})
		if rows != n {
			b.Fatalf("%d observations", rows)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoad measures a whole load onto the in-process broker, until
// every record is acknowledged.
func BenchmarkLoad(b *testing.B) {
	const n = 20_000
	h := newHarness(b)
	path := filepath.Join(b.TempDir(), "eod.csv")
	writeCurves(b, path, n)
	b.ReportAllocs()
	for b.Loop() {
		sum, err := h.loader.Load(context.Background(), path)
		if err != nil || sum.Published != n {
			b.Fatalf("Load = %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
