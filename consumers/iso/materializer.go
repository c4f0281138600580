// Package iso materialises ISO market data: LMPs (aurum.iso.lmp.v1) into
// iso_lmp and load (aurum.iso.load.v1) into iso_load, with their locations
// and load areas (market.WriteISO), bumping the 'iso' data version the
// API's cache keys depend on in the write transaction when something
// changed.
// Hourly and daily LMP statistics (iso_lmp_hourly, iso_lmp_daily) derive
// from iso_lmp in the database: continuous aggregates under TimescaleDB,
// views otherwise. It is a Sink run by consumers/materializer, as group
// aurum-iso-materializer (`aurum consume iso`).
package iso

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/topology"
)

// Deps are what the ISO materialiser uses. Store and Serde are required.
type Deps struct {
	// Store is the database; *store.Store. Writes run as the application
	// role.
	Store materializer.DB
	// Serde decodes the Confluent wire format of any registered writer
	// schema.
	Serde   *serde.Serde
	Metrics *telemetry.Metrics
	Logger  *slog.Logger
}

// Materializer is the ISO materialiser.
type Materializer struct {
	m *materializer.Materializer[key, Row]
}

// New returns the ISO materialiser. cfg.Group and cfg.Topics default to
// topology.GroupIsoMaterializer and the LMP and load topics; cfg.Brokers is
// required.
func New(cfg materializer.Config, deps Deps) (*Materializer, error) {
	if deps.Serde == nil {
		return nil, errors.New("iso: nil serde")
	}
	if cfg.Group == "" {
		cfg.Group = topology.GroupIsoMaterializer
	}
	if len(cfg.Topics) == 0 {
		cfg.Topics = []string{topology.TopicIsoLmp, topology.TopicIsoLoad}
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := materializer.New(cfg, NewSink(deps.Serde), materializer.Deps{
		DB:      deps.Store,
		Logger:  logger.With(slog.String("component", "iso-materializer")),
		Metrics: deps.Metrics,
	})
	if err != nil {
		return nil, err
	}
	return &Materializer{m: m}, nil
}

// Run consumes until ctx is cancelled; see materializer.Materializer.Run.
func (m *Materializer) Run(ctx context.Context) error { return m.m.Run(ctx) }
