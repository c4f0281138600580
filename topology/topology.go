// Package topology declares every Kafka topic and consumer group of Aurum
// (docs/CONTRACTS.md#topics) exactly once, and applies or diffs that declaration against a
// cluster through kadm.
//
// It is the source of truth for topic names: other packages (schemas,
// producers, consumers) refer to the constants declared here or are
// reconciled against them.
//
// Dead-letter topics exist for the record topics that a consumer group of
// Aurum reads, because only a group has somewhere to park a record it cannot
// process. Three record topics have none:
//   - aurum.collector.checkpoint.v1 is read back by its own collector at
//     start-up by partition, not by a group; a checkpoint that cannot be read
//     is a start-up error of that collector, not a record to park.
//   - aurum.scenario.run.v1 and aurum.scenario.output.v1 are published for
//     subscribers (clients, and the API's server-sent events, which read
//     without a group because every API instance needs every event).
package topology

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Record topics of docs/CONTRACTS.md#topics.
const (
	TopicCurveObservation    = "aurum.curve.observation.v1"
	TopicIsoLmp              = "aurum.iso.lmp.v1"
	TopicIsoLoad             = "aurum.iso.load.v1"
	TopicExtTimeseriesObs    = "aurum.ext.timeseries.obs.v1"
	TopicExtSeriesCatalog    = "aurum.ext.series_catalog.upsert.v1"
	TopicCollectorCheckpoint = "aurum.collector.checkpoint.v1"
	TopicScenarioRequest     = "aurum.scenario.request.v1"
	TopicScenarioRun         = "aurum.scenario.run.v1"
	TopicScenarioOutput      = "aurum.scenario.output.v1"
)

// Dead-letter topics, one per record topic read by a consumer group. Records
// keep their original key and value bytes and carry aurum.error.* headers.
const (
	TopicCurveObservationDLQ = "aurum.curve.observation.dlq.v1"
	TopicIsoLmpDLQ           = "aurum.iso.lmp.dlq.v1"
	TopicIsoLoadDLQ          = "aurum.iso.load.dlq.v1"
	TopicExtTimeseriesObsDLQ = "aurum.ext.timeseries.obs.dlq.v1"
	TopicExtSeriesCatalogDLQ = "aurum.ext.series_catalog.upsert.dlq.v1"
	TopicScenarioRequestDLQ  = "aurum.scenario.request.dlq.v1"
)

// Consumer groups of Aurum.
const (
	// GroupCurveMaterializer writes curve observations to the curve tables.
	GroupCurveMaterializer = "aurum-curve-materializer"
	// GroupIsoMaterializer writes ISO LMP and load records.
	GroupIsoMaterializer = "aurum-iso-materializer"
	// GroupSeriesMaterializer writes external time-series observations.
	GroupSeriesMaterializer = "aurum-series-materializer"
	// GroupCatalogMaterializer writes the external series catalog. It is a
	// group of its own so that a backlog of observations never delays
	// catalog updates, and the other way round.
	GroupCatalogMaterializer = "aurum-catalog-materializer"
	// GroupScenarioWorker executes scenario run requests.
	GroupScenarioWorker = "aurum-scenario-worker"
)

// Config keys that Aurum declares per topic and checks for drift.
const (
	ConfigCleanupPolicy = "cleanup.policy"
	ConfigRetentionMs   = "retention.ms"
)

// Cleanup policies.
const (
	CleanupDelete  = "delete"
	CleanupCompact = "compact"
)

// DefaultReplicationFactor asks the broker for its default replication
// factor (KIP-464), so one declaration works on a one-broker dev cluster and
// on a production cluster alike.
const DefaultReplicationFactor int16 = -1

// deadLetterPartitions is the partition count of every dead-letter topic:
// they carry little traffic and are read by people and replay tools.
const deadLetterPartitions = 3

// NamePattern is what every topic name must match (docs/CONTRACTS.md#topics).
var NamePattern = regexp.MustCompile(`^aurum\.[a-z0-9_.]+\.v[0-9]+$`)

var versionSuffix = regexp.MustCompile(`\.v[0-9]+$`)

// Topic is one declared topic.
type Topic struct {
	// Name is the full topic name, e.g. aurum.curve.observation.v1.
	Name string
	// Partitions is the declared partition count. Apply creates topics with
	// it and reports any other count as drift; it never changes it.
	Partitions int32
	// ReplicationFactor is the replication factor topics are created with;
	// DefaultReplicationFactor (-1) leaves it to the broker. A positive value
	// is also checked for drift.
	ReplicationFactor int16
	// Configs are the topic-level configs Aurum owns (cleanup.policy and,
	// for delete topics, retention.ms). Other configs are left to the
	// cluster and never reported.
	Configs map[string]string
	// DeadLetter names the dead-letter topic of this topic, or is empty if
	// no consumer group reads the topic (see the package documentation).
	DeadLetter string
}

// IsDeadLetter reports whether t is a dead-letter topic.
func (t Topic) IsDeadLetter() bool {
	return strings.HasSuffix(versionSuffix.ReplaceAllString(t.Name, ""), ".dlq")
}

