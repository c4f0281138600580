package demo

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// fixture is one in-process cluster and what the demo needs to use it.
type fixture struct {
	kafka  *testenv.Kafka
	client *kgo.Client
	serde  *serde.Serde
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k := testenv.NewKafka(t)
	return &fixture{kafka: k, client: k.Client(t), serde: k.Serde(t)}
}

func (f *fixture) producer(t *testing.T, cfg Config) *Producer {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return wednesday.Add(15 * time.Hour) }
	}
	p, err := New(cfg, Deps{Client: f.client, Serde: f.serde, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// published is what a consumer of the curve topic sees.
type published struct {
	byDay       map[time.Time][]schemas.CurveObservation
	checkpoints []schemas.CollectorCheckpoint
}

func (f *fixture) read(t *testing.T, committed bool) published {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := published{byDay: map[time.Time][]schemas.CurveObservation{}}
	err := collector.ReadTopic(ctx, f.client, topology.TopicCurveObservation, committed, func(r *kgo.Record) {
		var o schemas.CurveObservation
		if err := f.serde.Decode(ctx, topology.TopicCurveObservation, r.Value, &o); err != nil {
			t.Errorf("decode offset %d: %v", r.Offset, err)
			return
		}
		if string(r.Key) != o.CurveKey {
			t.Errorf("record key %q, curve_key %q", r.Key, o.CurveKey)
		}
		out.byDay[o.AsofDate] = append(out.byDay[o.AsofDate], o)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = collector.ReadTopic(ctx, f.client, topology.TopicCollectorCheckpoint, committed, func(r *kgo.Record) {
		var cp schemas.CollectorCheckpoint
		if err := f.serde.Decode(ctx, topology.TopicCollectorCheckpoint, r.Value, &cp); err != nil {
			t.Errorf("decode checkpoint: %v", err)
			return
		}
		if string(r.Key) != CheckpointKey {
			t.Errorf("checkpoint key %q", r.Key)
		}
		out.checkpoints = append(out.checkpoints, cp)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(ctx context.Context, t *testing.T, p *Producer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestPublishesOneDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.producer(t, Config{Seed: 1, Start: wednesday, Until: wednesday})
	run(context.Background(), t, p)

	got := f.read(t, true)
	if len(got.byDay) != 1 {
		t.Fatalf("%d as-of dates published, want 1", len(got.byDay))
	}
	day := got.byDay[wednesday]
	if want := 27 * Tenors; len(day) != want || p.RowsPerDay() != want {
		t.Fatalf("%d records (RowsPerDay %d), want 10 power hubs × 2 blocks + 5 gas + 2 carbon = 27 curves × %d tenors = %d",
			len(day), p.RowsPerDay(), Tenors, want)
	}
	checkDay(t, wednesday, day)
	if len(got.checkpoints) != 1 || !got.checkpoints[0].WatermarkTS.Equal(wednesday) ||
		got.checkpoints[0].Collector != Collector || got.checkpoints[0].SeriesKey != SeriesKey {
		t.Fatalf("checkpoints %+v, want one at %s", got.checkpoints, wednesday)
	}
}

func TestSameDayTwiceIsIdentical(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.producer(t, Config{Seed: 9, Start: wednesday, Until: wednesday})
	run(context.Background(), t, p)
	// Publish the day once more, as a replay would.
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.kafka.Brokers...), kgo.TransactionalID("replay"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := p.publishDay(context.Background(), cl, wednesday); err != nil {
		t.Fatal(err)
	}

	day := f.read(t, true).byDay[wednesday]
	if len(day) != 2*p.RowsPerDay() {
		t.Fatalf("%d records, want the day twice (%d)", len(day), 2*p.RowsPerDay())
	}
	first := map[string]schemas.CurveObservation{}
	pairs := 0
	for _, o := range day {
		k := o.CurveKey + "|" + o.TenorLabel
		prev, ok := first[k]
		if !ok {
			first[k] = o
			continue
		}
		pairs++
		if prev.VersionHash != o.VersionHash || *prev.Mid != *o.Mid || *prev.Bid != *o.Bid || *prev.Ask != *o.Ask {
			t.Fatalf("%s differs between publications: %v/%v/%v %s vs %v/%v/%v %s", k,
				*prev.Bid, *prev.Mid, *prev.Ask, prev.VersionHash, *o.Bid, *o.Mid, *o.Ask, o.VersionHash)
		}
	}
	if pairs != p.RowsPerDay() {
		t.Fatalf("%d rows published twice, want %d", pairs, p.RowsPerDay())
	}
	// Another producer with the same seed computes the same day.
	other := f.producer(t, Config{Seed: 9})
	for _, o := range other.Day(wednesday) {
		if first[o.CurveKey+"|"+o.TenorLabel].VersionHash != o.VersionHash {
			t.Fatalf("%s %s: another producer with the same seed disagrees", o.CurveKey, o.TenorLabel)
		}
	}
}

// TestRestartResumes stops the demo in the middle of a day, while it is
// still backfilling, and starts it again: every day from Start to Until is
// then published exactly once.
func TestRestartResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := addBusinessDays(wednesday, -4)
	until := addBusinessDays(wednesday, 3) // three days paced by Interval
	cfg := Config{Seed: 5, Start: start, Until: until, Interval: 20 * time.Millisecond}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopDay := addBusinessDays(start, 3)
	p1 := f.producer(t, cfg)
	p1.hooks.produced = func(asof time.Time, n int) {
		if asof.Equal(stopDay) && n == 500 {
			cancel()
		}
	}
	run(ctx, t, p1)
	if got := f.read(t, true); len(got.byDay) != 3 {
		t.Fatalf("first run committed %d days, want the 3 before it was stopped", len(got.byDay))
	}

	p2 := f.producer(t, cfg)
	run(context.Background(), t, p2)

	got := f.read(t, true)
	for d := start; !d.After(until); d = addBusinessDays(d, 1) {
		if n := len(got.byDay[d]); n != p2.RowsPerDay() {
			t.Errorf("%s: %d records, want %d (exactly once)", d.Format(time.DateOnly), n, p2.RowsPerDay())
		}
		delete(got.byDay, d)
	}
	for d, recs := range got.byDay {
		t.Errorf("unexpected as-of %s with %d records", d.Format(time.DateOnly), len(recs))
	}
	last := got.checkpoints[len(got.checkpoints)-1]
	if len(got.checkpoints) != 8 || !last.WatermarkTS.Equal(until) {
		t.Errorf("%d checkpoints ending at %s, want 8 ending at %s", len(got.checkpoints), last.WatermarkTS, until)
	}

	// A third start has nothing left to do before Until.
	p3 := f.producer(t, cfg)
	run(context.Background(), t, p3)
	if n := len(f.read(t, true).checkpoints); n != 8 {
		t.Errorf("a restart after Until published again: %d checkpoints", n)
	}
}

// TestCancelledDayIsInvisible cancels the context once the day's records
// are all on the broker, just before the commit: a read_committed consumer
// sees nothing of the day, and the next run publishes it whole.
func TestCancelledDayIsInvisible(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := Config{Seed: 2, Start: wednesday, Until: wednesday}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reached atomic.Bool
	p := f.producer(t, cfg)
	p.hooks.beforeCommit = func(time.Time) {
		reached.Store(true)
		cancel()
	}
	run(ctx, t, p)
	if !reached.Load() {
		t.Fatal("the day never reached its commit")
	}

	if got := f.read(t, true); len(got.byDay) != 0 || len(got.checkpoints) != 0 {
		t.Fatalf("read_committed sees %d days and %d checkpoints of an aborted day", len(got.byDay), len(got.checkpoints))
	}
	if got := f.read(t, false); len(got.byDay[wednesday]) != p.RowsPerDay() {
		t.Fatalf("read_uncommitted sees %d records, want the %d the aborted transaction wrote", len(got.byDay[wednesday]), p.RowsPerDay())
	}

	run(context.Background(), t, f.producer(t, cfg))
	got := f.read(t, true)
	if len(got.byDay[wednesday]) != p.RowsPerDay() || len(got.checkpoints) != 1 {
		t.Fatalf("after a restart: %d records, %d checkpoints; want %d and 1", len(got.byDay[wednesday]), len(got.checkpoints), p.RowsPerDay())
	}
}

func TestFencedProducerStops(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := Config{Seed: 4, Start: addBusinessDays(wednesday, -2), Interval: 10 * time.Millisecond}
	p := f.producer(t, cfg)
	fenced := make(chan struct{})
	var once atomic.Bool
	p.hooks.beforeCommit = func(time.Time) {
		if once.CompareAndSwap(false, true) {
			// A second producer with the same transactional ID takes over.
			cl, err := kgo.NewClient(kgo.SeedBrokers(f.kafka.Brokers...), kgo.TransactionalID(DefaultTransactionalID))
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			if err := cl.BeginTransaction(); err != nil {
				t.Error(err)
			}
			cl.Produce(context.Background(), &kgo.Record{Topic: topology.TopicCurveObservationDLQ, Value: []byte("x")}, nil)
			if err := cl.Flush(context.Background()); err != nil {
				t.Error(err)
			}
			_ = cl.EndTransaction(context.Background(), kgo.TryAbort)
			close(fenced)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := p.Run(ctx)
	<-fenced
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Run = %v after being fenced, want an error before the deadline", err)
	}
	if !errors.Is(err, kerr.ProducerFenced) {
		t.Errorf("Run = %v, want a fencing error", err)
	}
	t.Logf("fenced: %v", err)
}

func TestUnreadableCheckpointStopsRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := &kgo.Record{Topic: topology.TopicCollectorCheckpoint, Key: []byte(CheckpointKey), Value: []byte("not avro")}
	if err := f.client.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := f.producer(t, Config{Start: wednesday, Until: wednesday}).Run(ctx)
	if !errors.Is(err, serde.ErrMalformed) {
		t.Fatalf("Run = %v, want an error wrapping serde.ErrMalformed", err)
	}
}
