package subscriber_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/subscriber/subscribertest"
)

// The Kafka cluster (an in-process kfake broker and the embedded schema
// registry) that this package's tests and examples read, holding the
// events of subscribertest.Publish, and a decoder of its records. The tests
// only read it.
var (
	brokers []string
	decoder *serde.Serde
)

func TestMain(m *testing.M) {
	stop, err := startCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start cluster:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startCluster starts the package's cluster (testenv.StartKafka, which an
// example can use without a test at hand) and publishes the events.
func startCluster() (stop func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, stop, err := testenv.StartKafka(ctx)
	if err != nil {
		return nil, err
	}
	if err := setUp(ctx, k); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// setUp publishes the events and sets brokers and decoder.
func setUp(ctx context.Context, k *testenv.Kafka) error {
	if err := subscribertest.Publish(ctx, k.Brokers, k.RegistryURL); err != nil {
		return err
	}
	src, err := sr.NewClient(sr.URLs(k.RegistryURL))
	if err != nil {
		return err
	}
	brokers = k.Brokers
	decoder, err = serde.New(ctx, src, nil)
	return err
}
