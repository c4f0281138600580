package schemas

import (
	"time"

	"github.com/hamba/avro/v2"
)

// DecodeAvro reads the Avro binary body of a CurveObservation written with
// this package's schema (curve_observation.avsc), field by field, into o;
// a body that is not such an encoding sets r.Error. It is internal/serde's
// decoder for records whose writer schema is the reader's: the general,
// reflective decoder spent most of a curve's decoding on its nullable
// unions, and the materialiser decodes every curve record of a load. A
// test holds it to the general decoder on random records and bytes.
func (o *CurveObservation) DecodeAvro(r *avro.Reader) {
	// The optional fields' values, allocated once for the record.
	box := new(struct {
		strs  [11]string
		nums  [4]float64
		month time.Time
	})
	str := func(i int) *string { return readOptional(r, &box.strs[i], (*avro.Reader).ReadString) }
	o.AsofDate = readDate(r)
	o.CurveKey = r.ReadString()
	o.AssetClass = readEnum(r, AssetClasses)
	o.ISO, o.Region, o.Location, o.Market, o.Product, o.Block, o.SparkLocation = str(0), str(1), str(2), str(3), str(4), str(5), str(6)
	o.PriceType = readEnum(r, PriceTypes)
	o.TenorType = readEnum(r, TenorTypes)
	o.TenorLabel = r.ReadString()
	o.ContractMonth = readOptional(r, &box.month, readDate)
	for i, f := range [...]**float64{&o.Value, &o.Bid, &o.Ask, &o.Mid} {
		*f = readOptional(r, &box.nums[i], (*avro.Reader).ReadDouble)
	}
	o.Currency, o.PerUnit = str(7), str(8)
	o.UnitsRaw = r.ReadString()
	o.SourceFile, o.SheetName = str(9), str(10)
	o.VersionHash = r.ReadString()
	o.IngestTS = time.UnixMicro(r.ReadLong()).UTC()
}

// readDate reads an int of logical type date: days since the Unix epoch.
func readDate(r *avro.Reader) time.Time {
	return time.Unix(int64(r.ReadInt())*24*60*60, 0).UTC()
}

// readEnum reads an enum's symbol, by its index into symbols.
func readEnum[T ~string](r *avro.Reader, symbols []T) T {
	i := r.ReadInt()
	if i < 0 || int(i) >= len(symbols) {
		r.ReportError("decode enum", "unknown enum symbol")
		return ""
	}
	return symbols[i]
}

// readOptional reads a ["null", T] union: nil, or slot holding read's
// value.
func readOptional[T any](r *avro.Reader, slot *T, read func(*avro.Reader) T) *T {
	switch r.ReadLong() {
	case 0:
		return nil
	case 1:
		*slot = read(r)
		return slot
	default:
		r.ReportError("decode union", "union index out of range")
		return nil
	}
}
