package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/internal/outbox"
	"github.com/aurum-energy/aurum/internal/store"
)

// newOutboxRelay builds the outbox relay that `aurum api` and `aurum dev`
// run beside the API (every instance runs one; they take turns, see package
// outbox). Run it with Run(ctx) until the API stops.
func (p *platform) newOutboxRelay() (*outbox.Relay, error) {
	r, err := outbox.New(outbox.Config{
		Brokers:      p.cfg.Brokers(),
		KafkaOptions: kafkaOptions(p.logger, p.registry, "outbox-relay"),
	}, outbox.Deps{DB: p.store, Logger: p.logger, Registerer: p.registry})
	if err != nil {
		return nil, fmt.Errorf("outbox relay: %w", err)
	}
	return r, nil
}

// newRunEvents builds the source of GET /v1/runs/{run_id}/events: the run
// topic, read by a client per stream.
func (p *platform) newRunEvents(st *store.Store) (*api.RunEvents, error) {
	// Each stream has a client of its own: no metrics registry (kprom
	// registers per client name), and only their warnings and errors
	// logged (a client logs its partition assignment at info).
	quiet := slog.New(minLevelHandler{p.logger.Handler(), slog.LevelWarn})
	events, err := api.NewRunEvents(api.RunEventsConfig{
		Brokers:      p.cfg.Brokers(),
		KafkaOptions: kafkaOptions(quiet, nil, "run-events"),
	}, api.RunEventsDeps{Store: st, Serde: p.serde, Logger: p.logger})
	if err != nil {
		return nil, fmt.Errorf("run events: %w", err)
	}
	return events, nil
}

// minLevelHandler drops records below min.
type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{h.Handler.WithGroup(name), h.min}
}
