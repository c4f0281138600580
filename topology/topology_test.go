package topology

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTopicsMatchDesign(t *testing.T) {
	t.Parallel()
	const d = 24 * time.Hour
	cases := []struct {
		name       string
		partitions int32
		cleanup    string
		retention  time.Duration // 0: no retention.ms declared
		deadLetter string
	}{
		{"aurum.curve.observation.v1", 12, "delete", 7 * d, "aurum.curve.observation.dlq.v1"},
		{"aurum.iso.lmp.v1", 12, "delete", 30 * d, "aurum.iso.lmp.dlq.v1"},
		{"aurum.iso.load.v1", 6, "delete", 30 * d, "aurum.iso.load.dlq.v1"},
		{"aurum.ext.timeseries.obs.v1", 12, "delete", 60 * d, "aurum.ext.timeseries.obs.dlq.v1"},
		{"aurum.ext.series_catalog.upsert.v1", 3, "compact", 0, "aurum.ext.series_catalog.upsert.dlq.v1"},
		{"aurum.collector.checkpoint.v1", 3, "compact", 0, ""},
		{"aurum.scenario.request.v1", 12, "delete", 7 * d, "aurum.scenario.request.dlq.v1"},
		{"aurum.scenario.run.v1", 12, "delete", 30 * d, ""},
		{"aurum.scenario.output.v1", 12, "delete", 7 * d, ""},
		{"aurum.curve.observation.dlq.v1", 3, "delete", 30 * d, ""},
		{"aurum.iso.lmp.dlq.v1", 3, "delete", 30 * d, ""},
		{"aurum.iso.load.dlq.v1", 3, "delete", 30 * d, ""},
		{"aurum.ext.timeseries.obs.dlq.v1", 3, "delete", 30 * d, ""},
		{"aurum.ext.series_catalog.upsert.dlq.v1", 3, "delete", 30 * d, ""},
		{"aurum.scenario.request.dlq.v1", 3, "delete", 30 * d, ""},
	}
	if got := len(Topics()); got != len(cases) {
		t.Errorf("Topics() declares %d topics, docs/CONTRACTS.md#topics has %d", got, len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			topic, ok := Lookup(tc.name)
			if !ok {
				t.Fatalf("Lookup(%q): not declared", tc.name)
			}
			if topic.Partitions != tc.partitions {
				t.Errorf("partitions = %d, want %d", topic.Partitions, tc.partitions)
			}
			if topic.ReplicationFactor != DefaultReplicationFactor {
				t.Errorf("replication factor = %d, want broker default (-1)", topic.ReplicationFactor)
			}
			if got := topic.Configs[ConfigCleanupPolicy]; got != tc.cleanup {
				t.Errorf("cleanup.policy = %q, want %q", got, tc.cleanup)
			}
			got, declared := topic.Configs[ConfigRetentionMs]
			switch {
			case tc.retention == 0 && declared:
				t.Errorf("retention.ms = %q declared on a compacted topic", got)
			case tc.retention != 0 && got != strconv.FormatInt(tc.retention.Milliseconds(), 10):
				t.Errorf("retention.ms = %q, want %d", got, tc.retention.Milliseconds())
			}
			wantKeys := 1
			if tc.retention != 0 {
				wantKeys = 2
			}
			if len(topic.Configs) != wantKeys {
				t.Errorf("configs = %v, want only cleanup.policy and retention.ms", topic.Configs)
			}
			if topic.DeadLetter != tc.deadLetter {
				t.Errorf("DeadLetter = %q, want %q", topic.DeadLetter, tc.deadLetter)
			}
		})
	}
}

func TestTopicNames(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for _, topic := range Topics() {
		if !NamePattern.MatchString(topic.Name) {
			t.Errorf("%q does not match %s", topic.Name, NamePattern)
		}
		if seen[topic.Name] {
			t.Errorf("%q declared twice", topic.Name)
		}
		seen[topic.Name] = true
	}
}

