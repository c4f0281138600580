package serde

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

type fixture struct {
	reg    *srfake.Registry
	client *sr.Client
	serde  *Serde
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	reg := srfake.New()
	tb.Cleanup(reg.Close)
	client, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(context.Background(), client, nil)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return &fixture{reg: reg, client: client, serde: s}
}

// register puts an extra schema text under subject and returns its ID.
func (f *fixture) register(tb testing.TB, subject, schema string) int {
	tb.Helper()
	id, err := f.client.RegisterSchema(context.Background(), subject, sr.Schema{Schema: schema, Type: sr.TypeAvro}, -1, -1)
	if err != nil {
		tb.Fatalf("register %s: %v", subject, err)
	}
	return id
}

// confluentFrame is what every Confluent client writes: 0, ID, Avro body.
func confluentFrame(id int, body []byte) []byte {
	b := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(b[1:], uint32(id))
	return append(b, body...)
}

func newOf(v any) any { return reflect.New(reflect.TypeOf(v)).Interface() }

func TestRoundTripEveryRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	all := samples()
	for _, rec := range schemas.Records() {
		values := all[rec.Topic]
		if len(values) == 0 {
			t.Errorf("no sample for %s", rec.Topic)
		}
		id, err := f.client.LookupSchema(ctx, rec.Subject, sr.Schema{Schema: rec.Schema})
		if err != nil {
			t.Fatalf("%s not registered by New: %v", rec.Subject, err)
		}
		if got, _ := f.serde.SchemaID(rec.Topic); got != id.ID {
			t.Errorf("SchemaID(%s) = %d, registry says %d", rec.Topic, got, id.ID)
		}
		for i, v := range values {
			b, err := f.serde.Encode(rec.Topic, v)
			if err != nil {
				t.Fatalf("%s #%d: Encode: %v", rec.Name, i, err)
			}
			if b[0] != 0 || int(binary.BigEndian.Uint32(b[1:5])) != id.ID {
				t.Errorf("%s #%d: header % x, want 00 + ID %d", rec.Name, i, b[:5], id.ID)
			}
			got := newOf(v)
			if err := f.serde.Decode(ctx, rec.Topic, b, got); err != nil {
				t.Fatalf("%s #%d: Decode: %v", rec.Name, i, err)
			}
			if !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), v) {
				t.Errorf("%s #%d: round trip\n got %+v\nwant %+v", rec.Name, i, reflect.ValueOf(got).Elem().Interface(), v)
			}

			// A pointer encodes too, and AppendEncode appends. (Bytes may
			// differ from b: Go randomises map order.)
			pv := reflect.New(reflect.TypeOf(v))
			pv.Elem().Set(reflect.ValueOf(v))
			b2, err := f.serde.AppendEncode([]byte("prefix"), rec.Topic, pv.Interface())
			if err != nil || string(b2[:6]) != "prefix" || len(b2) != 6+len(b) {
				t.Fatalf("%s #%d: AppendEncode(pointer) = % x, %v; want prefix + % x", rec.Name, i, b2, err, b)
			}
			got = newOf(v)
			if err := f.serde.Decode(ctx, rec.Topic, b2[6:], got); err != nil || !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), v) {
				t.Errorf("%s #%d: AppendEncode round trip = %+v, %v", rec.Name, i, got, err)
			}
		}
	}
}

func TestDecodeOlderWriterSchema(t *testing.T) {
	t.Parallel()
	v := sampleCurve()
	// Version 1 of a subject of its own, as a producer built before
	// spark_location and sheet_name existed would have registered it; the
	// old schema has no slot for SparkLocation, SheetName.
	got := decodeWrittenWith(t, "testdata/curve_observation_v0.avsc", "legacy.curve.observation-value", v)
	want := v
	want.SparkLocation, want.SheetName = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeNewerWriterSchema(t *testing.T) {
	t.Parallel()
	v := sampleCurve()
	v.AssetClass = "hydrogen" // a symbol today's reader does not know
	got := decodeWrittenWith(t, "testdata/curve_observation_v2.avsc", "future.curve.observation-value",
		curveAsMap(t, v, map[string]any{"delivery_hours": 336.0}))
	want := v
	want.AssetClass = schemas.AssetClassOther // the reader's enum default
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n got %+v\nwant %+v", got, want)
	}
}

