package schemas

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/aurum-energy/aurum/topology"
)

// curveSchema is today's CurveObservation schema, parsed.
func curveSchema(tb testing.TB) avro.Schema {
	tb.Helper()
	rec, ok := ForTopic(topology.TopicCurveObservation)
	if !ok {
		tb.Fatal("no CurveObservation record")
	}
	sch, err := avro.ParseWithCache(rec.Schema, "", &avro.SchemaCache{})
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

// decodeBoth decodes body with the general decoder and with DecodeAvro,
// and reports each's error (including bytes left over).
func decodeBoth(sch avro.Schema, body []byte) (general, own CurveObservation, generalErr, ownErr error) {
	r := avro.NewReader(nil, 0)
	r.Reset(body)
	r.ReadVal(sch, &general)
	generalErr = leftover(r)
	r.Reset(body)
	own.DecodeAvro(r)
	ownErr = leftover(r)
	return general, own, generalErr, ownErr
}

// leftover is r's error, or a stand-in when a body decoded with bytes to
// spare (serde refuses those).
func leftover(r *avro.Reader) error {
	if r.Error != nil {
		return r.Error
	}
	r.Peek()
	if r.Error == nil {
		return errTrailing
	}
	r.Error = nil
	return nil
}

var errTrailing = errors.New("trailing bytes")

// randomCurve is a CurveObservation with every optional field present or
// not at random, and values over their ranges: dates and times before the
// Unix epoch and far after it, empty and non-ASCII strings, non-finite
// prices.
func randomCurve(rng *rand.Rand) CurveObservation {
	str := func() string {
		return []string{"", "MISO", "WESTERN HUB", "Zürich 東京", "5b1e0c2f9a7d4e3b8c6a1f0e2d3c4b5a"}[rng.IntN(5)]
	}
	opt := func() *string {
		if rng.IntN(3) == 0 {
			return nil
		}
		s := str()
		return &s
	}
	num := func() *float64 {
		if rng.IntN(3) == 0 {
			return nil
		}
		f := []float64{0, -0.25, 48.5, math.MaxFloat64, math.Inf(1), rng.NormFloat64() * 100}[rng.IntN(6)]
		return &f
	}
	day := func() time.Time {
		return time.Unix(int64(rng.IntN(200_000)-100_000)*86400, 0).UTC()
	}
	o := CurveObservation{
		AsofDate: day(), CurveKey: str(), AssetClass: AssetClasses[rng.IntN(len(AssetClasses))],
		ISO: opt(), Region: opt(), Location: opt(), Market: opt(), Product: opt(), Block: opt(), SparkLocation: opt(),
		PriceType: PriceTypes[rng.IntN(len(PriceTypes))], TenorType: TenorTypes[rng.IntN(len(TenorTypes))],
		TenorLabel: str(), Value: num(), Bid: num(), Ask: num(), Mid: num(), Currency: opt(), PerUnit: opt(),
		UnitsRaw: str(), SourceFile: opt(), SheetName: opt(), VersionHash: str(),
		IngestTS: time.UnixMicro(rng.Int64N(1<<52) - 1<<51).UTC(),
	}
	if rng.IntN(3) > 0 {
		m := day()
		o.ContractMonth = &m
	}
	return o
}

// TestCurveObservationDecodeAvro: DecodeAvro reads what the general encoder
// writes, as the general decoder does, for random records; and refuses what
// the general decoder refuses (truncated and corrupted bodies).
func TestCurveObservationDecodeAvro(t *testing.T) {
	t.Parallel()
	sch := curveSchema(t)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 3000 {
		want := randomCurve(rng)
		body, err := avro.Marshal(sch, &want)
		if err != nil {
			t.Fatal(err)
		}
		general, own, gerr, oerr := decodeBoth(sch, body)
		if gerr != nil || oerr != nil {
			t.Fatalf("record %d: general decoder %v, DecodeAvro %v", i, gerr, oerr)
		}
		if !reflect.DeepEqual(own, general) || !reflect.DeepEqual(own, want) {
			t.Fatalf("record %d:\nDecodeAvro %+v\ngeneral    %+v\nwritten    %+v", i, own, general, want)
		}
		cut := body[:rng.IntN(len(body))]
		if _, _, gerr, oerr := decodeBoth(sch, cut); (gerr == nil) != (oerr == nil) {
			t.Fatalf("record %d cut to %d of %d bytes: general decoder %v, DecodeAvro %v", i, len(cut), len(body), gerr, oerr)
		}
	}
}

// FuzzCurveObservationDecodeAvro: on any bytes, DecodeAvro fails when the
// general decoder does, and otherwise decodes the same record.
func FuzzCurveObservationDecodeAvro(f *testing.F) {
	sch := curveSchema(f)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		o := randomCurve(rng)
		body, err := avro.Marshal(sch, &o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		general, own, gerr, oerr := decodeBoth(sch, body)
		if (gerr == nil) != (oerr == nil) {
			t.Fatalf("general decoder %v, DecodeAvro %v", gerr, oerr)
		}
		if gerr != nil {
			return
		}
		// Compared encoded, so that NaNs compare by their bits.
		a, aerr := avro.Marshal(sch, &own)
		b, berr := avro.Marshal(sch, &general)
		if aerr != nil || berr != nil || !bytes.Equal(a, b) {
			t.Fatalf("DecodeAvro %+v (%v)\ngeneral    %+v (%v)", own, aerr, general, berr)
		}
	})
}
