package main

import (
	"log/slog"
	"testing"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
)

// TestRelayAndRunEventsWiring builds the relay and the event stream from a
// platform's settings; neither connects before it runs.
func TestRelayAndRunEventsWiring(t *testing.T) {
	t.Parallel()
	kafka := testenv.NewKafka(t)
	reg := telemetry.NewRegistry()
	p := &platform{
		cfg:      config.Config{KafkaBrokers: kafka.Brokers},
		logger:   slog.New(slog.DiscardHandler),
		registry: reg,
		store:    &store.Store{}, // not used before Run
	}
	if _, err := p.newOutboxRelay(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.newOutboxRelay(); err != nil {
		t.Fatalf("a second relay on the same registry: %v", err)
	}
	p.serde = kafka.Serde(t)
	events, err := p.newRunEvents(p.store)
	if err != nil {
		t.Fatal(err)
	}
	events.Close()
}
