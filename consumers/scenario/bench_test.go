package scenario_test

import (
	"context"
	"math"
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

// BenchmarkRunTracing measures what tracing costs a run: two workers, one
// with tracing off and one with it on (every span sampled, kept by no
// exporter), each on an environment of its own, both up throughout; every
// iteration runs a batch of 20 standard runs on each, in turn, and takes
// this process's CPU per run of both (worker, broker and test harness;
// PostgreSQL is another process). It reports both and the mean of the
// iterations' on/off ratios with its standard error: pairing the batches
// cancels the machine's drift, which moves separate measurements by more
// than tracing does. What tracing off costs a run against no tracing at
// all is what its seams cost — a nil check where on starts a span — and
// that is below what the pairing can resolve, so it is measured directly:
// the seams one run passes (scenario.OffSeams), timed alone, reported per
// run and as a share of the CPU of a run with tracing off.
func BenchmarkRunTracing(b *testing.B) {
	const runs = 20
	type side struct {
		e     *env
		seed  atomic.Int64
		total time.Duration
	}
	newSide := func(traced bool) *side {
		s := &side{e: newEnv(b)}
		s.e.startWorker(b, scenario.Config{}, func(d *scenario.Deps) {
			if traced {
				tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				d.Tracer = tp.Tracer("bench")
			}
		})
		return s
	}
	// batch runs a batch on s and returns the process's CPU it took.
	batch := func(s *side) time.Duration {
		before := cpuTime(b)
		ids := make([]string, runs)
		for i := range ids {
			ids[i] = s.e.createRun(b, runSpec{seed: s.seed.Add(1)})
		}
		s.e.waitPublished(b, time.Minute, ids...)
		return cpuTime(b) - before
	}
	off, on := newSide(false), newSide(true)
	batch(off) // warm: the base curves read, the month hours counted
	batch(on)
	var ratios []float64
	for b.Loop() {
		a, c := batch(off), batch(on)
		off.total += a
		on.total += c
		ratios = append(ratios, float64(c)/float64(a))
	}
	mean, se := meanSE(ratios)
	perRun := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N*runs) }
	b.ReportMetric(perRun(off.total), "cpu-ms/run-off")
	b.ReportMetric(perRun(on.total), "cpu-ms/run-on")
	b.ReportMetric(mean, "on/off")
	b.ReportMetric(se, "on/off-stderr")

	// Timed in a loop: testing.Benchmark would wait for this benchmark to end.
	const passes = 1_000_000
	ctx := b.Context()
	start := time.Now()
	for range passes {
		scenario.OffSeams(ctx)
	}
	seams := float64(time.Since(start).Nanoseconds()) / passes
	b.ReportMetric(seams, "off-seams-ns/run")
	b.ReportMetric(seams/1e6/perRun(off.total)*100, "off-seams-%")
}

// meanSE returns the mean of xs and its standard error.
func meanSE(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
