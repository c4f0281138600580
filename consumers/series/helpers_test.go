package series_test

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/series"
	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform (see materializertest).
type env struct{ *materializertest.Env }

func newEnv(t testing.TB) *env { return &env{materializertest.New(t)} }

// start runs the observation (catalog false) or catalog materialiser until
// the test ends or stop is called; stop returns Run's error.
func (e *env) start(t testing.TB, catalog bool) (stop func() error) {
	t.Helper()
	cfg := materializer.Config{Brokers: e.Kafka.Brokers, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second}
	deps := series.Deps{Store: e.Store, Serde: e.Serde, Logger: materializertest.Logger()}
	var (
		r   materializertest.Runner
		err error
	)
	if catalog {
		r, err = series.NewCatalog(cfg, deps)
	} else {
		r, err = series.NewObservations(cfg, deps)
	}
	if err != nil {
		t.Fatal(err)
	}
	return materializertest.Start(t, r)
}

func ptr[T any](v T) *T { return &v }