// decodeWrittenWith registers the writer schema of file under subject,
// encodes v with it, and decodes the record as a CurveObservation read
// from the curve topic.
func decodeWrittenWith(t *testing.T, file, subject string, v any) schemas.CurveObservation {
	t.Helper()
	f := newFixture(t)
	writer := readFile(t, file)
	id := f.register(t, subject, writer)
	body, err := avro.Marshal(avro.MustParse(writer), v)
	if err != nil {
		t.Fatal(err)
	}
	var got schemas.CurveObservation
	if err := f.serde.Decode(context.Background(), topology.TopicCurveObservation, confluentFrame(id, body), &got); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return got
}

// curveAsMap turns v into the generic form hamba encodes against any
// CurveObservation schema, plus extra fields.
func curveAsMap(t *testing.T, v schemas.CurveObservation, extra map[string]any) map[string]any {
	t.Helper()
	rec, _ := schemas.ForTopic(topology.TopicCurveObservation)
	sch := avro.MustParse(rec.Schema)
	known := v
	known.AssetClass = schemas.AssetClassPower // today's schema cannot encode a future symbol
	b, err := avro.Marshal(sch, known)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := avro.Unmarshal(sch, b, &m); err != nil {
		t.Fatal(err)
	}
	for k, x := range extra {
		m[k] = x
	}
	m["asset_class"] = string(v.AssetClass)
	return m
}

func TestInteropWithFranzSerde(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	all := samples()
	for _, rec := range schemas.Records() {
		t.Run(rec.Name, func(t *testing.T) {
			id, _ := f.serde.SchemaID(rec.Topic)
			sch := avro.MustParse(rec.Schema)
			var other sr.Serde
			other.Register(id, reflect.New(rec.Type).Elem().Interface(),
				sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(sch, v) }),
				sr.DecodeFn(func(b []byte, v any) error { return avro.Unmarshal(sch, b, v) }),
			)
			for i, v := range all[rec.Topic] {
				theirs, err := other.Encode(v)
				if err != nil {
					t.Fatalf("#%d: sr.Serde.Encode: %v", i, err)
				}
				got := newOf(v)
				if err := f.serde.Decode(ctx, rec.Topic, theirs, got); err != nil {
					t.Fatalf("#%d: Decode(sr.Serde bytes): %v", i, err)
				}
				if !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), v) {
					t.Errorf("#%d: Decode(sr.Serde bytes) = %+v, want %+v", i, got, v)
				}

				ours, err := f.serde.Encode(rec.Topic, v)
				if err != nil {
					t.Fatal(err)
				}
				got = newOf(v)
				if err := other.Decode(ours, got); err != nil {
					t.Fatalf("#%d: sr.Serde.Decode(serde bytes): %v", i, err)
				}
				if !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), v) {
					t.Errorf("#%d: sr.Serde.Decode(serde bytes) = %+v, want %+v", i, got, v)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	good, err := f.serde.Encode(topology.TopicCurveObservation, sampleCurve())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := f.serde.SchemaID(topology.TopicCurveObservation)
	incompatible := strings.Replace(readFile(t, "testdata/curve_observation_v0.avsc"),
		`"name": "curve_key",
      "type": "string"`, `"name": "curve_key",
      "type": "int"`, 1)
	if !strings.Contains(incompatible, `"type": "int"`) {
		t.Fatal("test schema edit did not apply")
	}
	incompatibleID := f.register(t, "broken.curve-value", incompatible)

	tests := []struct {
		name  string
		topic string
		b     []byte
		v     any
		want  error // nil: an error that is neither sentinel
	}{
		{"empty", topology.TopicCurveObservation, nil, &schemas.CurveObservation{}, ErrMalformed},
		{"short header", topology.TopicCurveObservation, []byte{0, 0, 1}, &schemas.CurveObservation{}, ErrMalformed},
		{"no magic byte", topology.TopicCurveObservation, append([]byte{1}, good[1:]...), &schemas.CurveObservation{}, ErrMalformed},
		{"plain JSON", topology.TopicCurveObservation, []byte(`{"curve_key":"x"}`), &schemas.CurveObservation{}, ErrMalformed},
		{"garbage body", topology.TopicCurveObservation, confluentFrame(id, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), &schemas.CurveObservation{}, ErrMalformed},
		{"truncated body", topology.TopicCurveObservation, good[:len(good)-3], &schemas.CurveObservation{}, ErrMalformed},
		{"header only", topology.TopicCurveObservation, good[:5], &schemas.CurveObservation{}, ErrMalformed},
		{"trailing bytes", topology.TopicCurveObservation, append(append([]byte(nil), good...), 0x02), &schemas.CurveObservation{}, ErrMalformed},
		{"unknown schema ID", topology.TopicCurveObservation, confluentFrame(424242, good[5:]), &schemas.CurveObservation{}, ErrUnknownSchema},
		{"unresolvable writer schema", topology.TopicCurveObservation, confluentFrame(incompatibleID, good[5:]), &schemas.CurveObservation{}, ErrUnknownSchema},
		{"wrong target type", topology.TopicCurveObservation, good, &schemas.RunEvent{}, nil},
		{"unknown topic", "aurum.nope.v1", good, &schemas.CurveObservation{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := f.serde.Decode(ctx, tc.topic, tc.b, tc.v)
			if err == nil {
				t.Fatal("Decode succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownSchema)) {
				t.Fatalf("Decode = %v, want an error callers do not dead-letter", err)
			}
		})
	}
}

func TestDecodeRegistryDownIsNotDeadLettered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.register(t, "legacy.curve.observation-value", readFile(t, "testdata/curve_observation_v0.avsc"))
	f.reg.Close()
	err := f.serde.Decode(context.Background(), topology.TopicCurveObservation, confluentFrame(id, []byte{0}), &schemas.CurveObservation{})
	if err == nil || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("Decode with registry down = %v, want a retryable error", err)
	}
}

