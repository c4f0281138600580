// Package broker runs an embedded, single-node Kafka-compatible broker
// (franz-go's kfake) for `aurum dev`, `aurum broker` and tests. It speaks the
// Kafka protocol on a real TCP listener, so every Aurum component connects to
// it exactly as it would to a real cluster, and it persists topics, records,
// committed group offsets and transactions under a data directory so that a
// restart resumes where the previous run stopped.
package broker

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultAddr is the listen address used when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:9092"

// clusterID is what the broker reports in metadata responses.
const clusterID = "aurum-dev"

// Config of the embedded broker. New applies the defaults documented on each
// field and rejects invalid combinations.
type Config struct {
	// Addr is the TCP address the broker listens on and advertises to
	// clients, default DefaultAddr. Use "127.0.0.1:0" for a random free port
	// (tests) and read the result from Broker.Addrs. The host must be one
	// clients can dial: the listener's address is what metadata advertises.
	Addr string

	// DataDir is the directory where topics, record segments, committed
	// offsets, producer IDs and transactions are persisted; it is created if
	// missing and reloaded by the next New on the same directory. Required
	// unless InMemory is set. Only one Broker may use a directory at a time.
	DataDir string

	// InMemory keeps all state in memory and loses it on Close. It exists
	// for tests that do not care about restarts; it must not be combined
	// with DataDir, and `aurum dev` never sets it.
	InMemory bool

	// SyncWrites fsyncs every produced batch and every offset or
	// transaction log entry before acknowledging it. Off by default, as in
	// Kafka (log.flush.interval.messages is unbounded): every write still
	// reaches the operating system before the produce is acknowledged, so
	// a crash or kill -9 of any process, the broker's included, keeps acked
	// data, and Close flushes everything. Only a power loss or kernel crash
	// can lose the most recent writes. Turn it on when that matters more
	// than throughput.
	SyncWrites bool
}

// withDefaults returns cfg with defaults applied, or an error naming the
// invalid field.
func (cfg Config) withDefaults() (Config, error) {
	cfg.Addr = cmp.Or(cfg.Addr, DefaultAddr)
	switch {
	case cfg.InMemory && cfg.DataDir != "":
		return cfg, errors.New("broker config: DataDir and InMemory are mutually exclusive")
	case !cfg.InMemory && cfg.DataDir == "":
		return cfg, errors.New("broker config: DataDir is required (InMemory is for tests only)")
	}
	return cfg, nil
}

// Broker is a running embedded Kafka broker. It is safe for concurrent use.
type Broker struct {
	cluster *kfake.Cluster
	lock    *dirLock
	logger  *slog.Logger
	addrs   []string
}

// New starts a single-node broker listening on cfg.Addr, reloading any state
// persisted under cfg.DataDir. Topics are never auto-created: producing to or
// fetching from an unknown topic fails, so only the declared topology (or an
// explicit CreateTopics) creates them.
func New(cfg Config, logger *slog.Logger) (*Broker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With(slog.String("component", "broker"))

	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID(clusterID),
		kfake.WithLogger(newKfakeLogger(logger, kfake.LogLevelWarn)),
		// kfake asks for "127.0.0.1:<port>"; we listen on the configured
		// address instead, whatever its host.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, cfg.Addr)
		}),
	}

	var lock *dirLock
	if !cfg.InMemory {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create broker data dir %s: %w", cfg.DataDir, err)
		}
		if lock, err = lockDir(cfg.DataDir); err != nil {
			return nil, err
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
		if cfg.SyncWrites {
			opts = append(opts, kfake.SyncWrites())
		}
	}

	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
	}
	b := &Broker{cluster: cluster, lock: lock, logger: logger, addrs: cluster.ListenAddrs()}
	logger.Info("broker started",
		slog.String("addr", b.addrs[0]),
		slog.String("data_dir", cfg.DataDir),
		slog.Bool("sync_writes", cfg.SyncWrites))
	return b, nil
}

// Addrs returns the host:port addresses clients should use as seed brokers.
func (b *Broker) Addrs() []string {
	return append([]string(nil), b.addrs...)
}

// Close stops accepting connections, persists the remaining state (group
// members, offsets committed in flight) and releases the data directory. It
// is safe to call more than once.
func (b *Broker) Close() {
	b.cluster.Close()
	b.lock.release()
	b.logger.Info("broker stopped")
}
