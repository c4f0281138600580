// Package curves materialises forward-curve observations
// (aurum.curve.observation.v1) into the curve model of internal/market
// (market.WriteCurves), which also keeps what the latest reads need and
// bumps the 'curves' data version the API's cache keys depend on. It is a
// Sink run by consumers/materializer, as group aurum-curve-materializer
// (`aurum consume curves`).
package curves

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Deps are what the curve materialiser uses. Store and Serde are required.
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

// Materializer is the curve materialiser.
type Materializer struct {
	m *materializer.Materializer[key, schemas.CurveObservation]
}

// New returns the curve materialiser. cfg.Group and cfg.Topics default to
// topology.GroupCurveMaterializer and topology.TopicCurveObservation;
// cfg.Brokers is required; the other settings keep materializer's defaults.
func New(cfg materializer.Config, deps Deps) (*Materializer, error) {
	if deps.Serde == nil {
		return nil, errors.New("curves: nil serde")
	}
	if cfg.Group == "" {
		cfg.Group = topology.GroupCurveMaterializer
	}
	if len(cfg.Topics) == 0 {
		cfg.Topics = []string{topology.TopicCurveObservation}
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := materializer.New(cfg, NewSink(deps.Serde), materializer.Deps{
		DB:      deps.Store,
		Logger:  logger.With(slog.String("component", "curve-materializer")),
		Metrics: deps.Metrics,
	})
	if err != nil {
		return nil, err
	}
	return &Materializer{m: m}, nil
}

// Run consumes until ctx is cancelled; see materializer.Materializer.Run.
func (m *Materializer) Run(ctx context.Context) error { return m.m.Run(ctx) }
