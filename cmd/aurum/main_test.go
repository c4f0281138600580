package main

import (
	"testing"

	"github.com/aurum-energy/aurum/internal/testenv"
)

// TestMain stops the PostgreSQL and Redis servers that tests started
// through testenv.
func TestMain(m *testing.M) { testenv.Main(m) }
