package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// answer is the body of a recorded response to r. It runs on the
// server's goroutine, so it reports a broken recording as an error.
type answer func(r *http.Request) ([]byte, error)

func file(path string) answer {
	return func(*http.Request) ([]byte, error) { return os.ReadFile(filepath.FromSlash(path)) }
}

// patched is the recording at path with its paging changed: the one
// occurrence of old replaced by new, everything else as recorded.
func patched(path, old, new string) answer {
	return func(r *http.Request) ([]byte, error) {
		b, err := file(path)(r)
		if err != nil {
			return nil, err
		}
		if n := bytes.Count(b, []byte(old)); n != 1 {
			return nil, fmt.Errorf("%s holds %s %d times, want once", path, old, n)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1), nil
	}
}

// zipped is the recording at path as the one file of a zip archive, as
// CAISO OASIS and ERCOT MIS send their CSV reports.
func zipped(path string) answer {
	return func(r *http.Request) ([]byte, error) {
		b, err := file(path)(r)
		if err != nil {
			return nil, err
		}
		return collectortest.Zip(filepath.Base(path), b), nil
	}
}

// dataMiner is a PJM Data Miner feed answering from the recording at
// path as PJM does: the rows whose datetime_beginning_utc lies in the
// query's "AtoB" range (whole minutes, both ends included), paged by
// startRow and rowCount, with totalRows of the range.
func dataMiner(path string) answer {
	return func(r *http.Request) ([]byte, error) {
		b, err := file(path)(r)
		if err != nil {
			return nil, err
		}
		var env struct {
			Items     []map[string]any `json:"items"`
			TotalRows int              `json:"totalRows"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		q := r.URL.Query()
		from, to, _ := strings.Cut(q.Get("datetime_beginning_utc"), "to")
		start, _ := strconv.Atoi(q.Get("startRow"))
		count, _ := strconv.Atoi(q.Get("rowCount"))
		var in []map[string]any
		for _, it := range env.Items {
			ts, _ := it["datetime_beginning_utc"].(string)
			if ts = ts[:min(len(ts), len(from))]; ts >= from && ts <= to {
				in = append(in, it)
			}
		}
		env.TotalRows = len(in)
		start = max(start, 1)
		env.Items = append([]map[string]any{}, in[min(start-1, len(in)):min(start-1+count, len(in))]...)
		return json.Marshal(env)
	}
}

// replayRoutes answers each request with its route's recording, whatever
// else the query says; an unrouted request is a 404 and fails the test.
func replayRoutes(t *testing.T, routes map[string]answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for route, body := range routes {
			path, param, _ := strings.Cut(route, "?")
			k, v, _ := strings.Cut(param, "=")
			if r.URL.Path != path || (param != "" && r.URL.Query().Get(k) != v) {
				continue
			}
			b, err := body(r)
			if err != nil {
				t.Errorf("replay %s: %v", r.URL, err)
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = w.Write(b)
			return
		}
		t.Errorf("request for %s, which is not recorded", r.URL)
		http.NotFound(w, r)
	})
}

// sourceEnv is one in-process Kafka cluster and what a collector needs of it.
type sourceEnv struct {
	client *kgo.Client
	serde  *serde.Serde
	tracer trace.Tracer // the collectors', when set
}

func newSourceEnv(t *testing.T) *sourceEnv {
	t.Helper()
	k := testenv.NewKafka(t)
	return &sourceEnv{client: k.Client(t), serde: k.Serde(t)}
}

// run collects tc's window once from the replay at baseURL.
func (e *sourceEnv) run(t *testing.T, tc sourceCase, baseURL string) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	hc := tc.client()
	hc.BaseURL, hc.APIKey, hc.Logger = baseURL+tc.prefix, "test-key", logger
	hc.Rate, hc.Burst = 1000, 10
	httpc, err := collector.NewClient(hc)
	if err != nil {
		t.Fatal(err)
	}
	src, err := tc.build()
	if err != nil {
		t.Fatal(err)
	}
	w := tc.window
	if tc.dates != [2]string{} {
		if w, err = collector.ParseWindow(tc.dates[0], tc.dates[1], collector.ZoneOf(src)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := collector.New(collector.Config{Window: w, MalformedRetries: -1},
		collector.Deps{Source: src, HTTP: httpc, Kafka: e.client, Serde: e.serde, Logger: logger, Tracer: e.tracer})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// points are the records of topic a read_committed reader sees.
func (e *sourceEnv) points(t *testing.T, topic string) []point {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []point
	read(ctx, t, e.client, topic, func(r *kgo.Record) {
		switch topic {
		case topology.TopicExtTimeseriesObs:
			var o schemas.ExtTimeseriesObservation
			e.decode(ctx, t, r, &o)
			out = append(out, point{id: o.SeriesID, ts: o.TS, value: o.Value})
		case topology.TopicIsoLmp:
			var l schemas.IsoLmpRecord
			e.decode(ctx, t, r, &l)
			out = append(out, point{id: l.LocationID, ts: l.IntervalStart, value: &l.PriceTotal})
		case topology.TopicIsoLoad:
			var l schemas.IsoLoadRecord
			e.decode(ctx, t, r, &l)
			id := l.Area
			if l.Forecast {
				id += " forecast"
			}
			out = append(out, point{id: id, ts: l.IntervalStart, value: &l.MW})
		default:
			t.Fatalf("no decoding for topic %s", topic)
		}
	})
	return out
}

// counts are how many records a read_committed reader sees on topic, the
// series catalog and the checkpoints.
func (e *sourceEnv) counts(t *testing.T, topic string) [3]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n [3]int
	for i, tp := range []string{topic, topology.TopicExtSeriesCatalog, topology.TopicCollectorCheckpoint} {
		read(ctx, t, e.client, tp, func(*kgo.Record) { n[i]++ })
	}
	return n
}

func read(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, fn func(*kgo.Record)) {
	t.Helper()
	if err := collector.ReadTopic(ctx, cl, topic, true, fn); err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
}

func (e *sourceEnv) decode(ctx context.Context, t *testing.T, r *kgo.Record, v any) {
	t.Helper()
	if err := e.serde.Decode(ctx, r.Topic, r.Value, v); err != nil {
		t.Fatalf("decode %s offset %d: %v", r.Topic, r.Offset, err)
	}
}
