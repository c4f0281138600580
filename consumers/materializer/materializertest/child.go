package materializertest

import (
	"context"
	"log/slog"
	"os"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
)

// ChildConfig is what a crash test hands the helper process it kills and
// restarts (testenv.NewHelperProcess): where the test's services are.
type ChildConfig struct {
	Brokers     []string `json:"brokers"`
	RegistryURL string   `json:"registry_url"`
	DatabaseURL string   `json:"database_url"`
	// InstanceID is the child's static group membership (kgo.InstanceID),
	// which a restarted child takes over at once; empty, it joins as a new
	// member each time, as `aurum consume` does.
	InstanceID string `json:"instance_id,omitempty"`
}

// Child is what a helper process works with: the test's database and a
// serde on its registry, logging to stderr (the parent keeps the output).
type Child struct {
	Store  *store.Store
	Serde  *serde.Serde
	Logger *slog.Logger
}

// Open connects a helper process to the services of cfg; Close the store
// when done.
func (cfg ChildConfig) Open(ctx context.Context) (*Child, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL}, logger)
	if err != nil {
		return nil, err
	}
	src, err := sr.NewClient(sr.URLs(cfg.RegistryURL))
	if err != nil {
		st.Close()
		return nil, err
	}
	sd, err := serde.New(ctx, src, logger)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Child{Store: st, Serde: sd, Logger: logger}, nil
}
