package registry_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/registry"
)

// TestRegistrationIsOnTheTopic reads the `_schemas` topic right after a
// registration returned: the record is already there, and the topic is the
// single-partition compacted topic Confluent tools expect.
func TestRegistrationIsOnTheTopic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := testContext(t)
	const subject = "aurum.test.topic.v1-value"
	ss := e.register(ctx, subject, obsV1)

	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...),
		kgo.ConsumeTopics(registry.DefaultTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	defer cl.Close()

	adm := kadm.NewClient(cl)
	topics, err := adm.ListTopics(ctx, registry.DefaultTopic)
	if err != nil || len(topics[registry.DefaultTopic].Partitions) != 1 {
		t.Fatalf("topic %s: %v, %v; want 1 partition", registry.DefaultTopic, topics, err)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, registry.DefaultTopic)
	if err != nil {
		t.Fatalf("describe configs: %v", err)
	}
	rc, err := configs.On(registry.DefaultTopic, nil)
	if err != nil {
		t.Fatalf("configs of %s: %v", registry.DefaultTopic, err)
	}
	policy := ""
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" {
			policy = c.MaybeValue()
		}
	}
	if policy != "compact" {
		t.Fatalf("cleanup.policy = %q, want compact", policy)
	}

	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatal("registration record not found on the topic")
		}
		found := false
		fetches.EachRecord(func(r *kgo.Record) {
			var key struct {
				KeyType string `json:"keytype"`
				Subject string `json:"subject"`
			}
			var value struct {
				ID      int    `json:"id"`
				Version int    `json:"version"`
				Schema  string `json:"schema"`
			}
			if json.Unmarshal(r.Key, &key) != nil || key.KeyType != "SCHEMA" || key.Subject != subject {
				return
			}
			if err := json.Unmarshal(r.Value, &value); err != nil {
				t.Fatalf("decode %s: %v", r.Value, err)
			}
			if value.ID != ss.ID || value.Version != ss.Version || value.Schema != obsV1 {
				t.Fatalf("record %s, want id %d version %d", r.Value, ss.ID, ss.Version)
			}
			found = true
		})
		if found {
			return
		}
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	b, err := broker.New(broker.Config{Addr: "127.0.0.1:0", InMemory: true}, nil)
	if err != nil {
		t.Fatalf("broker: %v", err)
	}
	t.Cleanup(b.Close)

	tests := []struct {
		name       string
		cfg        registry.Config
		wantErr    bool
		wantGlobal sr.CompatibilityLevel
	}{
		{name: "defaults", cfg: registry.Config{Brokers: b.Addrs()}, wantGlobal: sr.CompatBackward},
		{name: "default compatibility", cfg: registry.Config{Brokers: b.Addrs(), Topic: "_schemas_forward", DefaultCompatibility: "forward_transitive"}, wantGlobal: sr.CompatForwardTransitive},
		{name: "no brokers", cfg: registry.Config{}, wantErr: true},
		{name: "unknown compatibility", cfg: registry.Config{Brokers: b.Addrs(), DefaultCompatibility: "sideways"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			tc.cfg.Addr = "127.0.0.1:0"
			srv, err := registry.New(ctx, tc.cfg, slog.New(slog.DiscardHandler))
			if tc.wantErr {
				if err == nil {
					srv.Close()
					t.Fatal("New succeeded, want error")
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer srv.Close()
			cl, _ := sr.NewClient(sr.URLs(srv.URL()))
			res := cl.Compatibility(ctx)
			if res[0].Err != nil || res[0].Level != tc.wantGlobal {
				t.Fatalf("global compatibility = %v, %v; want %v", res[0].Level, res[0].Err, tc.wantGlobal)
			}
			resp, err := http.Get(srv.URL() + "/subjects")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /subjects: %v, %v", resp, err)
			}
			resp.Body.Close()
		})
	}
}