func TestDecodeGeneric(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b, err := f.serde.Encode(topology.TopicScenarioRun, schemas.RunEvent{EventID: "e", RunID: "r", State: schemas.RunSucceeded, Attempt: 1, OccurredTS: instant})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := f.serde.Decode(context.Background(), topology.TopicScenarioRun, b, &m); err != nil {
		t.Fatal(err)
	}
	if m["run_id"] != "r" || m["state"] != "SUCCEEDED" {
		t.Errorf("generic decode = %v", m)
	}
	var a any
	if err := f.serde.Decode(context.Background(), topology.TopicScenarioRun, b, &a); err != nil {
		t.Fatal(err)
	}
	if am, ok := a.(map[string]any); !ok || am["event_id"] != "e" {
		t.Errorf("decode into *any = %#v", a)
	}
}

func TestConcurrentFirstDecode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	old := readFile(t, "testdata/curve_observation_v0.avsc")
	id := f.register(t, "legacy.curve.observation-value", old)
	body, err := avro.Marshal(avro.MustParse(old), sampleCurve())
	if err != nil {
		t.Fatal(err)
	}
	frame := confluentFrame(id, body)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			var v schemas.CurveObservation
			errs <- f.serde.Decode(context.Background(), topology.TopicCurveObservation, frame, &v)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncodeRejectsWrongType(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.serde.Encode(topology.TopicCurveObservation, schemas.RunEvent{}); err == nil {
		t.Error("Encode(RunEvent) on the curve topic succeeded")
	}
	if _, err := f.serde.Encode("aurum.nope.v1", sampleCurve()); err == nil {
		t.Error("Encode on an unknown topic succeeded")
	}
	bad := sampleCurve()
	bad.PriceType = "NOPE"
	if _, err := f.serde.Encode(topology.TopicCurveObservation, bad); err == nil {
		t.Error("Encode with an invalid enum symbol succeeded")
	}
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func BenchmarkDecodeCurveObservation(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	frame, err := f.serde.Encode(topology.TopicCurveObservation, sampleCurve())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serde", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		var v schemas.CurveObservation
		for b.Loop() {
			if err := f.serde.Decode(ctx, topology.TopicCurveObservation, frame, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	// hamba alone on the body, for comparison: what serde adds is the
	// header, the schema look-up and the trailing-bytes check.
	b.Run("avro.Unmarshal", func(b *testing.B) {
		rec, _ := schemas.ForTopic(topology.TopicCurveObservation)
		sch := avro.MustParse(rec.Schema)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		var v schemas.CurveObservation
		for b.Loop() {
			if err := avro.Unmarshal(sch, frame[5:], &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	f := newFixture(b)
	v := sampleCurve()
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.serde.Encode(topology.TopicCurveObservation, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendEncode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			var err error
			if buf, err = f.serde.AppendEncode(buf[:0], topology.TopicCurveObservation, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
