package testenv_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestNewKafkaHasTopologyAndSchemas(t *testing.T) {
	t.Parallel()
	k := testenv.NewKafka(t)
	topics, err := kadm.NewClient(k.Client(t)).ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range topology.Topics() {
		if !topics.Has(want.Name) {
			t.Errorf("topic %s missing", want.Name)
		}
	}
	subjects, err := k.Registry(t).Subjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != len(schemas.Records()) {
		t.Fatalf("subjects %v, want one per record", subjects)
	}
}
