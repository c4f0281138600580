// Package config reads Aurum's settings from the environment (the README's Configuration),
// lets command-line flags of the same name override them, and validates them
// so that a bad value stops a command at start-up with a message naming the
// variable. Only the composition root (cmd/aurum) uses it; components get
// plain values through their own Config structs.
package config

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// Config holds every setting of the README's Configuration. An empty KafkaBrokers,
// SchemaRegistryURL, DatabaseURL or RedisURL means "use the embedded or
// private one" under `aurum dev`; other commands say which they require.
type Config struct {
	HTTPAddr          string
	KafkaBrokers      []string
	SchemaRegistryURL string
	DatabaseURL       string
	RedisURL          string
	DataDir           string
	AuthMode          string
	OIDCIssuer        string
	OIDCAudience      string
	OIDCJWKSURL       string
	OIDCRolesClaim    string
	LogLevel          string
	LogFormat         string
	CursorSecret      string
	// RateLimitRPS is each tenant's sustained request rate; 0 turns rate
	// limiting off. RateLimitBurst is how many requests may come at once.
	RateLimitRPS   float64
	RateLimitBurst int
	// DatabaseTimeout bounds the database work of an API request: the wait
	// for a connection and its statements (statement_timeout).
	DatabaseTimeout time.Duration
	// DatabaseReads caps the API's concurrent market-data reads
	// (store.Config.ReadConns); 0 is the store's default.
	DatabaseReads int32
	// CompressAfter is the age after which TimescaleDB compresses a chunk
	// of market data; 0 turns compression off.
	CompressAfter time.Duration
	// RetainCurves, RetainISO and RetainExternal drop chunks of curve, ISO
	// and external-series observations older than this (TimescaleDB); 0
	// keeps everything.
	RetainCurves, RetainISO, RetainExternal time.Duration
	// TracesExporter is otlp, console or none (tracing off); OTLPEndpoint,
	// ServiceName and the sampler configure it (telemetry.TracingConfig).
	TracesExporter                  string
	OTLPEndpoint                    string
	ServiceName                     string
	TracesSampler, TracesSamplerArg string

	// errs are the values Load could not parse, reported by Validate.
	errs []error
	// getenv is the environment Load read, for the settings of the
	// collectors' providers (Provider).
	getenv func(string) string
}

// Setting names one variable, its flag and its default.
type Setting struct {
	Env     string
	Default string
	Usage   string
}

// Flag is the command-line flag overriding the variable: AURUM_HTTP_ADDR →
// --http-addr.
func (s Setting) Flag() string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(s.Env, "AURUM_")), "_", "-")
}

