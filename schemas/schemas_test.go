package schemas

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/aurum-energy/aurum/internal/avrocompat"
	"github.com/aurum-energy/aurum/topology"
)

var topicName = regexp.MustCompile(`^aurum\.[a-z0-9_.]+\.v[0-9]+$`)

func TestRecordsMatchTheirSchemas(t *testing.T) {
	t.Parallel()
	recs := Records()
	if len(recs) != 9 {
		t.Fatalf("Records() = %d records, want 9", len(recs))
	}
	for _, r := range recs {
		t.Run(r.ShortName(), func(t *testing.T) {
			t.Parallel()
			s, err := avro.ParseWithCache(r.Schema, "", &avro.SchemaCache{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			rs, ok := s.(*avro.RecordSchema)
			if !ok || rs.FullName() != r.Name {
				t.Fatalf("schema is %T %v, want record %s", s, s, r.Name)
			}
			if !topicName.MatchString(r.Topic) || r.Subject != r.Topic+"-value" {
				t.Errorf("topic %q subject %q", r.Topic, r.Subject)
			}
			if got, ok := ForTopic(r.Topic); !ok || got.Name != r.Name {
				t.Errorf("ForTopic(%s) = %v, %v", r.Topic, got.Name, ok)
			}
			if got, ok := ForName(r.Name); !ok || got.Topic != r.Topic {
				t.Errorf("ForName(%s) = %v, %v", r.Name, got.Topic, ok)
			}

			// Every Avro field has a tagged Go field and vice versa.
			tags := map[string]bool{}
			for i := range r.Type.NumField() {
				tags[r.Type.Field(i).Tag.Get("avro")] = true
			}
			for _, f := range rs.Fields() {
				if !tags[f.Name()] {
					t.Errorf("%s has no Go field tagged avro:%q", r.Type, f.Name())
				}
				delete(tags, f.Name())
			}
			for tag := range tags {
				t.Errorf("%s field tagged avro:%q is not in the schema", r.Type, tag)
			}

			// The zero value of the Go type encodes (enum fields need a
			// symbol, so only check that encoding reaches them).
			v := reflect.New(r.Type).Interface()
			if _, err := avro.Marshal(s, v); err != nil && !strings.Contains(err.Error(), "unknown enum symbol") {
				t.Errorf("marshal zero %s: %v", r.Type, err)
			}
		})
	}
	if _, ok := ForTopic("aurum.nope.v1"); ok {
		t.Error("ForTopic(unknown) found a record")
	}
}

func TestCheckPassesOnRepository(t *testing.T) {
	t.Parallel()
	if err := Check(context.Background(), nil); err != nil {
		t.Fatalf("Check:\n%v", err)
	}
}

func TestCheckDocsReportsEveryMissingDoc(t *testing.T) {
	t.Parallel()
	const schema = `{
	  "type": "record", "name": "Thing", "namespace": "aurum.test",
	  "fields": [
	    {"name": "ok", "type": "string", "doc": "documented"},
	    {"name": "bare", "type": "string"},
	    {"name": "color", "doc": "a color", "type": {"type": "enum", "name": "Color", "symbols": ["RED"]}},
	    {"name": "parts", "doc": "parts", "type": {"type": "array", "items": {
	      "type": "record", "name": "Part", "doc": "a part",
	      "fields": [{"name": "n", "type": "int"}]}}},
	    {"name": "maybe", "doc": "opt", "default": null, "type": ["null", {
	      "type": "record", "name": "Inner", "namespace": "aurum.other",
	      "fields": [{"name": "x", "type": "int", "doc": " "}]}]}
	  ]
	}`
	err := CheckDocs(schema)
	if !errors.Is(err, ErrMissingDoc) {
		t.Fatalf("CheckDocs = %v, want ErrMissingDoc", err)
	}
	for _, want := range []string{
		"record aurum.test.Thing",
		"field aurum.test.Thing.bare",
		"enum aurum.test.Color",
		"field aurum.test.Part.n",
		"record aurum.other.Inner",
		"field aurum.other.Inner.x",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckDocs error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 6 {
		t.Errorf("CheckDocs reported %d problems, want 6:\n%v", n, err)
	}
	if err := CheckDocs(records[0].Schema); err != nil {
		t.Errorf("CheckDocs(CurveObservation) = %v", err)
	}
}

const (
	thingV1 = `{"type": "record", "name": "Thing", "namespace": "aurum.test", "doc": "t",
	  "fields": [{"name": "a", "type": "string", "doc": "a"}]}`
	// thingOptional adds a field with a default: readable from v1 data.
	thingOptional = `{"type": "record", "name": "Thing", "namespace": "aurum.test", "doc": "t",
	  "fields": [{"name": "a", "type": "string", "doc": "a"},
	             {"name": "b", "type": ["null", "string"], "default": null, "doc": "b"}]}`
	// thingRequired adds a field without a default: v1 data lacks it.
	thingRequired = `{"type": "record", "name": "Thing", "namespace": "aurum.test", "doc": "t",
	  "fields": [{"name": "a", "type": "string", "doc": "a"},
	             {"name": "b", "type": "string", "doc": "b"}]}`
)

func TestCheckComparesWithHistory(t *testing.T) {
	t.Parallel()
	thing := func(schema string) []Record {
		return []Record{{Name: "aurum.test.Thing", Topic: "aurum.test.thing.v1", Subject: "aurum.test.thing.v1-value", Schema: schema}}
	}
	tests := []struct {
		name    string
		current string
		history fstest.MapFS
		want    []error // nil: passes
	}{
		{
			name:    "unchanged",
			current: thingV1,
			history: fstest.MapFS{"history/Thing/v1.avsc": {Data: []byte(thingV1)}},
		},
		{
			name:    "compatible change recorded as v2",
			current: thingOptional,
			history: fstest.MapFS{
				"history/Thing/v1.avsc": {Data: []byte(thingV1)},
				"history/Thing/v2.avsc": {Data: []byte(thingOptional)},
			},
		},
		{
			name:    "compatible change not recorded",
			current: thingOptional,
			history: fstest.MapFS{"history/Thing/v1.avsc": {Data: []byte(thingV1)}},
			want:    []error{ErrUnrecorded},
		},
		{
			name:    "incompatible change recorded as v2",
			current: thingRequired,
			history: fstest.MapFS{
				"history/Thing/v1.avsc": {Data: []byte(thingV1)},
				"history/Thing/v2.avsc": {Data: []byte(thingRequired)},
			},
			want: []error{avrocompat.ErrIncompatible},
		},
		{
			name:    "incompatible change not recorded",
			current: thingRequired,
			history: fstest.MapFS{"history/Thing/v1.avsc": {Data: []byte(thingV1)}},
			want:    []error{avrocompat.ErrIncompatible, ErrUnrecorded},
		},
		{
			name:    "no history",
			current: thingV1,
			history: fstest.MapFS{},
			want:    []error{ErrUnrecorded},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := check(context.Background(), thing(tc.current), tc.history, nil)
			if tc.want == nil && err != nil {
				t.Fatalf("check = %v, want nil", err)
			}
			if tc.want != nil && err == nil {
				t.Fatalf("check = nil, want %v", tc.want)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("check = %v, want it to wrap %v", err, w)
				}
			}
		})
	}
}

func TestCheckAgainstRegistry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	c, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}

	ids, err := Register(ctx, c)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if len(ids) != len(records) {
		t.Fatalf("Register returned %d IDs, want %d", len(ids), len(records))
	}
	again, err := Register(ctx, c)
	if err != nil || !reflect.DeepEqual(again, ids) {
		t.Fatalf("second Register = %v, %v; want %v", again, err, ids)
	}
	if err := Check(ctx, c); err != nil {
		t.Fatalf("Check after Register: %v", err)
	}

	// Someone registered a RunEvent whose attempt is a string: today's
	// reader (int) cannot read its records.
	bad := strings.Replace(records[7].Schema, `"name": "attempt", "type": "int"`, `"name": "attempt", "type": "string"`, 1)
	if bad == records[7].Schema {
		t.Fatal("test schema edit did not apply")
	}
	if _, _, err := reg.RegisterSchema(SubjectFor(topology.TopicScenarioRun), sr.Schema{Schema: bad}); err != nil {
		t.Fatal(err)
	}
	err = Check(ctx, c)
	if !errors.Is(err, avrocompat.ErrIncompatible) || !strings.Contains(err.Error(), "aurum.scenario.RunEvent") {
		t.Fatalf("Check = %v, want RunEvent incompatible", err)
	}

	// NONE on the subject accepts anything.
	if err := reg.SetCompat(SubjectFor(topology.TopicScenarioRun), sr.CompatNone); err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, c); err != nil {
		t.Fatalf("Check with NONE: %v", err)
	}
}

