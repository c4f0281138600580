package topology

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newAdmin starts an in-process one-broker cluster without automatic topic
// creation and returns an admin client for it.
func newAdmin(t *testing.T) *kadm.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func declaredNames() []string {
	var names []string
	for _, t := range Topics() {
		names = append(names, t.Name)
	}
	return names
}

// createTopic pre-creates a topic the way an operator might have, bypassing
// the declaration.
func createTopic(ctx context.Context, t *testing.T, adm *kadm.Client, name string, partitions int32, configs map[string]string) {
	t.Helper()
	if _, err := adm.CreateTopic(ctx, partitions, -1, configPtrs(configs), name); err != nil {
		t.Fatalf("pre-create %s: %v", name, err)
	}
}

// requireOnCluster checks partitions and owned configs of every declared
// topic as the broker reports them. Configs must be dynamic topic configs:
// a broker default that happens to equal the declared value (kfake's 7 d
// retention) does not count as applied.
func requireOnCluster(ctx context.Context, t *testing.T, adm *kadm.Client) {
	t.Helper()
	details, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	if got, want := details.Names(), slices.Sorted(slices.Values(declaredNames())); !slices.Equal(got, want) {
		t.Fatalf("topics on cluster = %v, want %v", got, want)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, declaredNames()...)
	if err != nil {
		t.Fatalf("DescribeTopicConfigs: %v", err)
	}
	for _, topic := range Topics() {
		if got := int32(len(details[topic.Name].Partitions)); got != topic.Partitions {
			t.Errorf("%s: %d partitions, want %d", topic.Name, got, topic.Partitions)
		}
		rc, err := configs.On(topic.Name, nil)
		if err != nil || rc.Err != nil {
			t.Errorf("%s: configs: %v %v", topic.Name, err, rc.Err)
			continue
		}
		for key, want := range topic.Configs {
			i := slices.IndexFunc(rc.Configs, func(c kadm.Config) bool { return c.Key == key })
			if i < 0 {
				t.Errorf("%s: %s not reported", topic.Name, key)
				continue
			}
			c := rc.Configs[i]
			if c.MaybeValue() != want || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
				t.Errorf("%s: %s = %q (source %v), want %q set on the topic", topic.Name, key, c.MaybeValue(), c.Source, want)
			}
		}
	}
}

func TestApplyOnEmptyClusterCreatesEverything(t *testing.T) {
	t.Parallel()
	ctx, adm := testContext(t), newAdmin(t)

	rep, err := Apply(ctx, adm)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(rep.Created, declaredNames()) {
		t.Errorf("Created = %v, want every declared topic %v", rep.Created, declaredNames())
	}
	if !rep.InSync() {
		t.Errorf("drift after creating everything:\n%s", rep)
	}
	requireOnCluster(ctx, t, adm)

	again, err := Apply(ctx, adm)
	if err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if len(again.Created) != 0 || len(again.Fixed) != 0 || !again.InSync() {
		t.Errorf("second Apply did something:\n%s", again)
	}
	diff, err := Diff(ctx, adm)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if !diff.InSync() {
		t.Errorf("Diff after Apply:\n%s", diff)
	}
}

func TestDiffOnEmptyClusterReportsEveryTopicMissing(t *testing.T) {
	t.Parallel()
	ctx, adm := testContext(t), newAdmin(t)

	rep, err := Diff(ctx, adm)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	var want []Drift
	for _, name := range declaredNames() {
		want = append(want, Drift{Topic: name, Kind: DriftMissing})
	}
	if !slices.Equal(rep.Drift, want) || len(rep.Created) != 0 {
		t.Errorf("Diff = %+v, want every topic missing", rep)
	}
	details, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	if len(details) != 0 {
		t.Errorf("Diff created topics: %v", details.Names())
	}
}