// The settings of the README's Configuration.
var (
	HTTPAddr          = Setting{"AURUM_HTTP_ADDR", "127.0.0.1:8080", "API listen address"}
	KafkaBrokers      = Setting{"AURUM_KAFKA_BROKERS", "", "comma-separated seed brokers (empty: the embedded broker)"}
	SchemaRegistryURL = Setting{"AURUM_SCHEMA_REGISTRY_URL", "", "schema registry base URL (empty: the embedded registry)"}
	DatabaseURL       = Setting{"AURUM_DATABASE_URL", "", "PostgreSQL/TimescaleDB DSN (empty under dev: a private server)"}
	RedisURL          = Setting{"AURUM_REDIS_URL", "", "Redis URL (empty under dev: a private server)"}
	DataDir           = Setting{"AURUM_DATA_DIR", "./.aurum", "where dev state lives"}
	AuthMode          = Setting{"AURUM_AUTH_MODE", "forward", "API authentication: none, forward or oidc"}
	OIDCIssuer        = Setting{"AURUM_OIDC_ISSUER", "", "OIDC issuer (iss claim)"}
	OIDCAudience      = Setting{"AURUM_OIDC_AUDIENCE", "", "OIDC audience (aud claim)"}
	OIDCJWKSURL       = Setting{"AURUM_OIDC_JWKS_URL", "", "OIDC JWKS URL (default: discovered from <issuer>/.well-known/openid-configuration)"}
	OIDCRolesClaim    = Setting{"AURUM_OIDC_ROLES_CLAIM", "roles", "the bearer token claim holding the caller's roles (oidc)"}
	LogLevel          = Setting{"AURUM_LOG_LEVEL", "info", "debug, info, warn or error"}
	LogFormat         = Setting{"AURUM_LOG_FORMAT", "text", "json or text"}
	CursorSecret      = Setting{"AURUM_CURSOR_SECRET", "", "HMAC key signing API pagination cursors; give every API instance the same one (empty: a random key per process)"}
	RateLimitRPS      = Setting{"AURUM_RATE_LIMIT_RPS", "50", "requests per second per tenant (0: no rate limit)"}
	RateLimitBurst    = Setting{"AURUM_RATE_LIMIT_BURST", "100", "requests a tenant may make at once above the rate"}
	DatabaseTimeout   = Setting{"AURUM_DATABASE_TIMEOUT", "3s", "how long an API request waits on the database (a connection, each statement) before it is answered 503"}
	DatabaseReads     = Setting{"AURUM_DATABASE_READS", "0", "market-data reads an API instance runs on the database at once; more than its cores only queue there and lengthen the slowest (0: twice this host's CPUs)"}
	CompressAfter     = Setting{"AURUM_COMPRESS_AFTER", "30d", "age after which TimescaleDB compresses market data chunks, e.g. 30d or 720h (0: never)"}
	RetainCurves      = Setting{"AURUM_RETAIN_CURVES", "", "drop curve observations older than this, e.g. 3650d (TimescaleDB; empty: keep all)"}
	RetainISO         = Setting{"AURUM_RETAIN_ISO", "", "drop ISO LMP and load older than this (TimescaleDB; empty: keep all)"}
	RetainExternal    = Setting{"AURUM_RETAIN_EXTERNAL", "", "drop external-series observations older than this (TimescaleDB; empty: keep all)"}
	TracesExporter    = Setting{"OTEL_TRACES_EXPORTER", "none", "OpenTelemetry traces: otlp (OTLP over HTTP), console (JSON spans on stdout) or none (off)"}
	OTLPEndpoint      = Setting{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP collector base URL; spans go to its /v1/traces (empty: http://localhost:4318)"}
	ServiceName       = Setting{"OTEL_SERVICE_NAME", "", "service.name of the spans (empty: aurum-<command>, e.g. aurum-worker)"}
	TracesSampler     = Setting{"OTEL_TRACES_SAMPLER", "parentbased_always_on", "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio"}
	TracesSamplerArg  = Setting{"OTEL_TRACES_SAMPLER_ARG", "", "the sampling probability of the ratio samplers, 0 to 1 (empty: 1)"}
)

// All lists every setting, in the order of the README's Configuration.
func All() []Setting {
	return []Setting{HTTPAddr, KafkaBrokers, SchemaRegistryURL, DatabaseURL, RedisURL, DataDir,
		AuthMode, OIDCIssuer, OIDCAudience, OIDCJWKSURL, OIDCRolesClaim, LogLevel, LogFormat, CursorSecret,
		RateLimitRPS, RateLimitBurst, DatabaseTimeout, DatabaseReads, CompressAfter, RetainCurves, RetainISO, RetainExternal,
		TracesExporter, OTLPEndpoint, ServiceName, TracesSampler, TracesSamplerArg}
}

// Embedded addresses of `aurum dev` and `aurum broker`; other roles on the
// same machine reach them when AURUM_KAFKA_BROKERS and
// AURUM_SCHEMA_REGISTRY_URL are unset.
const (
	EmbeddedBrokerAddr   = "127.0.0.1:9092"
	EmbeddedRegistryAddr = "127.0.0.1:8081"
)

// Loader binds the settings to a flag set so flags override the environment.
type Loader struct {
	getenv func(string) string
	values map[string]*string
	fs     *flag.FlagSet
}

// NewLoader registers a flag for every setting on fs; getenv is usually
// os.Getenv.
func NewLoader(fs *flag.FlagSet, getenv func(string) string) *Loader {
	l := &Loader{getenv: getenv, values: map[string]*string{}, fs: fs}
	for _, s := range All() {
		l.values[s.Env] = fs.String(s.Flag(), "", fmt.Sprintf("%s (env %s, default %q)", s.Usage, s.Env, s.Default))
	}
	return l
}

// value resolves one setting: flag, then environment, then default.
func (l *Loader) value(s Setting) string {
	if v := *l.values[s.Env]; v != "" {
		return v
	}
	if v := l.getenv(s.Env); v != "" {
		return v
	}
	return s.Default
}

// Load resolves and validates every setting. The error names each bad
// variable.
func (l *Loader) Load() (Config, error) {
	c := Config{
		HTTPAddr:          l.value(HTTPAddr),
		SchemaRegistryURL: l.value(SchemaRegistryURL),
		DatabaseURL:       l.value(DatabaseURL),
		RedisURL:          l.value(RedisURL),
		DataDir:           l.value(DataDir),
		AuthMode:          strings.ToLower(l.value(AuthMode)),
		OIDCIssuer:        l.value(OIDCIssuer),
		OIDCAudience:      l.value(OIDCAudience),
		OIDCJWKSURL:       l.value(OIDCJWKSURL),
		OIDCRolesClaim:    l.value(OIDCRolesClaim),
		LogLevel:          strings.ToLower(l.value(LogLevel)),
		LogFormat:         strings.ToLower(l.value(LogFormat)),
		CursorSecret:      l.value(CursorSecret),
		getenv:            l.getenv,
	}
	if b := l.value(KafkaBrokers); b != "" {
		for _, broker := range strings.Split(b, ",") {
			c.KafkaBrokers = append(c.KafkaBrokers, strings.TrimSpace(broker))
		}
	}
	c.RateLimitRPS = parse(&c, RateLimitRPS, l.value(RateLimitRPS), func(v string) (float64, error) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, errors.New("not a non-negative number")
		}
		return f, nil
	})
	c.RateLimitBurst = parse(&c, RateLimitBurst, l.value(RateLimitBurst), func(v string) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, errors.New("not a positive integer")
		}
		return n, nil
	})
	c.DatabaseTimeout = parse(&c, DatabaseTimeout, l.value(DatabaseTimeout), func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, errors.New("not a positive duration such as 3s or 500ms")
		}
		return d, nil
	})
	c.DatabaseReads = parse(&c, DatabaseReads, l.value(DatabaseReads), func(v string) (int32, error) {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return 0, errors.New("not a non-negative integer")
		}
		return int32(n), nil
	})
	c.CompressAfter = parse(&c, CompressAfter, l.value(CompressAfter), ParseAge)
	c.RetainCurves = parse(&c, RetainCurves, l.value(RetainCurves), ParseAge)
	c.RetainISO = parse(&c, RetainISO, l.value(RetainISO), ParseAge)
	c.RetainExternal = parse(&c, RetainExternal, l.value(RetainExternal), ParseAge)
	c.TracesExporter = strings.ToLower(strings.TrimSpace(l.value(TracesExporter)))
	c.OTLPEndpoint = l.value(OTLPEndpoint)
	c.ServiceName = l.value(ServiceName)
	c.TracesSampler = strings.ToLower(strings.TrimSpace(l.value(TracesSampler)))
	c.TracesSamplerArg = strings.TrimSpace(l.value(TracesSamplerArg))
	return c, c.Validate()
}