// Group is one declared consumer group and the topics it reads.
type Group struct {
	Name   string
	Topics []string
}

func retention(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10)
}

const day = 24 * time.Hour

func deleteAfter(d time.Duration) map[string]string {
	return map[string]string{ConfigCleanupPolicy: CleanupDelete, ConfigRetentionMs: retention(d)}
}

func compacted() map[string]string {
	return map[string]string{ConfigCleanupPolicy: CleanupCompact}
}

// recordTopics is docs/CONTRACTS.md#topics in table order; dead-letter topics are derived
// from the DeadLetter fields.
var recordTopics = []Topic{
	{Name: TopicCurveObservation, Partitions: 12, Configs: deleteAfter(7 * day), DeadLetter: TopicCurveObservationDLQ},
	{Name: TopicIsoLmp, Partitions: 12, Configs: deleteAfter(30 * day), DeadLetter: TopicIsoLmpDLQ},
	{Name: TopicIsoLoad, Partitions: 6, Configs: deleteAfter(30 * day), DeadLetter: TopicIsoLoadDLQ},
	{Name: TopicExtTimeseriesObs, Partitions: 12, Configs: deleteAfter(60 * day), DeadLetter: TopicExtTimeseriesObsDLQ},
	{Name: TopicExtSeriesCatalog, Partitions: 3, Configs: compacted(), DeadLetter: TopicExtSeriesCatalogDLQ},
	{Name: TopicCollectorCheckpoint, Partitions: 3, Configs: compacted()},
	{Name: TopicScenarioRequest, Partitions: 12, Configs: deleteAfter(7 * day), DeadLetter: TopicScenarioRequestDLQ},
	{Name: TopicScenarioRun, Partitions: 12, Configs: deleteAfter(30 * day)},
	{Name: TopicScenarioOutput, Partitions: 12, Configs: deleteAfter(7 * day)},
}

var groups = []Group{
	{Name: GroupCurveMaterializer, Topics: []string{TopicCurveObservation}},
	{Name: GroupIsoMaterializer, Topics: []string{TopicIsoLmp, TopicIsoLoad}},
	{Name: GroupSeriesMaterializer, Topics: []string{TopicExtTimeseriesObs}},
	{Name: GroupCatalogMaterializer, Topics: []string{TopicExtSeriesCatalog}},
	{Name: GroupScenarioWorker, Topics: []string{TopicScenarioRequest}},
}

// allTopics is built once from recordTopics: every record topic, then every
// dead-letter topic in the same order.
var allTopics = func() []Topic {
	all := make([]Topic, 0, 2*len(recordTopics))
	for _, t := range recordTopics {
		t.ReplicationFactor = DefaultReplicationFactor
		all = append(all, t)
	}
	for _, t := range recordTopics {
		if t.DeadLetter == "" {
			continue
		}
		all = append(all, Topic{
			Name:              t.DeadLetter,
			Partitions:        deadLetterPartitions,
			ReplicationFactor: DefaultReplicationFactor,
			Configs:           deleteAfter(30 * day),
		})
	}
	return all
}()

func (t Topic) clone() Topic {
	t.Configs = maps.Clone(t.Configs)
	return t
}

// Topics returns every declared topic: the record topics in docs/CONTRACTS.md#topics order,
// then their dead-letter topics. The result is a copy the caller may modify.
func Topics() []Topic {
	out := make([]Topic, len(allTopics))
	for i, t := range allTopics {
		out[i] = t.clone()
	}
	return out
}

// Lookup returns the declared topic with the given name.
func Lookup(name string) (Topic, bool) {
	for _, t := range allTopics {
		if t.Name == name {
			return t.clone(), true
		}
	}
	return Topic{}, false
}

// Groups returns every declared consumer group with the topics it reads. The
// result is a copy the caller may modify.
func Groups() []Group {
	out := make([]Group, len(groups))
	for i, g := range groups {
		out[i] = Group{Name: g.Name, Topics: slices.Clone(g.Topics)}
	}
	return out
}

// LookupGroup returns the declared consumer group with the given name.
func LookupGroup(name string) (Group, bool) {
	for _, g := range groups {
		if g.Name == name {
			return Group{Name: g.Name, Topics: slices.Clone(g.Topics)}, true
		}
	}
	return Group{}, false
}

// DeadLetterTopic derives the dead-letter topic name of a topic by the naming
// rule of docs/CONTRACTS.md#topics: the topic minus its version suffix, then ".dlq", then
// the same version ("aurum.curve.observation.v1" becomes
// "aurum.curve.observation.dlq.v1"). It is a pure naming function: it returns
// "" for a name without a version suffix and for a dead-letter topic, and does
// not say whether the result is declared — use Lookup(topic).DeadLetter for
// that.
func DeadLetterTopic(topic string) string {
	loc := versionSuffix.FindStringIndex(topic)
	if loc == nil || loc[0] == 0 {
		return ""
	}
	base, version := topic[:loc[0]], topic[loc[0]:]
	if strings.HasSuffix(base, ".dlq") {
		return ""
	}
	return base + ".dlq" + version
}
