package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/replay"
)

// newDemoCollectors starts the replay of recorded provider answers and,
// per recording, a collector that runs once against it, built through the
// registry of `aurum collect` from the recording's configuration: FRED GDP
// and PJM's day-ahead zonal LMPs. A replayed source collects over its
// recording's window (PJM: 2026-06-09 and 10 UTC, the recorded operating
// day), so a restart re-reads the same answers and the materialisers keep
// one row each. When AURUM_<SOURCE>_BASE_URL is set the source collects
// from there instead, with AURUM_<SOURCE>_API_KEY, over its default
// window.
func (p *platform) newDemoCollectors() ([]runner, error) {
	srv, err := replay.New(replay.Config{Logger: p.logger})
	if err != nil {
		return nil, err
	}
	runners := []runner{srv}
	for _, rec := range replay.Recordings {
		src, err := sources.Build(rec.Source, rec.Config)
		if err != nil {
			return nil, fmt.Errorf("replay of %s: %w", rec.Source, err)
		}
		window := rec.Window
		if p.cfg.Provider(rec.Source).BaseURL != "" {
			window = collector.Window{}
		}
		httpc, err := sourceClient(p.cfg, rec.Source, srv.BaseURL(rec.Source), p.metrics, p.logger)
		if err != nil {
			return nil, err
		}
		c, err := collector.New(collector.Config{Window: window},
			collector.Deps{Source: src, HTTP: httpc, Kafka: p.kafka, Serde: p.serde, Logger: p.logger,
				Tracer: p.tracing.Tracer(scopeCollector)})
		if err != nil {
			return nil, err
		}
		runners = append(runners, demoCollector{source: rec.Source, c: c, logger: p.logger})
	}
	return runners, nil
}

// demoCollector runs a collector once and logs its failure instead of
// returning it: a demo source that cannot collect must not stop
// `aurum dev`.
type demoCollector struct {
	source string
	c      *collector.Collector
	logger *slog.Logger
}

// Run implements runner.
func (d demoCollector) Run(ctx context.Context) error {
	err := d.c.Run(ctx)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		d.logger.Error("demo collector failed", slog.String("source", d.source), slog.Any("error", err))
	default:
		d.logger.Info("demo collector finished", slog.String("source", d.source))
	}
	return nil
}
