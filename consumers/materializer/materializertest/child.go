package materializertest

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
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

// Run is the body of a helper process: it opens the services of cfg,
// builds the component under test on them and runs it until ctx is
// cancelled or the process is killed.
func (cfg ChildConfig) Run(ctx context.Context, build func(*Child) (Runner, error)) error {
	child, err := cfg.Open(ctx)
	if err != nil {
		return err
	}
	defer child.Store.Close()
	c, err := build(child)
	if err != nil {
		return err
	}
	return c.Run(ctx)
}

// GroupOptions are the consumer-group options of a helper process. A
// killed member never leaves the group: short session and rebalance
// timeouts bound how long its partitions wait for a new owner, and with an
// InstanceID (static membership) the restarted child takes its place at
// once.
func (cfg ChildConfig) GroupOptions() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SessionTimeout(6 * time.Second),
		kgo.RebalanceTimeout(6 * time.Second),
		kgo.HeartbeatInterval(500 * time.Millisecond),
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	return opts
}