// A topic that exists but differs from its declaration is reported and left
// as it is; every other topic is created.
func TestApplyReportsDriftAndLeavesItAlone(t *testing.T) {
	t.Parallel()
	const week, month = "604800000", "2592000000"
	cases := []struct {
		name       string
		topic      string
		partitions int32
		configs    map[string]string
		want       []Drift
	}{
		{
			name: "fewer partitions", topic: TopicCurveObservation, partitions: 6,
			configs: map[string]string{"cleanup.policy": "delete", "retention.ms": week},
			want:    []Drift{{Topic: TopicCurveObservation, Kind: DriftPartitions, Want: "12", Have: "6"}},
		},
		{
			name: "more partitions", topic: TopicIsoLoad, partitions: 12,
			configs: map[string]string{"cleanup.policy": "delete", "retention.ms": month},
			want:    []Drift{{Topic: TopicIsoLoad, Kind: DriftPartitions, Want: "6", Have: "12"}},
		},
		{
			name: "shorter retention", topic: TopicIsoLmp, partitions: 12,
			configs: map[string]string{"cleanup.policy": "delete", "retention.ms": week},
			want:    []Drift{{Topic: TopicIsoLmp, Kind: DriftConfig, Config: "retention.ms", Want: month, Have: week}},
		},
		{
			name: "retention left at broker default", topic: TopicScenarioRun, partitions: 12,
			want: []Drift{{Topic: TopicScenarioRun, Kind: DriftConfig, Config: "retention.ms", Want: month, Have: week}},
		},
		{
			name: "delete instead of compact", topic: TopicExtSeriesCatalog, partitions: 3,
			configs: map[string]string{"cleanup.policy": "delete"},
			want:    []Drift{{Topic: TopicExtSeriesCatalog, Kind: DriftConfig, Config: "cleanup.policy", Want: "compact", Have: "delete"}},
		},
		{
			name: "policy with stray whitespace is no drift", topic: TopicCollectorCheckpoint, partitions: 3,
			configs: map[string]string{"cleanup.policy": " compact"},
		},
		{
			name: "partitions and config together", topic: TopicScenarioRequestDLQ, partitions: 1,
			configs: map[string]string{"cleanup.policy": "compact"},
			want: []Drift{
				{Topic: TopicScenarioRequestDLQ, Kind: DriftPartitions, Want: "3", Have: "1"},
				{Topic: TopicScenarioRequestDLQ, Kind: DriftConfig, Config: "cleanup.policy", Want: "delete", Have: "compact"},
				{Topic: TopicScenarioRequestDLQ, Kind: DriftConfig, Config: "retention.ms", Want: month, Have: week},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, adm := testContext(t), newAdmin(t)
			createTopic(ctx, t, adm, tc.topic, tc.partitions, tc.configs)

			diff, err := Diff(ctx, adm)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if i := slices.IndexFunc(diff.Drift, func(d Drift) bool { return d.Topic == tc.topic }); tc.want != nil && (i < 0 || !slices.Equal(diff.Drift[i:i+len(tc.want)], tc.want)) {
				t.Errorf("Diff drift = %+v, want it to contain %+v", diff.Drift, tc.want)
			}

			rep, err := Apply(ctx, adm)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !slices.Equal(rep.Drift, tc.want) {
				t.Errorf("Apply drift = %+v, want %+v", rep.Drift, tc.want)
			}
			if slices.Contains(rep.Created, tc.topic) || len(rep.Created) != len(Topics())-1 {
				t.Errorf("Created = %v, want every topic but %s", rep.Created, tc.topic)
			}

			details, err := adm.ListTopics(ctx, tc.topic)
			if err != nil {
				t.Fatalf("ListTopics: %v", err)
			}
			if got := int32(len(details[tc.topic].Partitions)); got != tc.partitions {
				t.Errorf("Apply changed partitions of %s to %d, had %d", tc.topic, got, tc.partitions)
			}
			again, err := Apply(ctx, adm)
			if err != nil {
				t.Fatalf("second Apply: %v", err)
			}
			if len(again.Created) != 0 || !slices.Equal(again.Drift, tc.want) {
				t.Errorf("second Apply = %+v, want nothing created and the same drift", again)
			}
		})
	}
}

