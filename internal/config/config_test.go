package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := NewLoader(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return l.Load()
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.AuthMode != "forward" || c.DataDir != "./.aurum" || c.LogFormat != "text" {
		t.Fatalf("defaults: %+v", c)
	}
	if got := c.Brokers(); len(got) != 1 || got[0] != EmbeddedBrokerAddr {
		t.Fatalf("brokers default: %v", got)
	}
	if c.Registry() != "http://127.0.0.1:8081" {
		t.Fatalf("registry default: %s", c.Registry())
	}
	if c.RateLimitRPS != 50 || c.RateLimitBurst != 100 || c.DatabaseTimeout != 3*time.Second || c.DatabaseReads != 0 || c.CompressAfter != 30*24*time.Hour ||
		c.RetainCurves != 0 || c.RetainISO != 0 || c.RetainExternal != 0 {
		t.Fatalf("rate limit and storage defaults: %+v", c)
	}
}

func TestTracing(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tc := c.Tracing("runs watch"); tc.Exporter != "none" || tc.ServiceName != "aurum-runs-watch" || tc.Sampler != "parentbased_always_on" {
		t.Fatalf("tracing defaults: %+v", tc)
	}
	c, err = load(t, map[string]string{"OTEL_TRACES_EXPORTER": "OTLP", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
		"OTEL_SERVICE_NAME": "pricing-api", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
		"--otel-service-name", "pricing-api-1")
	if err != nil {
		t.Fatal(err)
	}
	want := "{otlp http://collector:4318 pricing-api-1 parentbased_traceidratio 0.25 <nil>}"
	if got := fmt.Sprint(c.Tracing("api")); got != want {
		t.Fatalf("tracing = %s, want %s", got, want)
	}
}

func TestAges(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"AURUM_COMPRESS_AFTER": "0", "AURUM_RETAIN_CURVES": "3650d",
		"AURUM_RETAIN_ISO": "720h", "AURUM_RATE_LIMIT_RPS": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CompressAfter != 0 || c.RetainCurves != 3650*24*time.Hour || c.RetainISO != 720*time.Hour || c.RateLimitRPS != 0 {
		t.Fatalf("ages: %+v", c)
	}
}

func TestFlagOverridesEnvironment(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"AURUM_HTTP_ADDR": "127.0.0.1:1", "AURUM_KAFKA_BROKERS": "a:1, b:2"},
		"--http-addr", "127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:2" {
		t.Fatalf("flag did not override: %s", c.HTTPAddr)
	}
	if strings.Join(c.KafkaBrokers, ",") != "a:1,b:2" {
		t.Fatalf("brokers: %v", c.KafkaBrokers)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"broker nonsense", map[string]string{"AURUM_KAFKA_BROKERS": "nonsense::"}, "AURUM_KAFKA_BROKERS"},
		{"broker without port", map[string]string{"AURUM_KAFKA_BROKERS": "kafka"}, "AURUM_KAFKA_BROKERS"},
		{"http addr", map[string]string{"AURUM_HTTP_ADDR": "8080"}, "AURUM_HTTP_ADDR"},
		{"registry scheme", map[string]string{"AURUM_SCHEMA_REGISTRY_URL": "ftp://x"}, "AURUM_SCHEMA_REGISTRY_URL"},
		{"database dsn", map[string]string{"AURUM_DATABASE_URL": "postgres://host:notaport/db"}, "AURUM_DATABASE_URL"},
		{"redis url", map[string]string{"AURUM_REDIS_URL": "http://x"}, "AURUM_REDIS_URL"},
		{"auth mode", map[string]string{"AURUM_AUTH_MODE": "basic"}, "AURUM_AUTH_MODE"},
		{"oidc without issuer", map[string]string{"AURUM_AUTH_MODE": "oidc", "AURUM_OIDC_AUDIENCE": "a"}, "AURUM_OIDC_ISSUER"},
		{"oidc without audience", map[string]string{"AURUM_AUTH_MODE": "oidc", "AURUM_OIDC_ISSUER": "https://id"}, "AURUM_OIDC_AUDIENCE"},
		{"log level", map[string]string{"AURUM_LOG_LEVEL": "loud"}, "AURUM_LOG_LEVEL"},
		{"log format", map[string]string{"AURUM_LOG_FORMAT": "xml"}, "AURUM_LOG_FORMAT"},
		{"rate", map[string]string{"AURUM_RATE_LIMIT_RPS": "fast"}, "AURUM_RATE_LIMIT_RPS"},
		{"negative rate", map[string]string{"AURUM_RATE_LIMIT_RPS": "-1"}, "AURUM_RATE_LIMIT_RPS"},
		{"burst", map[string]string{"AURUM_RATE_LIMIT_BURST": "0"}, "AURUM_RATE_LIMIT_BURST"},
		{"database timeout", map[string]string{"AURUM_DATABASE_TIMEOUT": "soon"}, "AURUM_DATABASE_TIMEOUT"},
		{"zero database timeout", map[string]string{"AURUM_DATABASE_TIMEOUT": "0s"}, "AURUM_DATABASE_TIMEOUT"},
		{"negative database reads", map[string]string{"AURUM_DATABASE_READS": "-1"}, "AURUM_DATABASE_READS"},
		{"compress after", map[string]string{"AURUM_COMPRESS_AFTER": "a month"}, "AURUM_COMPRESS_AFTER"},
		{"retention", map[string]string{"AURUM_RETAIN_CURVES": "-5d"}, "AURUM_RETAIN_CURVES"},
		{"iso retention", map[string]string{"AURUM_RETAIN_ISO": "10y"}, "AURUM_RETAIN_ISO"},
		{"external retention", map[string]string{"AURUM_RETAIN_EXTERNAL": "1.5d"}, "AURUM_RETAIN_EXTERNAL"},
		{"traces exporter", map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, "OTEL_TRACES_EXPORTER"},
		{"otlp endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"sampler", map[string]string{"OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"},
		{"sampler arg", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, "OTEL_TRACES_SAMPLER_ARG"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not name %s", err, tc.want)
			}
		})
	}
}

func TestRequireNamesMissingSettings(t *testing.T) {
	t.Parallel()
	err := Config{}.Require(DatabaseURL, RedisURL)
	if err == nil || !strings.Contains(err.Error(), "AURUM_DATABASE_URL") || !strings.Contains(err.Error(), "AURUM_REDIS_URL") {
		t.Fatalf("require: %v", err)
	}
}

func TestProvider(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"AURUM_FRED_BASE_URL": "http://replay/fred", "AURUM_FRED_API_KEY": "k"})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Provider("fred"); p.BaseURL != "http://replay/fred" || p.APIKey != "k" {
		t.Errorf("fred: %+v", p)
	}
	if p := c.Provider("pjm"); p != (Provider{}) {
		t.Errorf("pjm: %+v, want nothing set", p)
	}
	if p := (Config{}).Provider("fred"); p != (Provider{}) {
		t.Errorf("a Config not loaded: %+v", p)
	}
	if url, key := ProviderSettings("isone"); url.Env != "AURUM_ISONE_BASE_URL" || key.Env != "AURUM_ISONE_API_KEY" {
		t.Errorf("settings %s %s", url.Env, key.Env)
	}
}
