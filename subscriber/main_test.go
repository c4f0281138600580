package subscriber_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/registry"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/subscriber/subscribertest"
	"github.com/aurum-energy/aurum/topology"
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

// startCluster starts the package's cluster with the declared topics and
// publishes the events. It is testenv.NewKafka without a test at hand,
// which an example does not have.
func startCluster() (stop func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	b, err := broker.New(broker.Config{Addr: "127.0.0.1:0", InMemory: true}, quiet)
	if err != nil {
		return nil, err
	}
	reg, err := registry.New(ctx, registry.Config{Addr: "127.0.0.1:0", Brokers: b.Addrs()}, quiet)
	if err != nil {
		b.Close()
		return nil, err
	}
	stop = func() {
		_ = reg.Close()
		b.Close()
	}
	if err := setUp(ctx, b.Addrs(), reg.URL()); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// setUp creates the topics, publishes the events and sets brokers and
// decoder.
func setUp(ctx context.Context, addrs []string, registryURL string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := topology.Apply(ctx, kadm.NewClient(cl)); err != nil {
		return err
	}
	if err := subscribertest.Publish(ctx, addrs, registryURL); err != nil {
		return err
	}
	src, err := sr.NewClient(sr.URLs(registryURL))
	if err != nil {
		return err
	}
	brokers = addrs
	decoder, err = serde.New(ctx, src, nil)
	return err
}
