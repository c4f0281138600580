package curves

import (
	"log/slog"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Deps are what New uses.
type Deps struct {
	Store   materializer.DB
	Serde   *serde.Serde
	Metrics *telemetry.Metrics
	Logger  *slog.Logger
}

// New returns the curve materialiser, as group
// topology.GroupCurveMaterializer on topology.TopicCurveObservation unless
// cfg names others. It remains for bench/, which materialises its seed
// curves in process; cmd/aurum builds the materialiser itself, with
// materializer.New and NewSink.
func New(cfg materializer.Config, deps Deps) (*materializer.Materializer[key, schemas.CurveObservation], error) {
	if cfg.Group == "" {
		cfg.Group = topology.GroupCurveMaterializer
	}
	if len(cfg.Topics) == 0 {
		cfg.Topics = []string{topology.TopicCurveObservation}
	}
	return materializer.New(cfg, NewSink(deps.Serde), materializer.Deps{DB: deps.Store, Metrics: deps.Metrics, Logger: deps.Logger})
}
