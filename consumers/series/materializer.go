// Package series materialises the external series streams: observations
// (aurum.ext.timeseries.obs.v1) into ext_timeseries_observation, one row per
// observation and vintage (market.WriteObservations), and the series
// catalog (aurum.ext.series_catalog.upsert.v1) into the catalog columns of
// ext_series (market.WriteCatalog). Both bump the 'series' data version the
// API's cache keys depend on, in the write transaction, when something
// changed. They are Sinks run by consumers/materializer, as groups
// aurum-series-materializer and aurum-catalog-materializer (`aurum consume
// series`, `aurum consume catalog`).
package series

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

// Deps are what the series materialisers use. Store and Serde are required.
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

// Observations is the external observation materialiser.
type Observations struct {
	m *materializer.Materializer[obsKey, schemas.ExtTimeseriesObservation]
}

// NewObservations returns the observation materialiser. cfg.Group and
// cfg.Topics default to topology.GroupSeriesMaterializer and
// topology.TopicExtTimeseriesObs; cfg.Brokers is required.
func NewObservations(cfg materializer.Config, deps Deps) (*Observations, error) {
	if deps.Serde == nil {
		return nil, errors.New("series: nil serde")
	}
	cfg = withDefaults(cfg, topology.GroupSeriesMaterializer, topology.TopicExtTimeseriesObs)
	m, err := materializer.New(cfg, NewObservationSink(deps.Serde), mdeps(deps, "series-materializer"))
	if err != nil {
		return nil, err
	}
	return &Observations{m: m}, nil
}

// Run consumes until ctx is cancelled; see materializer.Materializer.Run.
func (o *Observations) Run(ctx context.Context) error { return o.m.Run(ctx) }

// Catalog is the series catalog materialiser.
type Catalog struct {
	m *materializer.Materializer[catalogKey, schemas.ExtSeriesCatalogUpsert]
}

// NewCatalog returns the catalog materialiser. cfg.Group and cfg.Topics
// default to topology.GroupCatalogMaterializer and
// topology.TopicExtSeriesCatalog; cfg.Brokers is required.
func NewCatalog(cfg materializer.Config, deps Deps) (*Catalog, error) {
	if deps.Serde == nil {
		return nil, errors.New("series: nil serde")
	}
	cfg = withDefaults(cfg, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog)
	m, err := materializer.New(cfg, NewCatalogSink(deps.Serde), mdeps(deps, "catalog-materializer"))
	if err != nil {
		return nil, err
	}
	return &Catalog{m: m}, nil
}

// Run consumes until ctx is cancelled; see materializer.Materializer.Run.
func (c *Catalog) Run(ctx context.Context) error { return c.m.Run(ctx) }

func withDefaults(cfg materializer.Config, group, topic string) materializer.Config {
	if cfg.Group == "" {
		cfg.Group = group
	}
	if len(cfg.Topics) == 0 {
		cfg.Topics = []string{topic}
	}
	return cfg
}

func mdeps(deps Deps, component string) materializer.Deps {
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return materializer.Deps{
		DB:      deps.Store,
		Logger:  logger.With(slog.String("component", component)),
		Metrics: deps.Metrics,
	}
}