// parse converts the value of s with conv, recording an error naming s in
// c when it cannot; an empty value is the zero value.
func parse[T any](c *Config, s Setting, v string, conv func(string) (T, error)) T {
	var zero T
	if v == "" {
		return zero
	}
	out, err := conv(v)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: %q: %v", s.Env, v, err))
		return zero
	}
	return out
}

// ParseAge parses an age: a whole number of days ("30d"), or a Go duration
// ("720h", "90m"); "0" is zero. Negative ages are refused.
func ParseAge(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, errors.New("not a number of days such as 30d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("not an age such as 30d or 720h")
	}
	return d, nil
}

// Validate checks every value and joins one error per bad variable.
func (c Config) Validate() error {
	errs := append([]error(nil), c.errs...)
	bad := func(s Setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", s.Env, fmt.Sprintf(format, args...)))
	}
	if err := checkHostPort(c.HTTPAddr); err != nil {
		bad(HTTPAddr, "%q is not host:port: %v", c.HTTPAddr, err)
	}
	for _, b := range c.KafkaBrokers {
		if err := checkHostPort(b); err != nil || strings.HasPrefix(b, ":") {
			bad(KafkaBrokers, "%q is not a host:port broker address", b)
		}
	}
	if c.SchemaRegistryURL != "" {
		if err := checkHTTPURL(c.SchemaRegistryURL); err != nil {
			bad(SchemaRegistryURL, "%v", err)
		}
	}
	if c.DatabaseURL != "" {
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			bad(DatabaseURL, "not a PostgreSQL DSN: %s", redactIn(err, c.DatabaseURL))
		}
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			bad(RedisURL, "not a Redis URL: %s", redactIn(err, c.RedisURL))
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad(DataDir, "must not be empty")
	}
	switch c.AuthMode {
	case "none", "forward":
	case "oidc":
		if c.OIDCIssuer == "" {
			bad(OIDCIssuer, "required when AURUM_AUTH_MODE=oidc")
		}
		if c.OIDCAudience == "" {
			bad(OIDCAudience, "required when AURUM_AUTH_MODE=oidc")
		}
		if c.OIDCJWKSURL != "" {
			if err := checkHTTPURL(c.OIDCJWKSURL); err != nil {
				bad(OIDCJWKSURL, "%v", err)
			}
		}
	default:
		bad(AuthMode, "%q is not one of none, forward, oidc", c.AuthMode)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad(LogLevel, "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		bad(LogFormat, "%q is not one of json, text", c.LogFormat)
	}
	if c.CursorSecret != "" && len(c.CursorSecret) < 16 {
		bad(CursorSecret, "too short: use at least 16 characters")
	}
	c.validateTracing(bad)
	return errors.Join(errs...)
}

