package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config configures the connection pool. Only URL is required.
type Config struct {
	// URL is the PostgreSQL DSN (postgres://user:pass@host:port/db?... or
	// key=value form). Required: an empty URL is an error rather than an
	// invitation to read PG* environment variables.
	URL string
	// MaxConns caps the pool. Default 10.
	MaxConns int32
	// MinConns connections are kept open. Default 0.
	MinConns int32
	// ReadConns caps the pool of market-data reads (Reads). The reads are
	// the database's CPU: more of them at once than it has cores only
	// queue there, and the slowest wait longest (at 16 concurrent readers
	// on two cores, a pool of 4 halved the 99th percentile of a read
	// against one of 20). Default twice this process's GOMAXPROCS, for a
	// database on a host like this one.
	ReadConns int32
	// ConnectTimeout bounds each new connection and the ping Open makes, so
	// an unreachable database fails fast. Default 5s.
	ConnectTimeout time.Duration
	// MaxConnLifetime recycles connections. Default 1h.
	MaxConnLifetime time.Duration
	// ApplicationName shows up in pg_stat_activity. Default "aurum".
	ApplicationName string
	// Timeout, when set, bounds every statement on the server
	// (statement_timeout) and every transaction of InTenant, InTx and
	// InRelay on the client, the wait for a connection included: a server
	// that stops answering then costs a caller this long and an error, not
	// a hang (the server cannot enforce statement_timeout while it is
	// stopped; the client's deadline closes the connection). For a store
	// that serves requests; zero, for batch writers and migrations, bounds
	// nothing.
	Timeout time.Duration
}

// Defaults of Config.
const (
	DefaultMaxConns        int32 = 10
	DefaultConnectTimeout        = 5 * time.Second
	DefaultMaxConnLifetime       = time.Hour
	DefaultApplicationName       = "aurum"
)

func (c Config) withDefaults() Config {
	c.MaxConns = cmp.Or(c.MaxConns, DefaultMaxConns)
	c.ReadConns = cmp.Or(c.ReadConns, int32(2*runtime.GOMAXPROCS(0)))
	c.ConnectTimeout = cmp.Or(c.ConnectTimeout, DefaultConnectTimeout)
	c.MaxConnLifetime = cmp.Or(c.MaxConnLifetime, DefaultMaxConnLifetime)
	c.ApplicationName = cmp.Or(c.ApplicationName, DefaultApplicationName)
	return c
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("database URL is required")
	case c.MaxConns < 0:
		return fmt.Errorf("max connections %d: must not be negative", c.MaxConns)
	case c.ReadConns < 0:
		return fmt.Errorf("read connections %d: must not be negative", c.ReadConns)
	case c.MinConns < 0:
		return fmt.Errorf("min connections %d: must not be negative", c.MinConns)
	case c.MaxConns > 0 && c.MinConns > c.MaxConns:
		return fmt.Errorf("min connections %d exceed max connections %d", c.MinConns, c.MaxConns)
	case c.ConnectTimeout < 0:
		return fmt.Errorf("connect timeout %s: must not be negative", c.ConnectTimeout)
	case c.MaxConnLifetime < 0:
		return fmt.Errorf("max connection lifetime %s: must not be negative", c.MaxConnLifetime)
	case c.Timeout < 0:
		return fmt.Errorf("timeout %s: must not be negative", c.Timeout)
	}
	return nil
}

// Store is Aurum's database: a connection pool plus the transactions that
// apply the tenant and role rules. It is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	reads   *pgxpool.Pool // market reads: generic plans
	timeout time.Duration // Config.Timeout
	logger  *slog.Logger
	target  string // user@host:port/db, for messages; never the password
}

// Open validates cfg, creates the pool and pings the database within
// cfg.ConnectTimeout. It does not migrate; call Migrate for that.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("store config: %w", err)
	}
	cfg = cfg.withDefaults()
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		// pgconn redacts the password from its parse errors.
		return nil, fmt.Errorf("store config: invalid database URL: %w", err)
	}
	pcfg.MaxConns = cfg.MaxConns
	pcfg.MinConns = cfg.MinConns
	pcfg.MaxConnLifetime = cfg.MaxConnLifetime
	pcfg.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	if _, ok := pcfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		pcfg.ConnConfig.RuntimeParams["application_name"] = cfg.ApplicationName
	}
	// JIT compilation pays off for long analytical queries; Aurum's
	// statements take milliseconds, and the writes' upserts, whose cost
	// estimates cross jit_above_cost, spent more time compiling than
	// running.
	if _, ok := pcfg.ConnConfig.RuntimeParams["jit"]; !ok {
		pcfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if cfg.Timeout > 0 {
		pcfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.Timeout.Milliseconds(), 10)
	}
	// NOTICEs are routine ("does not exist, skipping"); WARNINGs are not.
	pcfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		level := slog.LevelDebug
		if n.Severity == "WARNING" {
			level = slog.LevelWarn
		}
		logger.Log(context.Background(), level, "postgres: "+n.Message, slog.String("severity", n.Severity))
	}
	s := &Store{
		timeout: cfg.Timeout,
		logger:  logger,
		target:  fmt.Sprintf("%s@%s:%d/%s", pcfg.ConnConfig.User, pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database),
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", s.target, err)
	}
	// The pool of market reads plans each statement once for any values:
	// their statements are written for it (internal/market), and planning
	// every read again was half the database's work.
	rcfg := pcfg.Copy()
	rcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	rcfg.MaxConns, rcfg.MinConns = cfg.ReadConns, min(cfg.MinConns, cfg.ReadConns)
	if s.reads, err = pgxpool.NewWithConfig(ctx, rcfg); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open database %s: %w", s.target, err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := s.pool.Ping(pctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to database %s (timeout %s): %w", s.target, cfg.ConnectTimeout, err)
	}
	s.logConnectingRole(ctx)
	return s, nil
}

// logConnectingRole says when the connecting role bypasses row-level security,
// the development set-up; production should connect as a member of aurum_app.
func (s *Store) logConnectingRole(ctx context.Context) {
	var super, bypass bool
	err := s.pool.QueryRow(ctx,
		`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass)
	if err != nil {
		s.logger.Warn("store: cannot inspect the connecting role", slog.String("error", err.Error()))
		return
	}
	if super || bypass {
		s.logger.Info("store: connected as a role that bypasses row-level security; tenant isolation relies on InTenant",
			slog.String("database", s.target), slog.Bool("superuser", super), slog.Bool("bypassrls", bypass))
	}
}

// Pool is the underlying pool. Its connections run as the connecting user:
// use it for market data and administration, and InTenant for tenant data.
// Config.Timeout bounds its statements on the server only: bound the
// callers' contexts too.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Reads is the pool of market-data reads (market.Reader): like Pool, but
// its connections plan a prepared statement once, for any values (a
// generic plan), rather than for each call's. Statements whose generic
// plan would go wrong must not be prepared on it (see internal/market).
func (s *Store) Reads() *pgxpool.Pool { return s.reads }

// Close closes every connection; it waits for acquired ones to be released.
func (s *Store) Close() {
	s.pool.Close()
	s.reads.Close()
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database %s: %w", s.target, err)
	}
	return nil
}

// Timescale reports whether the timescaledb extension is installed in the
// database, i.e. whether the market tables are hypertables. Before Migrate
// has run it reports false.
func (s *Store) Timescale(ctx context.Context) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)`, "timescaledb").Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("detect timescaledb: %w", err)
	}
	return ok, nil
}
