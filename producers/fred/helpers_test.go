package fred

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

const testAPIKey = "test-key-123"

// replay is a FRED API answering from recorded observations: the series
// endpoint verbatim, series/observations filtered by observation_start and
// observation_end and paged by offset and limit, as FRED does. fault, when
// set, may answer an observations request itself (returning true).
type replay struct {
	t     testing.TB
	meta  []byte
	obs   []observation
	delay time.Duration // before each observations answer

	mu       sync.Mutex
	fault    func(w http.ResponseWriter, r *http.Request) bool
	requests []*http.Request // observations requests, in order
	times    []time.Time
}

func fixtureReplay(t testing.TB) *replay {
	t.Helper()
	meta, err := os.ReadFile("testdata/series-GDP.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/series-observations-GDP.json")
	if err != nil {
		t.Fatal(err)
	}
	var o observations
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	return &replay{t: t, meta: meta, obs: o.Observations}
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("api_key") != testAPIKey {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error_code":400,"error_message":"Bad Request.  The value for variable api_key is not registered."}`)
		return
	}
	switch r.URL.Path {
	case "/fred/series":
		_, _ = w.Write(rp.meta)
	case "/fred/series/observations":
		rp.mu.Lock()
		rp.requests = append(rp.requests, r)
		rp.times = append(rp.times, time.Now())
		fault := rp.fault
		rp.mu.Unlock()
		if fault != nil && fault(w, r) {
			return
		}
		if rp.delay > 0 {
			time.Sleep(rp.delay)
		}
		rp.observations(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (rp *replay) observations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, end := q.Get("observation_start"), q.Get("observation_end")
	var sel []observation
	for _, o := range rp.obs {
		if (start == "" || o.Date >= start) && (end == "" || o.Date <= end) {
			sel = append(sel, o)
		}
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit == 0 {
		limit = MaxPageSize
	}
	count := len(sel)
	sel = sel[min(offset, count):min(offset+limit, count)]
	if sel == nil {
		sel = []observation{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"realtime_start": "2024-10-30", "realtime_end": "2024-10-30",
		"observation_start": start, "observation_end": end, "units": "lin",
		"output_type": 1, "file_type": "json", "order_by": "observation_date", "sort_order": "asc",
		"count": count, "offset": offset, "limit": limit, "observations": sel,
	})
}

// env is one in-process cluster and what a collector needs to use it.
type env struct {
	kafka   *testenv.Kafka
	client  *kgo.Client
	serde   *serde.Serde
	metrics *telemetry.Metrics
}

func newEnv(t testing.TB) *env {
	t.Helper()
	k := testenv.NewKafka(t)
	return &env{kafka: k, client: k.Client(t), serde: k.Serde(t), metrics: telemetry.NewMetrics(telemetry.NewRegistry())}
}

// run collects series from the server at baseURL once.
func (e *env) run(t testing.TB, baseURL string, cfg Config, ccfg collector.Config, tune func(*collector.ClientConfig)) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return e.runUntil(ctx, t, baseURL, cfg, ccfg, tune)
}

// runUntil collects series from the server at baseURL until the collector
// returns or ctx ends.
func (e *env) runUntil(ctx context.Context, t testing.TB, baseURL string, cfg Config, ccfg collector.Config, tune func(*collector.ClientConfig)) error {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	hc := ClientConfig()
	hc.BaseURL, hc.APIKey, hc.Metrics, hc.Logger = baseURL+"/fred", testAPIKey, e.metrics, logger
	hc.Rate, hc.Burst = 1000, 10
	if tune != nil {
		tune(&hc)
	}
	httpc, err := collector.NewClient(hc)
	if err != nil {
		t.Fatal(err)
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := collector.New(ccfg, collector.Deps{Source: src, HTTP: httpc, Kafka: e.client, Serde: e.serde, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(ctx)
}

// topics is what a read_committed reader sees.
type topics struct {
	obs         []schemas.ExtTimeseriesObservation
	catalog     []schemas.ExtSeriesCatalogUpsert
	checkpoints []schemas.CollectorCheckpoint
}

func (e *env) read(t testing.TB) topics {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out topics
	readInto(ctx, t, e, topology.TopicExtTimeseriesObs, func(r *kgo.Record) {
		var o schemas.ExtTimeseriesObservation
		e.decode(ctx, t, r, &o)
		if string(r.Key) != Key(o.SeriesID) {
			t.Errorf("observation key %q for series %s", r.Key, o.SeriesID)
		}
		out.obs = append(out.obs, o)
	})
	readInto(ctx, t, e, topology.TopicExtSeriesCatalog, func(r *kgo.Record) {
		var c schemas.ExtSeriesCatalogUpsert
		e.decode(ctx, t, r, &c)
		out.catalog = append(out.catalog, c)
	})
	readInto(ctx, t, e, topology.TopicCollectorCheckpoint, func(r *kgo.Record) {
		var c schemas.CollectorCheckpoint
		e.decode(ctx, t, r, &c)
		out.checkpoints = append(out.checkpoints, c)
	})
	return out
}

func readInto(ctx context.Context, t testing.TB, e *env, topic string, fn func(*kgo.Record)) {
	t.Helper()
	if err := collector.ReadTopic(ctx, e.client, topic, true, fn); err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
}

func (e *env) decode(ctx context.Context, t testing.TB, r *kgo.Record, v any) {
	t.Helper()
	if err := e.serde.Decode(ctx, r.Topic, r.Value, v); err != nil {
		t.Fatalf("decode %s offset %d: %v", r.Topic, r.Offset, err)
	}
}
