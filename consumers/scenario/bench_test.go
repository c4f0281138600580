package scenario_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

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

// BenchmarkRunTracing runs batches of 20 standard runs through the worker
// with tracing off and on (every span sampled, kept by no exporter) and
// reports this process's CPU per run (worker, broker and test harness;
// PostgreSQL is another process). The tracing seams cost at most, off,
// what turning tracing on adds: a nil check where on starts a span.
func BenchmarkRunTracing(b *testing.B) {
	const runs = 20
	for _, mode := range []string{"off", "on"} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b)
			e.startWorker(b, scenario.Config{}, func(d *scenario.Deps) {
				if mode == "on" {
					tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
					b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
					d.Tracer = tp.Tracer("bench")
				}
			})
			var seed atomic.Int64
			batch := func() {
				ids := make([]string, runs)
				for i := range ids {
					ids[i] = e.createRun(b, runSpec{seed: seed.Add(1)})
				}
				e.waitPublished(b, time.Minute, ids...)
			}
			batch() // warm: the base curves read, the month hours counted
			before := cpuTime(b)
			for b.Loop() {
				batch()
			}
			b.ReportMetric(float64((cpuTime(b)-before).Microseconds())/1000/float64(b.N*runs), "cpu-ms/run")
		})
	}
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
