// Package schemas is Aurum's data contract: the Avro schema (.avsc) of every
// record published to Kafka, the topic and registry subject each record
// travels on, and the Go types producers and consumers encode and decode.
//
// The .avsc files in this directory are the source of truth. Every earlier
// version of a schema is kept under history/<RecordName>/vN.avsc so that
// Check can refuse a change that would stop today's readers from reading
// yesterday's records.
package schemas

import (
	"embed"
	"reflect"
	"strings"

	"github.com/aurum-energy/aurum/topology"
)

//go:embed *.avsc
var avscFS embed.FS

//go:embed history
var historyFS embed.FS

// Record ties one Avro record to the topic it is published on.
type Record struct {
	// Name is the Avro full name, e.g. aurum.curve.CurveObservation.
	Name string
	// Topic is the Kafka topic carrying the record as its value.
	Topic string
	// Subject is the registry subject of the value (topic-name strategy).
	Subject string
	// Schema is the .avsc text, the reader schema of today's code.
	Schema string
	// Type is the Go struct the record encodes from and decodes into.
	Type reflect.Type
}

// ShortName is the record name without its namespace, e.g. CurveObservation;
// it names the record's directory under history/.
func (r Record) ShortName() string {
	return r.Name[strings.LastIndexByte(r.Name, '.')+1:]
}

// SubjectFor returns the value subject of a topic under the topic-name strategy.
func SubjectFor(topic string) string { return topic + "-value" }

var catalog = []struct {
	name, topic, file string
	typ               reflect.Type
}{
	{"aurum.curve.CurveObservation", topology.TopicCurveObservation, "curve_observation.avsc", reflect.TypeFor[CurveObservation]()},
	{"aurum.iso.IsoLmpRecord", topology.TopicIsoLmp, "iso_lmp_record.avsc", reflect.TypeFor[IsoLmpRecord]()},
	{"aurum.iso.IsoLoadRecord", topology.TopicIsoLoad, "iso_load_record.avsc", reflect.TypeFor[IsoLoadRecord]()},
	{"aurum.external.ExtTimeseriesObservation", topology.TopicExtTimeseriesObs, "ext_timeseries_observation.avsc", reflect.TypeFor[ExtTimeseriesObservation]()},
	{"aurum.external.ExtSeriesCatalogUpsert", topology.TopicExtSeriesCatalog, "ext_series_catalog_upsert.avsc", reflect.TypeFor[ExtSeriesCatalogUpsert]()},
	{"aurum.ops.CollectorCheckpoint", topology.TopicCollectorCheckpoint, "collector_checkpoint.avsc", reflect.TypeFor[CollectorCheckpoint]()},
	{"aurum.scenario.ScenarioRequest", topology.TopicScenarioRequest, "scenario_request.avsc", reflect.TypeFor[ScenarioRequest]()},
	{"aurum.scenario.RunEvent", topology.TopicScenarioRun, "run_event.avsc", reflect.TypeFor[RunEvent]()},
	{"aurum.scenario.ScenarioOutput", topology.TopicScenarioOutput, "scenario_output.avsc", reflect.TypeFor[ScenarioOutput]()},
}

var records = func() []Record {
	out := make([]Record, 0, len(catalog))
	for _, c := range catalog {
		b, err := avscFS.ReadFile(c.file)
		if err != nil {
			// The files are embedded at build time; a missing one is a
			// broken build, caught by the package's tests.
			panic("schemas: " + err.Error())
		}
		out = append(out, Record{
			Name:    c.name,
			Topic:   c.topic,
			Subject: SubjectFor(c.topic),
			Schema:  string(b),
			Type:    c.typ,
		})
	}
	return out
}()

// Records returns every record of the contract, in docs/CONTRACTS.md#topics topic order.
// The slice is the caller's to modify.
func Records() []Record {
	return append([]Record(nil), records...)
}

// ForTopic returns the record published on topic.
func ForTopic(topic string) (Record, bool) {
	for _, r := range records {
		if r.Topic == topic {
			return r, true
		}
	}
	return Record{}, false
}

// ForName returns the record with the given Avro full name.
func ForName(name string) (Record, bool) {
	for _, r := range records {
		if r.Name == name {
			return r, true
		}
	}
	return Record{}, false
}
