package series_test

import (
	"testing"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/series"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform (see materializertest).
type env struct{ *materializertest.Env }

func newEnv(t testing.TB) *env { return &env{materializertest.New(t)} }

// start runs the observation (catalog false) or catalog materialiser until
// the test ends or stop is called; stop returns Run's error.
func (e *env) start(t testing.TB, catalog bool) (stop func() error) {
	t.Helper()
	if catalog {
		cfg := materializer.Config{Group: topology.GroupCatalogMaterializer, Topics: []string{topology.TopicExtSeriesCatalog}}
		return materializertest.Materialize(t, e.Env, cfg, series.NewCatalogSink(e.Serde), nil)
	}
	cfg := materializer.Config{Group: topology.GroupSeriesMaterializer, Topics: []string{topology.TopicExtTimeseriesObs}}
	return materializertest.Materialize(t, e.Env, cfg, series.NewObservationSink(e.Serde), nil)
}

func ptr[T any](v T) *T { return &v }
