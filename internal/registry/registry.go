// Package registry runs an embedded, Confluent-compatible schema registry for
// `aurum dev` and tests (docs/CONTRACTS.md#embedded-platform).
//
// It wraps franz-go's srfake, which serves the Confluent REST API from memory
// and accepts every schema, and adds the two things Aurum needs from a
// registry:
//
//   - compatibility enforcement: a registration that breaks the subject's
//     compatibility level (subject config, else global config, BACKWARD by
//     default) is refused with HTTP 409, using the same checker as
//     `aurum schemas check` (internal/avrocompat);
//   - persistence: every registration, config change and delete is written
//     to a compacted Kafka topic (`_schemas`, as Confluent's registry does)
//     before the response is sent, and replayed on start-up, so schema IDs
//     and versions survive a restart and old records still decode.
//
// Limitations: one registry instance per topic (it does not follow writes of
// another instance); modes and schema contexts are not persisted, and
// mutations under /contexts/ are refused; AVRO schemas are checked for
// compatibility, JSON and PROTOBUF schemas and schemas with references are
// accepted unchecked.
package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/aurum-energy/aurum/internal/avrocompat"
)

// Defaults applied by New to a zero Config field.
const (
	DefaultAddr          = "127.0.0.1:8081"
	DefaultTopic         = "_schemas"
	DefaultCompatibility = string(avrocompat.Backward)
)

// shutdownTimeout bounds how long Close waits for in-flight requests.
const shutdownTimeout = 10 * time.Second

// Config of the embedded registry.
type Config struct {
	// Addr is the HTTP listen address, default DefaultAddr. Use
	// "127.0.0.1:0" for a random free port and read Server.URL.
	Addr string
	// Brokers are the Kafka seed brokers holding Topic. Required.
	Brokers []string
	// Topic is the compacted, single-partition topic registrations are
	// persisted in, default DefaultTopic. It is created if missing.
	Topic string
	// DefaultCompatibility is the global compatibility level until a
	// PUT /config changes it, default BACKWARD.
	DefaultCompatibility string
}

func (cfg Config) withDefaults() (Config, avrocompat.Level, error) {
	cfg.Addr = cmp.Or(cfg.Addr, DefaultAddr)
	cfg.Topic = cmp.Or(cfg.Topic, DefaultTopic)
	cfg.DefaultCompatibility = cmp.Or(cfg.DefaultCompatibility, DefaultCompatibility)
	if len(cfg.Brokers) == 0 {
		return cfg, "", errors.New("registry config: Brokers is required")
	}
	level, err := avrocompat.ParseLevel(cfg.DefaultCompatibility)
	if err != nil {
		return cfg, "", fmt.Errorf("registry config: DefaultCompatibility: %w", err)
	}
	return cfg, level, nil
}

// Server is a running schema registry. Its methods are safe for concurrent
// use.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	reg     *srfake.Registry
	backend http.Handler // srfake's own REST handler, called in-process
	store   *store

	// mu serialises every mutation: check, apply to srfake, persist. A
	// registry sees a handful of writes, so one lock is plenty and keeps
	// the persisted order identical to the applied order.
	mu sync.Mutex

	ln        net.Listener
	http      *http.Server
	served    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// New connects to Kafka, creates the topic if needed, restores every
// persisted registration and config, and then starts serving on cfg.Addr.
// ctx bounds the start-up only.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	cfg, level, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With(slog.String("component", "registry"))

	var global sr.CompatibilityLevel
	if err := global.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("registry config: DefaultCompatibility: %w", err)
	}
	reg := srfake.NewRegistry(srfake.WithGlobalCompat(global))
	s := &Server{cfg: cfg, logger: logger, reg: reg, backend: reg.Handler(), served: make(chan struct{})}

	if s.store, err = openStore(ctx, cfg.Brokers, cfg.Topic, logger); err != nil {
		return nil, err
	}
	events, err := s.store.readAll(ctx)
	if err == nil {
		err = s.restore(ctx, events)
	}
	if err != nil {
		s.store.close()
		return nil, fmt.Errorf("restore schema registry from %s: %w", cfg.Topic, err)
	}

	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		s.store.close()
		return nil, fmt.Errorf("schema registry listen on %s: %w", cfg.Addr, err)
	}
	fresh := newFreshConns()
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ConnState:         fresh.track,
	}
	s.http.RegisterOnShutdown(fresh.closeAll)
	go func() {
		defer close(s.served)
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("schema registry stopped serving", slog.Any("error", err))
		}
	}()
	logger.Info("schema registry started", slog.String("url", s.URL()), slog.String("topic", cfg.Topic))
	return s, nil
}

// freshConns tracks connections that have not sent a request yet. HTTP
// clients open such spare connections, and Shutdown would wait five seconds
// for each before treating it as idle; closing them when shutdown starts
// keeps Ctrl-C prompt without cutting any request short.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newFreshConns() *freshConns { return &freshConns{conns: make(map[net.Conn]struct{})} }

func (f *freshConns) track(c net.Conn, state http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state == http.StateNew {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close()
		delete(f.conns, c)
	}
}

// URL returns the base URL clients use, such as http://127.0.0.1:8081.
func (s *Server) URL() string {
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting requests, waits for in-flight ones (every accepted
// write is already persisted) and disconnects from Kafka. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.closeErr = fmt.Errorf("shut down schema registry: %w", err)
		}
		<-s.served
		s.store.close()
		s.logger.Info("schema registry stopped")
	})
	return s.closeErr
}
