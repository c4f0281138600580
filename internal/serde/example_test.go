package serde_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// A record goes onto its topic as the magic byte 0, the ID its schema has
// in the registry and the Avro body; any Confluent client reads it, and
// Decode reads back what any of them wrote. An in-memory registry stands in
// for Confluent's here; New registers the record schemas it lacks.
func Example() {
	ctx := context.Background()
	registry := srfake.New()
	defer registry.Close()
	client, err := sr.NewClient(sr.URLs(registry.URL()))
	if err != nil {
		panic(err)
	}
	s, err := serde.New(ctx, client, nil)
	if err != nil {
		panic(err)
	}

	settle := 3.125
	obs := schemas.CurveObservation{
		AsofDate:    time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC),
		CurveKey:    "henry-hub-cal",
		AssetClass:  schemas.AssetClassGas,
		PriceType:   schemas.PriceTypeSettle,
		TenorType:   schemas.TenorCalendar,
		TenorLabel:  "Cal 2027",
		Value:       &settle,
		UnitsRaw:    "USD/MMBtu",
		VersionHash: "v1",
		IngestTS:    time.Date(2026, 3, 13, 18, 0, 0, 0, time.UTC),
	}
	value, err := s.Encode(topology.TopicCurveObservation, obs)
	if err != nil {
		panic(err)
	}
	id, _ := s.SchemaID(topology.TopicCurveObservation)
	fmt.Printf("magic byte %d, schema ID %d (SchemaID: %d)\n", value[0], binary.BigEndian.Uint32(value[1:5]), id)

	var got schemas.CurveObservation
	if err := s.Decode(ctx, topology.TopicCurveObservation, value, &got); err != nil {
		panic(err)
	}
	fmt.Println(got.CurveKey, got.TenorLabel, *got.Value, got.UnitsRaw)

	// Bytes no schema can read fail with ErrMalformed: a dead letter, not
	// a reason to retry.
	err = s.Decode(ctx, topology.TopicCurveObservation, []byte("not avro"), &got)
	fmt.Println(errors.Is(err, serde.ErrMalformed))
	// Output:
	// magic byte 0, schema ID 1 (SchemaID: 1)
	// henry-hub-cal Cal 2027 3.125 USD/MMBtu
	// true
}
