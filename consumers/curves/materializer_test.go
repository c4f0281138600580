package curves_test

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

const group = topology.GroupCurveMaterializer

// mids reads the mid of every curve_observation row by primary key.
func (e *env) mids(t *testing.T) map[string]float64 {
	t.Helper()
	rows, err := e.Store.Pool().Query(materializertest.Context(t),
		`SELECT c.curve_key || '|' || o.tenor_label || '|' || o.asof_date::text || '|' || o.price_type, o.mid
		 FROM curve_observation o JOIN curve c ON c.id = o.curve_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var mid float64
		if err := rows.Scan(&k, &mid); err != nil {
			t.Fatal(err)
		}
		out[k] = mid
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func pk(o schemas.CurveObservation) string {
	return o.CurveKey + "|" + o.TenorLabel + "|" + o.AsofDate.Format(time.DateOnly) + "|" + string(o.PriceType)
}

func TestMaterializesLastValuePerKeyIdempotently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 3000 // 50 curves × 60 tenors
	var recs []*kgo.Record
	want := map[string]float64{}
	add := func(o schemas.CurveObservation) {
		recs = append(recs, e.encode(t, o))
		want[pk(o)] = *o.Mid
	}
	for i := range n {
		add(observation(i, 0, 40))
	}
	for i := range n {
		add(observation(i, 1, 41)) // a second as-of date: history grows
	}
	for i := 0; i < n; i += 3 {
		add(observation(i, 1, 42)) // duplicates of day 1 in the same batch: the last wins
	}
	e.Produce(t, recs...)

	metrics := telemetry.NewMetrics(nil)
	stop := e.start(t, materializer.Config{}, metrics)
	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	assertRows := func(t *testing.T) {
		t.Helper()
		got := e.mids(t)
		if len(got) != len(want) {
			t.Fatalf("curve_observation has %d rows, want %d", len(got), len(want))
		}
		for k, mid := range want {
			if got[k] != mid {
				t.Fatalf("row %s: mid %v, want %v", k, got[k], mid)
			}
		}
		if c := e.Count(t, `SELECT count(*) FROM curve WHERE latest_asof <> $1`, baseAsof.AddDate(0, 0, 1)); c != 0 {
			t.Errorf("%d curves' latest as-of date is not the latest one", c)
		}
		if c := e.Count(t, `SELECT count(*) FROM curve_latest_stale`); c != 0 {
			t.Errorf("curve_latest_stale has %d rows, want none: every tenor is observed on the latest date", c)
		}
	}
	assertRows(t)
	version := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'curves'`)
	if version < 1 {
		t.Errorf("data_version of curves is %d, want bumped", version)
	}
	if got := value(t, metrics.RecordsConsumed.WithLabelValues(group, topology.TopicCurveObservation)); got != float64(len(recs)) {
		t.Errorf("records consumed = %v, want %d", got, len(recs))
	}
	if got := value(t, metrics.RecordsMaterialized.WithLabelValues("curve_observation")); got < 2*n {
		t.Errorf("records materialised = %v, want at least %d", got, 2*n)
	}
	for p := range 12 {
		if got := value(t, metrics.ConsumerLagRecords.WithLabelValues(group, topology.TopicCurveObservation, strconv.Itoa(p))); got != 0 {
			t.Errorf("lag of partition %d = %v, want 0", p, got)
		}
	}

	t.Run("redelivery to a new group changes nothing", func(t *testing.T) {
		e.start(t, materializer.Config{Group: "curve-replay"}, nil)
		e.WaitCaughtUp(t, "curve-replay", topology.TopicCurveObservation, time.Minute)
		assertRows(t)
	})

	t.Run("in small batches the last value still wins", func(t *testing.T) {
		// Replayed from the start, every key is written again with its
		// first value and then its later ones, over some 40 batches of 2
		// writers each: a batch written out of order leaves an earlier value.
		e.start(t, materializer.Config{Group: "curve-small-batches", MaxBatchRecords: 250, Workers: 2}, nil)
		e.WaitCaughtUp(t, "curve-small-batches", topology.TopicCurveObservation, time.Minute)
		assertRows(t)
	})

	t.Run("an older as-of date does not replace the latest", func(t *testing.T) {
		old := observation(0, -1, 7)
		e.Produce(t, e.encode(t, old))
		want[pk(old)] = 7
		e.start(t, materializer.Config{}, nil)
		e.WaitCaughtUp(t, group, topology.TopicCurveObservation, time.Minute)
		assertRows(t)
	})
}

func TestDeadLettersWhatCannotBeWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good1, good2 := observation(0, 0, 40), observation(1, 0, 41)
	noUnits := observation(2, 0, 42)
	noUnits.UnitsRaw = ""
	nul := observation(3, 0, 43) // valid Avro, but PostgreSQL text cannot hold NUL
	nul.UnitsRaw = "USD\x00/MWh"
	farFuture := observation(4, 0, 44) // a valid Avro date beyond PostgreSQL's
	farFuture.ContractMonth = ptr(time.Date(5875000, 1, 1, 0, 0, 0, 0, time.UTC))
	unknownID := append([]byte{0, 0, 0, 0x7f, 0xff}, e.encode(t, good1).Value[5:]...)

	// Every record on one partition, so that good2 follows the bad ones.
	key := []byte("one-partition")
	recs := []*kgo.Record{
		e.encode(t, good1),
		{Value: []byte("not avro at all")},
		{Value: unknownID},
		e.encode(t, noUnits),
		e.encode(t, nul),
		e.encode(t, farFuture),
		e.encode(t, good2),
	}
	for _, r := range recs {
		r.Topic, r.Key = topology.TopicCurveObservation, key
	}
	e.Produce(t, recs...)
	metrics := telemetry.NewMetrics(nil)
	e.start(t, materializer.Config{}, metrics)
	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, time.Minute)

	if c := e.Count(t, `SELECT count(*) FROM curve_observation`); c != 2 {
		t.Errorf("curve_observation has %d rows, want the 2 good ones", c)
	}
	dead := e.DeadLetters(t, topology.TopicCurveObservationDLQ)
	want := []struct {
		orig          *kgo.Record
		stage, reason string
	}{
		{recs[1], deadletter.StageDecode, materializer.ReasonMalformed},
		{recs[2], deadletter.StageDecode, materializer.ReasonUnknownSchema},
		{recs[3], deadletter.StageValidate, "missing_units"},
		{recs[4], deadletter.StageValidate, "invalid_text"},
		{recs[5], deadletter.StageMaterialize, materializer.ReasonInvalidData},
	}
	if len(dead) != len(want) {
		t.Fatalf("%d dead letters, want %d", len(dead), len(want))
	}
	byOffset := map[string]*kgo.Record{}
	for _, d := range dead {
		byOffset[deadletter.Header(d, deadletter.HeaderOffset)] = d
	}
	for _, w := range want {
		d := byOffset[strconv.FormatInt(w.orig.Offset, 10)]
		if d == nil {
			t.Errorf("no dead letter for offset %d", w.orig.Offset)
			continue
		}
		if string(d.Key) != string(w.orig.Key) || string(d.Value) != string(w.orig.Value) {
			t.Errorf("offset %d: dead letter does not keep the original key and value", w.orig.Offset)
		}
		if got := deadletter.Header(d, deadletter.HeaderStage); got != w.stage {
			t.Errorf("offset %d: stage %q, want %q", w.orig.Offset, got, w.stage)
		}
		if got := deadletter.Header(d, deadletter.HeaderReason); !strings.HasPrefix(got, w.reason+": ") {
			t.Errorf("offset %d: reason %q, want %q", w.orig.Offset, got, w.reason)
		}
		if got := deadletter.Header(d, deadletter.HeaderTopic); got != topology.TopicCurveObservation {
			t.Errorf("offset %d: topic header %q", w.orig.Offset, got)
		}
		if deadletter.Header(d, deadletter.HeaderPartition) == "" || deadletter.Header(d, deadletter.HeaderTime) == "" {
			t.Errorf("offset %d: partition or time header missing", w.orig.Offset)
		}
		if got := value(t, metrics.RecordsDeadLettered.WithLabelValues(topology.TopicCurveObservation, w.reason)); got != 1 {
			t.Errorf("dead-lettered{reason=%s} = %v, want 1", w.reason, got)
		}
	}
}

// TestConfluentProducerRecords materialises records written the way any
// Confluent-compatible client writes them: franz-go's sr.Serde with the
// registered schema's ID, and a hand-framed magic byte + ID + Avro body.
func TestConfluentProducerRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := materializertest.Context(t)
	subject := schemas.SubjectFor(topology.TopicCurveObservation)
	registered, err := e.Registry.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := avro.Parse(registered.Schema.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var srSerde sr.Serde
	srSerde.Register(registered.ID, schemas.CurveObservation{},
		sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(schema, v) }))

	viaSerde := observation(0, 0, 50)
	b1, err := srSerde.Encode(viaSerde)
	if err != nil {
		t.Fatal(err)
	}
	handFramed := observation(1, 0, 51)
	handFramed.CurveKey, handFramed.VersionHash = "", "" // left for the materialiser to compute
	body, err := avro.Marshal(schema, handFramed)
	if err != nil {
		t.Fatal(err)
	}
	b2 := binary.BigEndian.AppendUint32([]byte{0}, uint32(registered.ID))
	b2 = append(b2, body...)

	e.Produce(t,
		&kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte("confluent"), Value: b1},
		&kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte("confluent"), Value: b2})
	e.start(t, materializer.Config{}, nil)
	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, time.Minute)

	got := e.mids(t)
	withKey := observation(1, 0, 51)
	for _, o := range []schemas.CurveObservation{viaSerde, withKey} {
		if mid, ok := got[pk(o)]; !ok || mid != *o.Mid {
			t.Errorf("row %s: mid %v (present %v), want %v", pk(o), mid, ok, *o.Mid)
		}
	}
	if dead := e.DeadLetters(t, topology.TopicCurveObservationDLQ); len(dead) != 0 {
		t.Errorf("%d dead letters, want none", len(dead))
	}
	var f market.CurveFilter
	f[market.FilterCurveKey] = []string{withKey.CurveKey}
	points, _, err := market.NewReader(e.Store.Pool()).Curves(materializertest.Context(t), f, []time.Time{withKey.AsofDate}, market.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(points, func(p market.CurvePoint) bool { return p.TenorLabel == withKey.TenorLabel })
	if i < 0 || points[i].VersionHash() != withKey.VersionHash {
		t.Errorf("the hand-framed record is not read with version hash %s: %+v", withKey.VersionHash, points)
	}
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
