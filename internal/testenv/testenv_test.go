package testenv_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestNewKafkaHasTopologyAndSchemas(t *testing.T) {
	t.Parallel()
	k := testenv.NewKafka(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range topology.Topics() {
		if !topics.Has(want.Name) {
			t.Errorf("topic %s missing", want.Name)
		}
	}
	src, err := sr.NewClient(sr.URLs(k.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := src.Subjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != len(schemas.Records()) {
		t.Fatalf("subjects %v, want one per record", subjects)
	}
}
