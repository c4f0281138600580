package iso_test

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/consumers/iso"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform (see materializertest).
type env struct{ *materializertest.Env }

func newEnv(t testing.TB) *env { return &env{materializertest.New(t)} }

// start runs the ISO materialiser until the test ends or stop is called;
// stop returns Run's error.
func (e *env) start(t testing.TB) (stop func() error) {
	t.Helper()
	r, err := iso.New(materializer.Config{Brokers: e.Kafka.Brokers, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second},
		iso.Deps{Store: e.Store, Serde: e.Serde, Logger: materializertest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	return materializertest.Start(t, r)
}

func ptr[T any](v T) *T { return &v }
