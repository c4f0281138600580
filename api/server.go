package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/ui"
)

// Deps are the collaborators the API needs, built by cmd/aurum.
type Deps struct {
	// Logger receives access logs and errors. Required.
	Logger *slog.Logger
	// Registry is served on GET /metrics. Default: a new telemetry.NewRegistry.
	Registry *prometheus.Registry
	// Metrics records HTTP metrics; it must be registered on Registry.
	// Default: telemetry.NewMetrics(Registry).
	Metrics *telemetry.Metrics
	// Redis holds the per-tenant rate-limit buckets and the shared
	// response cache. Required unless RateLimit.Disabled; without it pages
	// are cached in process memory only.
	Redis *redis.Client
	// Store is the database the market-data endpoints read and the
	// scenario endpoints read and write. Without it they answer 503.
	Store *store.Store
	// Serde encodes the ScenarioRequest and RunEvent values the scenario
	// endpoints put in the outbox. Without it POST /v1/scenarios/{id}/runs
	// and POST /v1/runs/{run_id}/cancel answer 503.
	Serde *serde.Serde
	// RunEvents feeds GET /v1/runs/{run_id}/events from the run topic.
	// Without it the stream answers 503.
	RunEvents *RunEvents
	// Checks are the readiness checks of GET /ready.
	Checks []Check
	// Lags reports the consumer groups' lag that GET /ready shows beside
	// its checks, never failing readiness. Without it /ready shows none.
	Lags Lags
	// Versions knows the data version of each market dataset, which cache
	// keys and ETags depend on, without a query. Without it every read
	// queries the version.
	Versions Versions
	// Tracer makes a span of every request, whose trace context the
	// records of a run request carry on (traceparent). Nil makes none.
	Tracer trace.Tracer
}

// Versions tells the current data version token of a dataset, when it
// knows it (*market.Versions).
type Versions interface {
	Get(dataset string) (token string, ok bool)
}

// Server is the HTTP API.
type Server struct {
	cfg        Config
	logger     *slog.Logger
	registry   *prometheus.Registry
	metrics    *telemetry.Metrics
	redis      *redis.Client
	checks     []Check
	lags       Lags // nil without Deps.Lags
	echo       *echo.Echo
	v1         *echo.Group
	routePaths map[string]bool
	openapiDoc []byte
	uiAssets   map[string]*uiAsset

	pool  *pgxpool.Pool    // nil without Deps.Store
	store *store.Store     // nil without Deps.Store
	runs  *runs.Repository // nil without Deps.Store
	serde *serde.Serde     // nil without Deps.Serde
	// runEvents feeds the run event streams; nil without Deps.RunEvents.
	runEvents *RunEvents
	cursors   *cursorCodec
	cache     *responseCache
	limiter   *rateLimiter // nil when rate limiting is disabled
	// market reads market data; nil without Deps.Store.
	market *market.Reader
	// versions knows data versions; nil without Deps.Versions.
	versions Versions

	authenticate authenticator
	tracer       trace.Tracer // nil: no spans

	// stop ends background work (JWKS refresh); stopping is cancelled when
	// graceful shutdown begins so that long-lived streams can end.
	stop     context.CancelFunc
	stopping context.Context
	drain    context.CancelFunc
	stopOnce sync.Once

	mu   sync.Mutex
	addr net.Addr
}