// Every topic a group reads has a declared dead-letter topic, and only those
// topics have one.
func TestGroupsAndDeadLetters(t *testing.T) {
	t.Parallel()
	read := make(map[string]bool)
	names := make(map[string]bool)
	for _, g := range Groups() {
		if names[g.Name] {
			t.Errorf("group %q declared twice", g.Name)
		}
		names[g.Name] = true
		if !strings.HasPrefix(g.Name, "aurum-") || g.Name == "aurum-" {
			t.Errorf("group %q is not aurum-<name>", g.Name)
		}
		if len(g.Topics) == 0 {
			t.Errorf("group %q reads no topic", g.Name)
		}
		for _, name := range g.Topics {
			read[name] = true
			topic, ok := Lookup(name)
			if !ok {
				t.Errorf("group %q reads undeclared topic %q", g.Name, name)
				continue
			}
			if topic.IsDeadLetter() {
				t.Errorf("group %q reads dead-letter topic %q", g.Name, name)
			}
		}
	}
	for _, topic := range Topics() {
		if topic.IsDeadLetter() {
			continue
		}
		if hasDLQ := topic.DeadLetter != ""; hasDLQ != read[topic.Name] {
			t.Errorf("%q: has dead-letter topic = %v, read by a group = %v", topic.Name, hasDLQ, read[topic.Name])
		}
		if topic.DeadLetter == "" {
			continue
		}
		if want := DeadLetterTopic(topic.Name); topic.DeadLetter != want {
			t.Errorf("%q: DeadLetter = %q, naming rule gives %q", topic.Name, topic.DeadLetter, want)
		}
		if dlq, ok := Lookup(topic.DeadLetter); !ok || !dlq.IsDeadLetter() {
			t.Errorf("%q: dead-letter topic %q not declared as one", topic.Name, topic.DeadLetter)
		}
	}
	for _, want := range []string{GroupCurveMaterializer, GroupIsoMaterializer, GroupSeriesMaterializer, GroupCatalogMaterializer, GroupScenarioWorker} {
		if _, ok := LookupGroup(want); !ok {
			t.Errorf("group %q not declared", want)
		}
	}
}

func TestDeadLetterTopic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, topic, want string
	}{
		{"v1 topic", "aurum.curve.observation.v1", "aurum.curve.observation.dlq.v1"},
		{"keeps the version", "aurum.iso.lmp.v2", "aurum.iso.lmp.dlq.v2"},
		{"underscore in name", "aurum.ext.series_catalog.upsert.v1", "aurum.ext.series_catalog.upsert.dlq.v1"},
		{"multi-digit version", "aurum.scenario.request.v12", "aurum.scenario.request.dlq.v12"},
		{"dead-letter topic has none", "aurum.curve.observation.dlq.v1", ""},
		{"no version suffix", "aurum.curve.observation", ""},
		{"only a version", ".v1", ""},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DeadLetterTopic(tc.topic); got != tc.want {
				t.Errorf("DeadLetterTopic(%q) = %q, want %q", tc.topic, got, tc.want)
			}
		})
	}
}

func TestLookupReturnsCopies(t *testing.T) {
	t.Parallel()
	if _, ok := Lookup("aurum.nope.v1"); ok {
		t.Error("Lookup of an undeclared topic reported ok")
	}
	topic, _ := Lookup(TopicIsoLmp)
	topic.Configs[ConfigRetentionMs] = "1"
	Topics()[0].Configs[ConfigCleanupPolicy] = "compact"
	Groups()[0].Topics[0] = "mutated"
	if again, _ := Lookup(TopicIsoLmp); again.Configs[ConfigRetentionMs] == "1" {
		t.Error("mutating a looked-up topic changed the declaration")
	}
	if Topics()[0].Configs[ConfigCleanupPolicy] != CleanupDelete {
		t.Error("mutating Topics() changed the declaration")
	}
	if Groups()[0].Topics[0] == "mutated" {
		t.Error("mutating Groups() changed the declaration")
	}
}
