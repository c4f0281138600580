package scenario_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/consumers/scenario"
	model "github.com/aurum-energy/aurum/internal/scenario"
)

// BenchmarkRunMemory runs the largest run the limits allow through the
// worker: 200 drivers over 36 curves × 96 months from April, 4,860 outputs
// (3,456 months, 1,152 quarters, 252 years) and 972,000 attribution entries. It reports the bytes allocated per run and
// the peak of the heap in use above the idle worker's, sampled every 5 ms.
func BenchmarkRunMemory(b *testing.B) {
	e := newEnv(b)
	e.seedERCOT(b, 36, 96)
	e.startWorker(b, scenario.Config{})
	spec := runSpec{drivers: shockDrivers(model.MaxDrivers), filter: map[string][]string{"iso": {"ERCOT"}}}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	idle, allocated := ms.HeapInuse, ms.TotalAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var s runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&s)
			if s.HeapInuse > peak.Load() {
				peak.Store(s.HeapInuse)
			}
		}
	}()
	for b.Loop() {
		runID := e.createRun(b, spec)
		e.waitPublished(b, time.Minute, runID)
		if r := e.run(b, runID); r.State != "SUCCEEDED" || *r.OutputCount != 4860 {
			b.Fatalf("run = %+v", r)
		}
	}
	close(stop)
	<-sampled
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.TotalAlloc-allocated)/float64(b.N)/(1<<20), "MB-alloc/run")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), idle))/(1<<20), "MB-peak-heap")
}
