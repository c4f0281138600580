package topology

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// ApplyOptions tunes ApplyWith. The zero value is what Apply uses.
type ApplyOptions struct {
	// FixConfigs makes Apply set drifted owned configs (cleanup.policy,
	// retention.ms) back to their declared values with
	// IncrementalAlterConfigs. Off by default: changing retention or the
	// cleanup policy of a live topic can delete data, so an operator asks for
	// it explicitly (e.g. `aurum topology apply --fix-configs`).
	// Partition and replication drift are never fixed.
	FixConfigs bool
	// ReplicationFactor, when non-zero, replaces every topic's declared
	// replication factor when creating topics, e.g. 3 on a cluster whose
	// broker default is lower. A positive value is also checked for drift.
	ReplicationFactor int16
}

// settle bounds how long Apply waits for topics it created to show up in
// metadata and configs: on a multi-broker cluster they may not be visible
// everywhere the moment CreateTopics returns.
const (
	settleAttempts = 20
	settleBackoff  = 250 * time.Millisecond
)

// Apply creates every declared topic that is missing, with its declared
// partitions and configs, and reports what it created and the drift it left
// alone. It is idempotent: a second run creates nothing. It is
// ApplyWith(ctx, adm, ApplyOptions{}).
func Apply(ctx context.Context, adm *kadm.Client) (Report, error) {
	return ApplyWith(ctx, adm, ApplyOptions{})
}

// ApplyWith is Apply with options. A topic that another process creates
// concurrently is not an error. On error the report still says what was done.
func ApplyWith(ctx context.Context, adm *kadm.Client, opts ApplyOptions) (Report, error) {
	if opts.ReplicationFactor < DefaultReplicationFactor {
		return Report{}, fmt.Errorf("topology: replication factor %d: want -1 (broker default) or a positive number", opts.ReplicationFactor)
	}
	topics := allTopics
	if opts.ReplicationFactor != 0 {
		topics = make([]Topic, len(allTopics))
		for i, t := range allTopics {
			t.ReplicationFactor = opts.ReplicationFactor
			topics[i] = t
		}
	}

	drift, err := diff(ctx, adm, topics)
	if err != nil {
		return Report{}, err
	}

	var (
		rep  Report
		errs []error
	)
	for _, d := range drift {
		if d.Kind != DriftMissing {
			continue
		}
		t, _ := find(topics, d.Topic)
		_, err := adm.CreateTopic(ctx, t.Partitions, t.ReplicationFactor, configPtrs(t.Configs), t.Name)
		switch {
		case err == nil:
			rep.Created = append(rep.Created, t.Name)
		case errors.Is(err, kerr.TopicAlreadyExists):
			// Created concurrently; the diff below compares it like any other.
		default:
			errs = append(errs, fmt.Errorf("topology: create topic %s: %w", t.Name, err))
		}
	}

	if len(rep.Created) > 0 {
		if drift, err = settle(ctx, adm, topics, rep.Created); err != nil {
			return rep, errors.Join(append(errs, err)...)
		}
	}

	if opts.FixConfigs {
		drift, rep.Fixed, err = fixConfigs(ctx, adm, drift)
		if err != nil {
			errs = append(errs, err)
		}
	}
	rep.Drift = drift
	return rep, errors.Join(errs...)
}

// Diff compares the cluster with the declaration without changing anything:
// missing topics, partition counts, and the owned configs.
func Diff(ctx context.Context, adm *kadm.Client) (Report, error) {
	drift, err := diff(ctx, adm, allTopics)
	if err != nil {
		return Report{}, err
	}
	return Report{Drift: drift}, nil
}

// settle diffs again until none of the created topics is reported missing,
// or settleAttempts run out.
func settle(ctx context.Context, adm *kadm.Client, topics []Topic, created []string) ([]Drift, error) {
	for attempt := 1; ; attempt++ {
		drift, err := diff(ctx, adm, topics)
		if err != nil {
			return nil, err
		}
		pending := slices.ContainsFunc(drift, func(d Drift) bool {
			return d.Kind == DriftMissing && slices.Contains(created, d.Topic)
		})
		if !pending || attempt == settleAttempts {
			return drift, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("topology: wait for created topics: %w", ctx.Err())
		case <-time.After(settleBackoff):
		}
	}
}