// Every record topic is declared in the topology, and every declared topic
// that is not a dead-letter topic carries one record type.
func TestRecordsMatchTopology(t *testing.T) {
	t.Parallel()
	byTopic := map[string]string{}
	for _, r := range Records() {
		if _, ok := topology.Lookup(r.Topic); !ok {
			t.Errorf("%s is published on %s, which topology does not declare", r.Name, r.Topic)
		}
		byTopic[r.Topic] = r.Name
	}
	for _, topic := range topology.Topics() {
		if _, ok := byTopic[topic.Name]; !ok && !topic.IsDeadLetter() {
			t.Errorf("topic %s carries no record of the contract", topic.Name)
		}
	}
}

// The symbol lists of types.go are those of the .avsc enums.
func TestSymbolListsMatchTheSchemas(t *testing.T) {
	t.Parallel()
	enums := map[string][]string{}
	for _, r := range Records() {
		s, err := avro.ParseWithCache(r.Schema, "", &avro.SchemaCache{})
		if err != nil {
			t.Fatal(err)
		}
		collectEnums(s, enums)
	}
	for _, tc := range []struct {
		enum string
		want []string
	}{
		{"aurum.curve.AssetClass", Symbols(AssetClasses)},
		{"aurum.curve.PriceType", Symbols(PriceTypes)},
		{"aurum.curve.TenorType", Symbols(TenorTypes)},
		{"aurum.iso.IsoCode", Symbols(append(IsoCodes[:len(IsoCodes):len(IsoCodes)], IsoUnknown))},
	} {
		if got := enums[tc.enum]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s symbols %v, types.go lists %v", tc.enum, got, tc.want)
		}
	}
}

// collectEnums adds the symbols of every enum in s, by full name, to out.
func collectEnums(s avro.Schema, out map[string][]string) {
	switch s := s.(type) {
	case *avro.EnumSchema:
		out[s.FullName()] = s.Symbols()
	case *avro.RecordSchema:
		for _, f := range s.Fields() {
			collectEnums(f.Type(), out)
		}
	case *avro.UnionSchema:
		for _, u := range s.Types() {
			collectEnums(u, out)
		}
	case *avro.ArraySchema:
		collectEnums(s.Items(), out)
	case *avro.MapSchema:
		collectEnums(s.Values(), out)
	}
}
