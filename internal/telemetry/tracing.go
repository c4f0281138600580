package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Exporters of OTEL_TRACES_EXPORTER.
const (
	ExporterNone    = "none"
	ExporterOTLP    = "otlp"
	ExporterConsole = "console"
)

// TracingConfig configures OpenTelemetry tracing with the values of the
// standard OTEL_* variables (docs/CONTRACTS.md#tracing).
type TracingConfig struct {
	// Exporter is otlp (OTLP over HTTP), console (one JSON object per span
	// on Console) or none; empty is none: tracing is off.
	Exporter string
	// Endpoint is the OTLP collector's base URL; spans go to its
	// /v1/traces. Empty: the exporter's default, http://localhost:4318.
	Endpoint string
	// ServiceName is the resource's service.name.
	ServiceName string
	// Sampler and SamplerArg are OTEL_TRACES_SAMPLER and its argument
	// (ParseSampler); empty is parentbased_always_on.
	Sampler, SamplerArg string
	// Console receives the console exporter's spans. Default os.Stdout.
	Console io.Writer
}

// Tracing is a process's tracer provider, or none when tracing is off.
// Off, its Tracer is nil: a component given a nil tracer makes no span and
// pays one nil check where it would, so that tracing costs nothing.
type Tracing struct {
	provider *sdktrace.TracerProvider // nil: off
}

// NewTracing returns the tracing cfg asks for, off when its exporter is
// none. Spans are batched to the exporter; Shutdown flushes them.
func NewTracing(cfg TracingConfig) (*Tracing, error) {
	var exp sdktrace.SpanExporter
	switch strings.ToLower(strings.TrimSpace(cfg.Exporter)) {
	case "", ExporterNone:
		return &Tracing{}, nil
	case ExporterOTLP:
		var opts []otlptracehttp.Option
		if cfg.Endpoint != "" {
			u, err := TracesURL(cfg.Endpoint)
			if err != nil {
				return nil, err
			}
			opts = append(opts, otlptracehttp.WithEndpointURL(u))
		}
		var err error
		if exp, err = otlptracehttp.New(context.Background(), opts...); err != nil {
			return nil, fmt.Errorf("otlp trace exporter: %w", err)
		}
	case ExporterConsole:
		w := cfg.Console
		if w == nil {
			w = os.Stdout
		}
		var err error
		if exp, err = stdouttrace.New(stdouttrace.WithWriter(w)); err != nil {
			return nil, fmt.Errorf("console trace exporter: %w", err)
		}
	default:
		return nil, fmt.Errorf("traces exporter %q: want otlp, console or none", cfg.Exporter)
	}
	sampler, err := ParseSampler(cfg.Sampler, cfg.SamplerArg)
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName)))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return NewTracingFrom(sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(res),
	)), nil
}

// NewTracingFrom wraps a tracer provider, such as one exporting to
// tracetest's in-memory exporter in a test.
func NewTracingFrom(tp *sdktrace.TracerProvider) *Tracing { return &Tracing{provider: tp} }

// Enabled reports whether tracing is on.
func (t *Tracing) Enabled() bool { return t != nil && t.provider != nil }

// Tracer returns the tracer of the instrumentation scope name (the import
// path of the package making spans), or nil when tracing is off.
func (t *Tracing) Tracer(name string) trace.Tracer {
	if !t.Enabled() {
		return nil
	}
	return t.provider.Tracer(name)
}

// Shutdown exports the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// TracesURL is the OTLP/HTTP traces URL of a collector's base URL
// (OTEL_EXPORTER_OTLP_ENDPOINT): the base with /v1/traces appended.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("OTLP endpoint %q: want an http(s) URL such as http://localhost:4318", endpoint)
	}
	return strings.TrimSuffix(endpoint, "/") + "/v1/traces", nil
}

// ParseSampler returns the sampler of OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG: always_on, always_off, traceidratio,
// parentbased_always_on (the default, also for an empty name),
// parentbased_always_off or parentbased_traceidratio; the argument of a
// ratio sampler is a probability from 0 to 1, default 1.
func ParseSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("sampler argument %q: want a probability from 0 to 1", arg)
		}
		return r, nil
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.ToLower(name), "parentbased_") {
			return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
		}
		return sdktrace.TraceIDRatioBased(r), nil
	default:
		return nil, errors.New("sampler " + strconv.Quote(name) + ": want always_on, always_off, traceidratio, " +
			"parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
	}
}

// EndSpan ends span, marking it failed with err when err is not nil. A nil
// span (tracing off) is left alone, so that callers need no check of their
// own.
func EndSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