// fixConfigs sets every drifted config to its declared value, topic by
// topic, and returns the drift that remains and the drift it fixed.
func fixConfigs(ctx context.Context, adm *kadm.Client, drift []Drift) (remaining, fixed []Drift, err error) {
	byTopic := make(map[string][]kadm.AlterConfig)
	var order []string
	for _, d := range drift {
		if d.Kind != DriftConfig {
			continue
		}
		if _, ok := byTopic[d.Topic]; !ok {
			order = append(order, d.Topic)
		}
		byTopic[d.Topic] = append(byTopic[d.Topic], kadm.AlterConfig{Op: kadm.SetConfig, Name: d.Config, Value: kadm.StringPtr(d.Want)})
	}
	ok := make(map[string]bool)
	var errs []error
	for _, topic := range order {
		resps, err := adm.AlterTopicConfigs(ctx, byTopic[topic], topic)
		if err == nil {
			_, err = resps.On(topic, func(r *kadm.AlterConfigsResponse) error { return r.Err })
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("topology: alter configs of %s: %w", topic, err))
			continue
		}
		ok[topic] = true
	}
	for _, d := range drift {
		if d.Kind == DriftConfig && ok[d.Topic] {
			fixed = append(fixed, d)
		} else {
			remaining = append(remaining, d)
		}
	}
	return remaining, fixed, errors.Join(errs...)
}

// diff reads metadata and configs of the given topics and returns their
// drift in declaration order.
func diff(ctx context.Context, adm *kadm.Client, topics []Topic) ([]Drift, error) {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.Name
	}
	// WithAuthorizedOps makes kadm issue a fresh metadata request: the
	// client's metadata cache would otherwise keep answering "unknown topic"
	// for up to MetadataMinAge after we created it.
	details, err := adm.ListTopics(kadm.WithAuthorizedOps(ctx), names...)
	if err != nil {
		return nil, fmt.Errorf("topology: list topics: %w", err)
	}

	perTopic := make(map[string][]Drift, len(topics))
	var existing []string
	for _, t := range topics {
		td, ok := details[t.Name]
		switch {
		case !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition):
			perTopic[t.Name] = []Drift{{Topic: t.Name, Kind: DriftMissing}}
			continue
		case td.Err != nil:
			return nil, fmt.Errorf("topology: describe topic %s: %w", t.Name, td.Err)
		}
		existing = append(existing, t.Name)
		if have := int32(len(td.Partitions)); have != t.Partitions {
			perTopic[t.Name] = append(perTopic[t.Name], Drift{
				Topic: t.Name, Kind: DriftPartitions,
				Want: strconv.Itoa(int(t.Partitions)), Have: strconv.Itoa(int(have)),
			})
		}
		if have := td.Partitions.NumReplicas(); t.ReplicationFactor > 0 && have != int(t.ReplicationFactor) {
			perTopic[t.Name] = append(perTopic[t.Name], Drift{
				Topic: t.Name, Kind: DriftReplication,
				Want: strconv.Itoa(int(t.ReplicationFactor)), Have: strconv.Itoa(have),
			})
		}
	}

	if len(existing) > 0 {
		configs, err := adm.DescribeTopicConfigs(ctx, existing...)
		if err != nil {
			return nil, fmt.Errorf("topology: describe topic configs: %w", err)
		}
		for _, name := range existing {
			rc, err := configs.On(name, nil)
			if err == nil {
				err = rc.Err
			}
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				// Listed but not yet known to the broker answering configs:
				// a topic created a moment ago. Missing until it settles.
				perTopic[name] = []Drift{{Topic: name, Kind: DriftMissing}}
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("topology: describe configs of %s: %w", name, err)
			}
			t, _ := find(topics, name)
			perTopic[name] = append(perTopic[name], configDrift(t, rc.Configs)...)
		}
	}

	var drift []Drift
	for _, t := range topics {
		drift = append(drift, perTopic[t.Name]...)
	}
	return drift, nil
}

// configDrift compares the owned configs of t with the effective values the
// broker reports (dynamic or default, whichever applies).
func configDrift(t Topic, have []kadm.Config) []Drift {
	values := make(map[string]string, len(have))
	for _, c := range have {
		values[c.Key] = c.MaybeValue()
	}
	keys := make([]string, 0, len(t.Configs))
	for k := range t.Configs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var drift []Drift
	for _, k := range keys {
		want, got := t.Configs[k], values[k]
		if normalizeConfig(k, want) != normalizeConfig(k, got) {
			drift = append(drift, Drift{Topic: t.Name, Kind: DriftConfig, Config: k, Want: want, Have: got})
		}
	}
	return drift
}

// normalizeConfig makes equal values compare equal: cleanup.policy is a list
// whose order does not matter ("compact,delete" is "delete,compact").
func normalizeConfig(key, v string) string {
	v = strings.TrimSpace(v)
	if key != ConfigCleanupPolicy {
		return v
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func configPtrs(configs map[string]string) map[string]*string {
	out := make(map[string]*string, len(configs))
	for k, v := range configs {
		out[k] = kadm.StringPtr(v)
	}
	return out
}

func find(topics []Topic, name string) (Topic, bool) {
	for _, t := range topics {
		if t.Name == name {
			return t, true
		}
	}
	return Topic{}, false
}