// validateTracing checks the OpenTelemetry settings.
func (c Config) validateTracing(bad func(s Setting, format string, args ...any)) {
	switch c.TracesExporter {
	case "", telemetry.ExporterNone, telemetry.ExporterOTLP, telemetry.ExporterConsole:
	default:
		bad(TracesExporter, "%q is not one of otlp, console, none", c.TracesExporter)
	}
	if c.OTLPEndpoint != "" {
		if _, err := telemetry.TracesURL(c.OTLPEndpoint); err != nil {
			bad(OTLPEndpoint, "%q is not an http(s) URL", RedactURL(c.OTLPEndpoint))
		}
	}
	if _, err := telemetry.ParseSampler(c.TracesSampler, ""); err != nil {
		bad(TracesSampler, "%v", err)
	} else if _, err := telemetry.ParseSampler(c.TracesSampler, c.TracesSamplerArg); err != nil {
		bad(TracesSamplerArg, "%v", err)
	}
}

// Tracing is the tracing configuration of command (its service name
// unless OTEL_SERVICE_NAME gives one).
func (c Config) Tracing(command string) telemetry.TracingConfig {
	name := c.ServiceName
	if name == "" {
		name = "aurum-" + strings.ReplaceAll(command, " ", "-")
	}
	return telemetry.TracingConfig{Exporter: c.TracesExporter, Endpoint: c.OTLPEndpoint, ServiceName: name,
		Sampler: c.TracesSampler, SamplerArg: c.TracesSamplerArg}
}

// Brokers returns the configured brokers, or the embedded broker's address.
func (c Config) Brokers() []string {
	if len(c.KafkaBrokers) == 0 {
		return []string{EmbeddedBrokerAddr}
	}
	return c.KafkaBrokers
}

// Registry returns the configured registry URL, or the embedded one's.
func (c Config) Registry() string {
	if c.SchemaRegistryURL == "" {
		return "http://" + EmbeddedRegistryAddr
	}
	return c.SchemaRegistryURL
}

// Require reports an error naming each of the infrastructure settings in ss
// that is empty, for the roles that cannot start a private server.
func (c Config) Require(ss ...Setting) error {
	set := map[string]bool{
		KafkaBrokers.Env:      len(c.KafkaBrokers) > 0,
		SchemaRegistryURL.Env: c.SchemaRegistryURL != "",
		DatabaseURL.Env:       c.DatabaseURL != "",
		RedisURL.Env:          c.RedisURL != "",
	}
	var errs []error
	for _, s := range ss {
		if !set[s.Env] {
			errs = append(errs, fmt.Errorf("%s: required by this command (only aurum dev starts a private one)", s.Env))
		}
	}
	return errors.Join(errs...)
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("bad host %q", host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %s", RedactURL(raw), redactIn(err, raw))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", RedactURL(raw))
	}
	return nil
}
