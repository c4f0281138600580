package deadletter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/curvefile"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	source = topology.TopicCurveObservation
	dlq    = topology.TopicCurveObservationDLQ
	group  = topology.GroupCurveMaterializer
)

// env is one test's platform with the curve materialiser running.
type env struct {
	*materializertest.Env
	t *testing.T
}

func newEnv(t *testing.T) *env {
	e := &env{materializertest.New(t), t}
	materializertest.Materialize(t, e.Env, materializer.Config{Group: group, Topics: []string{source}},
		curves.NewSink(e.Serde), nil)
	return e
}

// read is the ReadFunc of `aurum dlq`.
func (e *env) read(ctx context.Context, topic string, fn func(*kgo.Record)) error {
	return collector.ReadTopic(ctx, e.Client, topic, true, fn)
}

// records reads every committed record of topic.
func (e *env) records(topic string) []*kgo.Record {
	e.t.Helper()
	var out []*kgo.Record
	if err := e.read(materializertest.Context(e.t), topic, func(r *kgo.Record) { out = append(out, r) }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// replay runs one replay as `aurum dlq replay` does, in a process of its own:
// a new transactional producer each time.
func (e *env) replay(f deadletter.Filter, dryRun bool, rebuild func(deadletter.Letter) (*kgo.Record, error)) deadletter.ReplaySummary {
	e.t.Helper()
	prod, err := kgo.NewClient(kgo.SeedBrokers(e.Kafka.Brokers...), kgo.TransactionalID(deadletter.ReplayTransactionalID(dlq)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer prod.Close()
	sum, err := deadletter.Replay(materializertest.Context(e.t), deadletter.ReplayConfig{Topic: dlq, Filter: f, DryRun: dryRun, Batch: 2},
		deadletter.ReplayDeps{Producer: prod, Read: e.read, Serde: e.Serde, Rebuild: rebuild, Logger: materializertest.Logger()})
	if err != nil {
		e.t.Fatalf("replay: %v", err)
	}
	return sum
}

// settle waits until the materialiser has committed every record on the
// source topic. (materializertest.WaitCaughtUp waits for the high
// watermark, which a replay's transaction marker keeps one beyond the
// last record.)
func (e *env) settle() {
	e.t.Helper()
	end := map[int32]int64{}
	for _, r := range e.records(source) {
		end[r.Partition] = r.Offset + 1
	}
	ctx := materializertest.Context(e.t)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		committed, err := e.Admin.FetchOffsetsForTopics(ctx, group, source)
		if err != nil {
			continue
		}
		behind := 0
		for p, o := range end {
			if c, ok := committed.Lookup(source, p); !ok || c.At < o {
				behind++
			}
		}
		if behind == 0 {
			return
		}
	}
	e.t.Fatalf("group %s has not committed every record of %s within a minute", group, source)
}

func (e *env) rows() int64 { return e.Count(e.t, `SELECT count(*) FROM curve_observation`) }

func check(t *testing.T, got deadletter.ReplaySummary, want string) {
	t.Helper()
	if got.String() != want {
		t.Fatalf("summary %q\n   want %q", got, want)
	}
}

func observation(tenor int, mid float64, units string) schemas.CurveObservation {
	month := time.Date(2027, time.Month(1+tenor), 1, 0, 0, 0, 0, time.UTC)
	o := schemas.CurveObservation{
		AsofDate: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), AssetClass: schemas.AssetClassPower,
		ISO: new("PJM"), Location: new("West Hub"), PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly,
		TenorLabel: month.Format("2006-01"), ContractMonth: &month, Mid: &mid, UnitsRaw: units,
		IngestTS: time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC),
	}
	curve.Complete(&o)
	return o
}

// TestReplayLandsRefusedRowsOnce: the database refuses five rows, which the
// materialiser dead-letters; once the database is fixed, a replay lands
// exactly those five records on the topic and five rows in the table, a
// second replay lands nothing, and neither a dry run nor filters that
// select nothing publish anything.
func TestReplayLandsRefusedRowsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := materializertest.Context(t)
	// A rule the database enforces that it should not: the fault to fix.
	if _, err := e.Store.Pool().Exec(ctx, `
		CREATE FUNCTION refuse_high_mids() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.mid >= 1000 THEN RAISE EXCEPTION 'mid % is too high', NEW.mid USING ERRCODE = 'check_violation'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse_high_mids BEFORE INSERT OR UPDATE ON curve_observation
			FOR EACH ROW EXECUTE FUNCTION refuse_high_mids()`); err != nil {
		t.Fatal(err)
	}
	var recs []*kgo.Record
	for i := range 10 {
		mid, units := 50.0+float64(i), "USD/MWh"
		switch {
		case i%2 == 1:
			mid = 1000 + float64(i) // refused by the database: 5 records
		case i == 8:
			units = "" // refused by validation, for good
		}
		o := observation(i, mid, units)
		r := e.Encode(t, source, o.CurveKey, o)
		r.Headers = []kgo.RecordHeader{{Key: "x-request-id", Value: fmt.Appendf(nil, "req-%d", i)}}
		recs = append(recs, r)
	}
	e.Produce(t, recs...)
	e.settle()
	if n := e.rows(); n != 4 {
		t.Fatalf("%d rows before the replay, want 4", n)
	}
	letters := e.records(dlq)
	if len(letters) != 6 {
		t.Fatalf("%d dead letters, want 6", len(letters))
	}

	if _, err := e.Store.Pool().Exec(ctx, `DROP TRIGGER refuse_high_mids ON curve_observation`); err != nil {
		t.Fatal(err)
	}
	refused := deadletter.Filter{Reasons: []string{materializer.ReasonConstraintViolation}}
	before := time.Now().Add(-time.Hour)

	check(t, e.replay(deadletter.Filter{Reasons: refused.Reasons, Until: before}, false, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 0, replayed 0, skipped 0")
	check(t, e.replay(deadletter.Filter{Stage: deadletter.StageLoad}, false, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 0, replayed 0, skipped 0")
	check(t, e.replay(refused, true, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, would replay 5, skipped 0")
	if n := len(e.records(source)); n != 10 {
		t.Fatalf("filters selecting nothing and a dry run left %d records on %s, want the 10 produced", n, source)
	}

	check(t, e.replay(deadletter.Filter{Reasons: refused.Reasons, Since: before}, false, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, replayed 5, skipped 0")
	e.settle()
	if n := e.rows(); n != 9 {
		t.Fatalf("%d rows after the replay, want 4 + 5", n)
	}
	replayed := e.records(source)[10:]
	if len(replayed) != 5 {
		t.Fatalf("%d records replayed, want 5", len(replayed))
	}
	origin := map[string]*kgo.Record{}
	for _, l := range letters {
		origin[deadletter.Open(l).At.String()] = l
	}
	for _, r := range replayed {
		from := deadletter.Header(r, deadletter.HeaderReplayFrom)
		l, ok := origin[from]
		if !ok || materializertest.Reason(l) != "materialize/constraint_violation" {
			t.Fatalf("replayed record names %q, not a refused row's dead letter", from)
		}
		if string(r.Key) != string(l.Key) || string(r.Value) != string(l.Value) ||
			deadletter.Header(r, "x-request-id") != deadletter.Header(l, "x-request-id") || deadletter.Header(r, deadletter.HeaderReason) != "" {
			t.Errorf("replayed record %s is not the original: key %s, headers %v", from, r.Key, r.Headers)
		}
	}
	if n := len(e.records(dlq)); n != 6 {
		t.Fatalf("%d dead letters after the replay, want the 6 there were", n)
	}

	check(t, e.replay(refused, false, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, replayed 0, skipped 5 (already replayed 5)")
	check(t, e.replay(deadletter.Filter{}, true, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 6, would replay 1, skipped 5 (already replayed 5)")
	if n := len(e.records(source)); n != 15 {
		t.Fatalf("%d records on %s after replaying again, want 15", n, source)
	}
}

// quarantinedFile has two good rows, five rows without units and a row
// with a bad date: the README's "a bad file row" case.
const quarantinedFile = `asof_date,asset_class,iso,location,price_type,tenor_type,tenor_label,mid,units_raw
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-01,92.51,USD/MWh
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-02,90.10,USD/MWh
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-03,88.00,
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-04,85.25,
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-05,80.75,
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-06,95.00,
2026-11-24,power,PJM,West Hub,MID,MONTHLY,2027-07,99.40,
2026-13-45,power,PJM,West Hub,MID,MONTHLY,2027-08,97.00,USD/MWh
`

// TestReplayCorrectsQuarantinedRows is the README's workflow: a file's rows
// without units are quarantined; replaying them as they are lands nothing,
// replaying them with the units set lands exactly those five rows, and a
// second replay lands nothing.
func TestReplayCorrectsQuarantinedRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "eod.csv")
	if err := os.WriteFile(path, []byte(quarantinedFile), 0o600); err != nil {
		t.Fatal(err)
	}
	loader, err := curvefile.New(curvefile.Config{}, curvefile.Deps{Client: e.Client, Serde: e.Serde})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := loader.Load(materializertest.Context(t), path)
	if err != nil || sum.Published != 2 || sum.ByReason["missing_units"] != 5 || sum.ByReason["bad_date"] != 1 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	e.settle()
	if n := e.rows(); n != 2 {
		t.Fatalf("%d rows after the load, want 2", n)
	}
	rebuild := func(set map[string]string) func(deadletter.Letter) (*kgo.Record, error) {
		rb, err := curvefile.NewRebuilder(e.Serde, set, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rb.Rebuild
	}
	noUnits := deadletter.Filter{Reasons: []string{"missing_units"}}

	check(t, e.replay(noUnits, false, nil),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, replayed 0, skipped 5 (row not rebuilt 5)")
	check(t, e.replay(noUnits, false, rebuild(nil)),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, replayed 0, skipped 5 (still missing_units 5)")
	fixed := rebuild(map[string]string{"units_raw": "USD/MWh"})
	check(t, e.replay(noUnits, true, fixed),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, would replay 5, skipped 0")
	if n := len(e.records(source)); n != 2 {
		t.Fatalf("%d records on %s before the replay, want the 2 loaded", n, source)
	}

	check(t, e.replay(noUnits, false, fixed),
		"aurum.curve.observation.dlq.v1: seen 6, matched 5, replayed 5, skipped 0")
	e.settle()
	if n := e.Count(t, `SELECT count(*) FROM curve_observation o JOIN curve c ON c.id = o.curve_id WHERE c.units_raw = 'USD/MWh'`); n != 7 {
		t.Fatalf("%d rows in USD/MWh after the replay, want 2 + 5", n)
	}
	check(t, e.replay(deadletter.Filter{}, false, fixed),
		"aurum.curve.observation.dlq.v1: seen 6, matched 6, replayed 0, skipped 6 (already replayed 5, still bad_date 1)")
	if n := len(e.records(source)); n != 7 {
		t.Fatalf("%d records on %s after replaying again, want 7", n, source)
	}
	for _, r := range e.records(source)[2:] {
		if from := deadletter.Header(r, deadletter.HeaderReplayFrom); !strings.HasPrefix(from, dlq+"/") {
			t.Errorf("replayed row has %s %q", deadletter.HeaderReplayFrom, from)
		}
	}
}

// TestReplayAfterAKilledReplay: a replay killed mid-transaction leaves it
// open with records in it; the next replay fences it before reading the
// checkpoints, so those records never show and every dead letter lands
// once.
func TestReplayAfterAKilledReplay(t *testing.T) {
	t.Parallel()
	e := &env{materializertest.New(t), t} // no materialiser: only the topics count
	now := time.Now()
	for i := range 3 {
		o := observation(i, 50, "USD/MWh")
		orig := e.Encode(t, source, o.CurveKey, o)
		orig.Partition, orig.Offset = 0, int64(i)
		e.Produce(t, deadletter.Record(orig, deadletter.Failure{Reason: "stale_rule", Stage: deadletter.StageValidate}, now))
	}
	killed, err := kgo.NewClient(kgo.SeedBrokers(e.Kafka.Brokers...), kgo.TransactionalID(deadletter.ReplayTransactionalID(dlq)))
	if err != nil {
		t.Fatal(err)
	}
	defer killed.Close()
	if err := killed.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	half := e.records(dlq)[0]
	half.Topic, half.Partition, half.Offset = source, 0, 0
	if err := killed.ProduceSync(materializertest.Context(t), half).FirstErr(); err != nil {
		t.Fatal(err)
	}

	check(t, e.replay(deadletter.Filter{}, false, nil),
		"aurum.curve.observation.dlq.v1: seen 3, matched 3, replayed 3, skipped 0")
	if n := len(e.records(source)); n != 3 {
		t.Fatalf("%d records on %s, want the 3 replayed and none of the killed replay's", n, source)
	}
	if err := killed.EndTransaction(materializertest.Context(t), kgo.TryCommit); err == nil {
		t.Fatal("the killed replay could still commit")
	}
}