func TestApplyFixConfigs(t *testing.T) {
	t.Parallel()
	ctx, adm := testContext(t), newAdmin(t)
	createTopic(ctx, t, adm, TopicIsoLmp, 4, map[string]string{"retention.ms": "1000"})
	createTopic(ctx, t, adm, TopicExtSeriesCatalog, 3, map[string]string{"cleanup.policy": "delete"})

	rep, err := ApplyWith(ctx, adm, ApplyOptions{FixConfigs: true})
	if err != nil {
		t.Fatalf("ApplyWith: %v", err)
	}
	wantFixed := []Drift{
		{Topic: TopicIsoLmp, Kind: DriftConfig, Config: "retention.ms", Want: "2592000000", Have: "1000"},
		{Topic: TopicExtSeriesCatalog, Kind: DriftConfig, Config: "cleanup.policy", Want: "compact", Have: "delete"},
	}
	if !slices.Equal(rep.Fixed, wantFixed) {
		t.Errorf("Fixed = %+v, want %+v", rep.Fixed, wantFixed)
	}
	wantDrift := []Drift{{Topic: TopicIsoLmp, Kind: DriftPartitions, Want: "12", Have: "4"}}
	if !slices.Equal(rep.Drift, wantDrift) {
		t.Errorf("Drift = %+v, want only the partitions %+v", rep.Drift, wantDrift)
	}

	diff, err := Diff(ctx, adm)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if !slices.Equal(diff.Drift, wantDrift) {
		t.Errorf("Diff after fixing = %+v, want %+v", diff.Drift, wantDrift)
	}
}

func TestApplyReplicationFactor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		rf      int16
		wantErr string
		created int
	}{
		{name: "broker default", rf: -1, created: len(Topics())},
		{name: "explicit one", rf: 1, created: len(Topics())},
		{name: "more than brokers", rf: 3, wantErr: "create topic aurum.curve.observation.v1"},
		{name: "invalid", rf: -2, wantErr: "replication factor -2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, adm := testContext(t), newAdmin(t)
			rep, err := ApplyWith(ctx, adm, ApplyOptions{ReplicationFactor: tc.rf})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ApplyWith: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("ApplyWith error = %v, want one containing %q", err, tc.wantErr)
			}
			if len(rep.Created) != tc.created {
				t.Errorf("created %d topics, want %d", len(rep.Created), tc.created)
			}
			if tc.wantErr == "" && !rep.InSync() {
				t.Errorf("drift:\n%s", rep)
			}
		})
	}
}

func TestReportString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rep  Report
		want []string
	}{
		{name: "in sync", rep: Report{}, want: []string{"in sync"}},
		{
			name: "everything",
			rep: Report{
				Created: []string{TopicIsoLmp},
				Fixed:   []Drift{{Topic: TopicIsoLoad, Kind: DriftConfig, Config: "retention.ms", Want: "2592000000", Have: "1000"}},
				Drift: []Drift{
					{Topic: TopicCurveObservation, Kind: DriftPartitions, Want: "12", Have: "6"},
					{Topic: TopicScenarioRun, Kind: DriftMissing},
					{Topic: TopicScenarioOutput, Kind: DriftConfig, Config: "retention.ms", Want: "604800000"},
				},
			},
			want: []string{
				"TOPIC", "STATUS", "DETAIL",
				"aurum.iso.lmp.v1", "created",
				"aurum.iso.load.v1", "fixed", "config retention.ms want 2592000000 have 1000",
				"aurum.curve.observation.v1", "drift", "partitions want 12 have 6",
				"aurum.scenario.run.v1", "missing",
				"config retention.ms want 604800000 have (unset)",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.rep.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("String() lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestNormalizeConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, key, a, b string
		equal           bool
	}{
		{"policy list order", "cleanup.policy", "compact,delete", "delete, compact", true},
		{"policy differs", "cleanup.policy", "compact", "delete", false},
		{"policy subset", "cleanup.policy", "compact", "compact,delete", false},
		{"retention whitespace", "retention.ms", "1000 ", "1000", true},
		{"retention differs", "retention.ms", "1000", "10000", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := normalizeConfig(tc.key, tc.a) == normalizeConfig(tc.key, tc.b); got != tc.equal {
				t.Errorf("%s: %q vs %q equal = %v, want %v", tc.key, tc.a, tc.b, got, tc.equal)
			}
		})
	}
}
