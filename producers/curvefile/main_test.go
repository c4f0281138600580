package curvefile

import (
	"testing"

	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
