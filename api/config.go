package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aurum-energy/aurum/ui"
)

// Auth modes (AURUM_AUTH_MODE).
const (
	// AuthNone trusts nobody and lets everybody in: the tenant comes from
	// X-Aurum-Tenant (or "default") and every permission is granted. For
	// local experiments only.
	AuthNone = "none"
	// AuthForward trusts X-Aurum-Tenant, X-Aurum-User and X-Aurum-Roles set
	// by an authenticating reverse proxy in front of the API.
	AuthForward = "forward"
	// AuthOIDC verifies bearer JWTs against the issuer's JWKS.
	AuthOIDC = "oidc"
)

// Config configures the HTTP API. A zero field means the default documented
// on it; New validates the result and names the variable to fix.
type Config struct {
	// Addr is the listen address (AURUM_HTTP_ADDR). Default 127.0.0.1:8080.
	Addr string
	// Auth selects how callers are authenticated.
	Auth AuthConfig
	// RateLimit bounds requests per tenant.
	RateLimit RateLimitConfig
	// ReadyTimeout bounds each readiness check of GET /ready. Default 2 s.
	ReadyTimeout time.Duration
	// DatabaseTimeout bounds the database work of a market read (waiting
	// for a connection and the statement), so that a database that stops
	// answering costs a request this long and a 503, not a hang
	// (AURUM_DATABASE_TIMEOUT). Default 3 s.
	DatabaseTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown of Run: in-flight requests
	// get this long to finish before connections are closed. Default 10 s.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds reading request headers. Default 10 s. There
	// is no write timeout because server-sent event streams are long-lived.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes idle keep-alive connections. Default 2 min.
	IdleTimeout time.Duration
	// CursorSecret is the HMAC key signing pagination cursors
	// (AURUM_CURSOR_SECRET), at least 16 characters. Every instance behind
	// one address needs the same. Empty: a random key per process, so
	// cursors do not survive a restart or cross instances (a warning is
	// logged).
	CursorSecret string
	// CursorTTL is how long a cursor stays valid. Default 24 h.
	CursorTTL time.Duration
	// Cache configures the response cache and Cache-Control.
	Cache CacheConfig
	// UIIdentity, when set, is who the workbench page at /ui acts as in
	// forward and none modes, where no proxy in front says it (`aurum dev`).
	// Production leaves it nil: the proxy sets the identity headers.
	UIIdentity *ui.Identity
}

// CacheConfig configures the Redis cache of read responses and the
// Cache-Control lifetimes clients get.
type CacheConfig struct {
	// Disabled turns the response cache off, in Redis and in memory (ETag
	// and Cache-Control still apply).
	Disabled bool
	// TTL is how long a rendered page stays in Redis. Pages are keyed by
	// the data version, so this bounds memory, not staleness. Default 10 min.
	TTL time.Duration
	// KeyPrefix namespaces the cache keys in Redis. Default "aurum:cache:".
	KeyPrefix string
	// MemoryBytes bounds the pages each API instance also keeps in its own
	// memory, in front of Redis (same keys, so just as fresh). Default
	// 64 MiB; negative turns the memory layer off.
	MemoryBytes int64
	// LatestMaxAge is the Cache-Control max-age of answers about the latest
	// data, which the next load changes. Default 30 s.
	LatestMaxAge time.Duration
	// HistoryMaxAge is the max-age of answers about past as-of dates only.
	// Default 1 h.
	HistoryMaxAge time.Duration
}

// AuthConfig selects and configures authentication.
type AuthConfig struct {
	// Mode is none, forward or oidc (AURUM_AUTH_MODE). Default forward.
	Mode string
	// Issuer is the expected iss claim (AURUM_OIDC_ISSUER); required for oidc.
	Issuer string
	// Audience is the expected aud claim (AURUM_OIDC_AUDIENCE); required for oidc.
	Audience string
	// JWKSURL is where the issuer's signing keys are (AURUM_OIDC_JWKS_URL).
	// When empty it is discovered from <Issuer>/.well-known/openid-configuration.
	JWKSURL string
	// Leeway tolerates clock skew when checking exp and nbf. Default 30 s.
	Leeway time.Duration
	// RolesClaim names the claim holding the caller's roles or permissions,
	// a list of strings or one space- or comma-separated string
	// (AURUM_OIDC_ROLES_CLAIM). Default "roles". Other claims, such as the
	// OAuth scope, grant nothing: a client may ask for any scope.
	RolesClaim string
}

