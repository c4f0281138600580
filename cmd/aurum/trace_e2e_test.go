package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// TestRunIsOneTrace: with tracing on, a run is one trace from the API's
// POST /v1/scenarios/{id}/runs to the worker's transaction carrying its
// terminal event — the API's span, then the worker's process, attempt,
// finish and commit spans — through the outbox, the relay and the request
// topic; the terminal event carries the trace on, and the worker's log
// lines carry the trace's ids. The API, the relay and the worker are built
// as `aurum dev` builds them, on the test's broker, database and Redis.
func TestRunIsOneTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kafka := testenv.NewKafka(t)
	cfg := config.Config{
		HTTPAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), KafkaBrokers: kafka.Brokers,
		SchemaRegistryURL: kafka.RegistryURL, DatabaseURL: testenv.DatabaseURL(t), RedisURL: testenv.RedisURL(t),
		AuthMode: "forward", DatabaseTimeout: 5 * time.Second, CursorSecret: "a cursor secret of the test",
	}
	exp := tracetest.NewInMemoryExporter()
	tracing := telemetry.NewTracingFrom(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	var logs testenv.Buffer
	logger := slog.New(telemetry.NewTraceHandler(slog.NewJSONHandler(&logs, nil)))

	var cl closers
	defer cl.close()
	p, err := connect(ctx, cfg, logger, tracing, &cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	seedPJMCurve(ctx, t, p)
	worker, err := p.newScenarioWorker("trace-test-worker", 2)
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- p.serveAPI(sctx, worker) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	acme := client{t: t, base: "http://" + cfg.HTTPAddr, tenant: "acme"}
	waitHealthy(t, acme)
	var scenario, run struct{ ID string }
	acme.do(http.MethodPost, "/v1/scenarios", `{"name": "gas up", "curve_filter": {"iso": ["PJM"]},
		"drivers": [{"driver_type": "fuel_price", "payload": {"fuel": "natural_gas", "delta": 1.0}}]}`,
		http.StatusCreated, &scenario)
	acme.do(http.MethodPost, "/v1/scenarios/"+scenario.ID+"/runs", `{}`, http.StatusAccepted, &run)

	post := spanNamed(t, exp, "POST /v1/scenarios/:id/runs", nil)
	id := post.SpanContext.TraceID()
	inTrace := func(s tracetest.SpanStub) bool { return s.SpanContext.TraceID() == id }
	spanNamed(t, exp, "scenario.commit", inTrace)
	var spans []tracetest.SpanStub
	scopes := map[string]bool{}
	for _, s := range exp.GetSpans() {
		if inTrace(s) {
			spans = append(spans, s)
			scopes[s.InstrumentationScope.Name] = true
		}
	}
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name
		t.Logf("span %s %s (%s), parent %s", s.SpanContext.SpanID(), s.Name, s.InstrumentationScope.Name, s.Parent.SpanID())
	}
	for _, want := range []string{"scenario.process", "scenario.attempt", "scenario.finish", "scenario.commit"} {
		if !slices.Contains(names, want) {
			t.Errorf("trace %s has spans %v, none named %s", id, names, want)
		}
	}
	if len(spans) < 4 || !scopes[scopeAPI] || !scopes[scopeWorker] {
		t.Errorf("trace %s: %d spans %v of scopes %v, want ≥ 4 of the api and the worker", id, len(spans), names, scopes)
	}
	process := spanNamed(t, exp, "scenario.process", inTrace)
	if process.Parent.SpanID() != post.SpanContext.SpanID() {
		t.Errorf("scenario.process has parent %s, want the POST's span %s", process.Parent.SpanID(), post.SpanContext.SpanID())
	}

	terminal := terminalEvent(ctx, t, kafka.Brokers, p, run.ID)
	if tp := deadletter.Header(terminal, runs.HeaderTraceparent); !strings.HasPrefix(tp, "00-"+id.String()+"-") {
		t.Errorf("terminal event's traceparent %q is not of trace %s", tp, id)
	}
	if !strings.Contains(logs.String(), `"msg":"run started"`) || !logLineInTrace(logs.Lines(), "run started", id) {
		t.Errorf("the worker's \"run started\" line does not carry trace_id %s", id)
	}
}

// seedPJMCurve writes a PJM power curve of 12 months as of today.
func seedPJMCurve(ctx context.Context, t *testing.T, p *platform) {
	t.Helper()
	asof := time.Now().UTC().Truncate(24 * time.Hour)
	var rows []schemas.CurveObservation
	for m := range 12 {
		month := time.Date(asof.Year(), asof.Month()+1+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		iso, loc, mid := "PJM", "WESTERN HUB", 50+float64(m)
		o := schemas.CurveObservation{AsofDate: asof, AssetClass: schemas.AssetClassPower, ISO: &iso, Location: &loc,
			PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly, TenorLabel: month.Format("2006-01"),
			ContractMonth: &month, Mid: &mid, UnitsRaw: "USD/MWh", IngestTS: asof}
		curve.Complete(&o)
		rows = append(rows, o)
	}
	if err := p.store.InTx(ctx, func(tx pgx.Tx) error { return market.WriteCurves(ctx, tx, rows) }); err != nil {
		t.Fatal(err)
	}
}

func waitHealthy(t *testing.T, c client) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(c.base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API did not answer within 30 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// spanNamed waits for an ended span of the name for which keep (if any)
// holds.
func spanNamed(t *testing.T, exp *tracetest.InMemoryExporter, name string, keep func(tracetest.SpanStub) bool) tracetest.SpanStub {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		for _, s := range exp.GetSpans() {
			if s.Name == name && (keep == nil || keep(s)) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span %s within 30 s", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminalEvent reads the run topic until the run's terminal event.
func terminalEvent(ctx context.Context, t *testing.T, brokers []string, p *platform, runID string) *kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topology.TopicScenarioRun),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(pctx)
		if pctx.Err() != nil {
			t.Fatalf("no terminal event of run %s: %v", runID, pctx.Err())
		}
		for _, rec := range fs.Records() {
			var ev schemas.RunEvent
			if string(rec.Key) != runID {
				continue
			}
			if err := p.serde.Decode(ctx, rec.Topic, rec.Value, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.State.Terminal() {
				if ev.State != schemas.RunSucceeded {
					t.Fatalf("run ended %s: %v", ev.State, ev.Error)
				}
				return rec
			}
		}
	}
}

// logLineInTrace reports whether a JSON log line with the message carries
// the trace id.
func logLineInTrace(lines []string, msg string, id trace.TraceID) bool {
	want := fmt.Sprintf(`"trace_id":%q`, hex.EncodeToString(id[:]))
	for _, l := range lines {
		if strings.Contains(l, fmt.Sprintf(`"msg":%q`, msg)) && strings.Contains(l, want) {
			return true
		}
	}
	return false
}
