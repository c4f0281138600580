package iso_test

import (
	"testing"

	"github.com/aurum-energy/aurum/consumers/iso"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform (see materializertest).
type env struct{ *materializertest.Env }

func newEnv(t testing.TB) *env { return &env{materializertest.New(t)} }

// start runs the ISO materialiser until the test ends or stop is called;
// stop returns Run's error.
func (e *env) start(t testing.TB) (stop func() error) {
	t.Helper()
	cfg := materializer.Config{Group: topology.GroupIsoMaterializer, Topics: []string{topology.TopicIsoLmp, topology.TopicIsoLoad}}
	return materializertest.Materialize(t, e.Env, cfg, iso.NewSink(e.Serde), nil)
}

func ptr[T any](v T) *T { return &v }
