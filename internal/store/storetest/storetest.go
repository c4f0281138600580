// Package storetest opens stores on the test databases of testenv, for the
// tests of the packages that read and write through a store.Store. Only
// tests import it.
package storetest

import (
	"context"
	"testing"

	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/testenv"
)

// Open opens a store with cfg, on a fresh database of the binary's shared
// server when cfg.URL is empty, without migrating it. It is closed when the
// test ends.
func Open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = testenv.DatabaseURL(t)
	}
	st, err := store.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// Migrated is Open followed by every migration, the schema the platform
// runs on.
func Migrated(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	st := Open(t, cfg)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return st
}
