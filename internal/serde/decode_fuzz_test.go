package serde

import (
	"context"
	"errors"
	"testing"

	"github.com/aurum-energy/aurum/schemas"
)

// FuzzDecode feeds arbitrary bytes to Decode as a value of each topic, into
// the topic's record type and into a generic value: the bytes decode, or
// the error wraps ErrMalformed or ErrUnknownSchema (what a consumer
// dead-letters), and Decode never panics.
func FuzzDecode(f *testing.F) {
	fx := newFixture(f)
	records := schemas.Records()
	all := samples()
	for i, rec := range records {
		for _, v := range all[rec.Topic] {
			b, err := fx.serde.Encode(rec.Topic, v)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, topic uint8, b []byte) {
		rec := records[int(topic)%len(records)]
		var generic any
		for _, v := range []any{newOf(all[rec.Topic][0]), &generic} {
			err := fx.serde.Decode(context.Background(), rec.Topic, b, v)
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownSchema) {
				t.Fatalf("Decode %s into %T = %v, want ErrMalformed or ErrUnknownSchema", rec.Topic, v, err)
			}
		}
	})
}