// New validates cfg, applies defaults and builds the server. In oidc mode it
// starts fetching the issuer's JWKS (discovering its URL when not given).
func New(cfg Config, deps Deps) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("api config: %w", err)
	}
	if deps.Logger == nil {
		return nil, errors.New("api: Deps.Logger is required")
	}
	if deps.Redis == nil && !cfg.RateLimit.Disabled {
		return nil, errors.New("api: Deps.Redis is required for rate limiting (or disable it)")
	}
	for i, c := range deps.Checks {
		if c.Name == "" || c.Fn == nil {
			return nil, fmt.Errorf("api: readiness check %d needs a name and a func", i)
		}
	}
	if deps.Registry == nil {
		deps.Registry = telemetry.NewRegistry()
	}
	if deps.Metrics == nil {
		deps.Metrics = telemetry.NewMetrics(deps.Registry)
	}
	doc, err := openapiJSON()
	if err != nil {
		return nil, err
	}
	page, err := newUIAssets(ui.Config{AuthMode: cfg.Auth.Mode, Identity: cfg.UIIdentity})
	if err != nil {
		return nil, err
	}

	secret := []byte(cfg.CursorSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails on supported platforms
		deps.Logger.Warn("AURUM_CURSOR_SECRET is not set: cursors are signed with a random key of this process, " +
			"so they stop working after a restart and on other API instances")
	}

	bg, stop := context.WithCancel(context.Background())
	stopping, drain := context.WithCancel(bg)
	breaker := &redisBreaker{logger: deps.Logger}
	s := &Server{
		cfg: cfg, logger: deps.Logger, registry: deps.Registry, metrics: deps.Metrics,
		redis: deps.Redis, checks: deps.Checks, lags: deps.Lags, openapiDoc: doc, uiAssets: page,
		cursors: newCursorCodec(secret, cfg.CursorTTL),
		cache: &responseCache{breaker: breaker, ttl: cfg.Cache.TTL, prefix: cfg.Cache.KeyPrefix, logger: deps.Logger,
			fetchTimeout: cfg.DatabaseTimeout},
		stop: stop, stopping: stopping, drain: drain,
	}
	if !cfg.RateLimit.Disabled {
		s.limiter = newRateLimiter(cfg.RateLimit, deps.Redis, breaker)
	}
	if deps.Store != nil {
		s.pool = deps.Store.Pool()
		s.store = deps.Store
		s.runs = runs.NewRepository(deps.Store)
		s.market = market.NewReader(deps.Store.Reads())
	}
	s.serde = deps.Serde
	s.tracer = deps.Tracer
	s.versions = deps.Versions
	s.runEvents = deps.RunEvents
	if !cfg.Cache.Disabled {
		s.cache.rdb = deps.Redis
		s.cache.mem = newMemCache(cfg.Cache.MemoryBytes)
	}
	switch cfg.Auth.Mode {
	case AuthNone:
		s.authenticate = authNone
	case AuthForward:
		s.authenticate = authForward
	case AuthOIDC:
		v, err := newOIDCVerifier(bg, cfg.Auth, deps.Logger)
		if err != nil {
			stop()
			return nil, fmt.Errorf("api: oidc: %w", err)
		}
		s.authenticate = v.authenticate
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Outermost first: the request id exists before anything logs; the
	// access log and metrics see the status the error handler wrote; no
	// handler sees a parameter the database cannot hold.
	e.Use(s.requestIDMiddleware)
	if s.tracer != nil {
		e.Use(s.tracingMiddleware)
	}
	e.Use(s.accessLogMiddleware, s.metricsMiddleware, errorMiddleware, s.recoverMiddleware, paramsMiddleware)
	s.echo = e
	s.routes()
	s.indexRoutes()
	return s, nil
}

// indexRoutes records the route templates used as metric labels.
func (s *Server) indexRoutes() {
	s.routePaths = make(map[string]bool)
	for _, r := range s.echo.Routes() {
		if r.Method != echo.RouteNotFound {
			s.routePaths[r.Path] = true
		}
	}
}

// Handler returns the API as an http.Handler (for httptest and embedding).
func (s *Server) Handler() http.Handler { return s.echo }

// Addr returns the address Run listens on, or nil before it does.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stopping is cancelled when graceful shutdown begins; long-lived responses
// (server-sent events) end when it is done so shutdown does not wait on them.
func (s *Server) Stopping() <-chan struct{} { return s.stopping.Done() }

// Run listens on Config.Addr and serves until ctx is cancelled, then shuts
// down gracefully: it stops accepting connections and lets in-flight
// requests finish for up to ShutdownTimeout before closing the rest.
func (s *Server) Run(ctx context.Context) error {
	defer s.Close()
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (AURUM_HTTP_ADDR): %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()

	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.logger.Info("http api listening", slog.String("addr", ln.Addr().String()), slog.String("auth_mode", s.cfg.Auth.Mode))

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}

	s.logger.Info("http api shutting down", slog.Duration("timeout", s.cfg.ShutdownTimeout))
	s.drain()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Close stops background work (the JWKS refresh). Run calls it on return;
// call it when using Handler without Run.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		s.drain()
		s.stop()
	})
}