// RateLimitConfig bounds requests per tenant with a token bucket (GCRA)
// kept in Redis, so every API instance shares the same budget; while Redis
// is down each instance keeps the buckets itself (rateLimiter).
type RateLimitConfig struct {
	// Disabled turns rate limiting off.
	Disabled bool
	// RequestsPerSecond is the sustained rate per tenant. Default 50.
	RequestsPerSecond float64
	// Burst is how many requests a tenant may make at once above the
	// sustained rate. Default 100.
	Burst int
}

// Defaults applied by withDefaults.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultRequestsPerSecond = 50
	DefaultBurst             = 100
	DefaultReadyTimeout      = 2 * time.Second
	DefaultDatabaseTimeout   = 3 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
	DefaultLeeway            = 30 * time.Second
	DefaultRolesClaim        = "roles"
)

func (c Config) withDefaults() Config {
	c.Addr = cmp.Or(c.Addr, DefaultAddr)
	c.Auth.Mode = cmp.Or(c.Auth.Mode, AuthForward)
	c.Auth.Leeway = cmp.Or(c.Auth.Leeway, DefaultLeeway)
	c.Auth.RolesClaim = cmp.Or(c.Auth.RolesClaim, DefaultRolesClaim)
	c.RateLimit.RequestsPerSecond = cmp.Or(c.RateLimit.RequestsPerSecond, DefaultRequestsPerSecond)
	c.RateLimit.Burst = cmp.Or(c.RateLimit.Burst, DefaultBurst)
	c.ReadyTimeout = cmp.Or(c.ReadyTimeout, DefaultReadyTimeout)
	c.DatabaseTimeout = cmp.Or(c.DatabaseTimeout, DefaultDatabaseTimeout)
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, DefaultShutdownTimeout)
	c.ReadHeaderTimeout = cmp.Or(c.ReadHeaderTimeout, 10*time.Second)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, 2*time.Minute)
	c.CursorTTL = cmp.Or(c.CursorTTL, DefaultCursorTTL)
	c.Cache.TTL = cmp.Or(c.Cache.TTL, DefaultCacheTTL)
	c.Cache.MemoryBytes = cmp.Or(c.Cache.MemoryBytes, DefaultMemoryBytes)
	c.Cache.KeyPrefix = cmp.Or(c.Cache.KeyPrefix, DefaultCachePrefix)
	c.Cache.LatestMaxAge = cmp.Or(c.Cache.LatestMaxAge, DefaultLatestMaxAge)
	c.Cache.HistoryMaxAge = cmp.Or(c.Cache.HistoryMaxAge, DefaultHistoryMaxAge)
	return c
}

// validate reports every problem at once, naming the environment variable a
// user would fix.
func (c Config) validate() error {
	var errs []error
	switch c.Auth.Mode {
	case AuthNone, AuthForward:
	case AuthOIDC:
		if c.Auth.Issuer == "" {
			errs = append(errs, errors.New("AURUM_OIDC_ISSUER is required when AURUM_AUTH_MODE=oidc"))
		}
		if c.Auth.Audience == "" {
			errs = append(errs, errors.New("AURUM_OIDC_AUDIENCE is required when AURUM_AUTH_MODE=oidc"))
		}
		if c.Auth.JWKSURL != "" {
			if u, err := url.Parse(c.Auth.JWKSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("AURUM_OIDC_JWKS_URL %q: want an http(s) URL", c.Auth.JWKSURL))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("AURUM_AUTH_MODE %q: want none, forward or oidc", c.Auth.Mode))
	}
	if c.Auth.Leeway < 0 {
		errs = append(errs, fmt.Errorf("auth leeway %s: must not be negative", c.Auth.Leeway))
	}
	if !c.RateLimit.Disabled {
		if c.RateLimit.RequestsPerSecond < 0 {
			errs = append(errs, fmt.Errorf("rate limit %g requests/s: must be positive", c.RateLimit.RequestsPerSecond))
		}
		if c.RateLimit.Burst < 0 {
			errs = append(errs, fmt.Errorf("rate limit burst %d: must be positive", c.RateLimit.Burst))
		}
	}
	if c.CursorSecret != "" && len(c.CursorSecret) < 16 {
		errs = append(errs, errors.New("AURUM_CURSOR_SECRET is too short: use at least 16 characters"))
	}
	for name, d := range map[string]time.Duration{
		"ready timeout": c.ReadyTimeout, "database timeout": c.DatabaseTimeout, "shutdown timeout": c.ShutdownTimeout,
		"read header timeout": c.ReadHeaderTimeout, "idle timeout": c.IdleTimeout,
		"cursor ttl": c.CursorTTL, "cache ttl": c.Cache.TTL,
		"latest max-age": c.Cache.LatestMaxAge, "history max-age": c.Cache.HistoryMaxAge,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", name, d))
		}
	}
	return errors.Join(errs...)
}
