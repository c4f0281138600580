package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxLimit is the API's largest page size: uncached requests vary the
// limit from tenors (one whole curve) up to it, so that no URL repeats.
const maxLimit = 500

// readFigures are one read measurement: of the API, or of pgbench.
type readFigures struct {
	requests  int
	rate      float64 // requests (transactions) per second
	p50, p99  time.Duration
	non2xx    int // answers other than 2xx
	failed    int // requests that got no answer
	checked   int // bodies checked to hold one whole curve
	badBodies int
	repeated  bool // more requests than distinct URLs: some were cache hits
}

// measureReads runs figures 5 and 6 and their baseline. The baseline,
// pgbench reading the same points from bench_plain, runs right before and
// right after aurum's reads, and is the mean of the two runs: this shared
// machine's speed drifts by a third over minutes, and a baseline measured
// a minute earlier made the ratio follow the drift.
func (s *setup) measureReads(ctx context.Context, t tools, w *workload, opts options, r *setupReport) error {
	var latencies []time.Duration
	for i, when := range []string{"before", "after"} {
		if i == 1 {
			if err := s.measureAurumReads(ctx, w, opts, r); err != nil {
				return err
			}
		}
		progress("%s: baseline: pgbench, one curve's %d points, %d clients, %s, %s aurum's reads", s.kind.name, tenors, opts.concurrency, opts.duration, when)
		tps, l, err := s.pgbench(ctx, t.pgbench, "pgbench-"+when, w, opts)
		if err != nil {
			return err
		}
		r.pgbenchRates[i] = tps
		latencies = append(latencies, l...)
	}
	r.pgbench = readFigures{requests: len(latencies), rate: (r.pgbenchRates[0] + r.pgbenchRates[1]) / 2}
	r.pgbench.p50, r.pgbench.p99 = percentiles(latencies)
	return nil
}

// measureAurumReads runs figures 5 and 6 against the running `aurum dev`:
// one curve's points for the first as-of date, every request a distinct
// URL (each a cache miss), then a small fixed set of URLs (each a cache
// hit).
func (s *setup) measureAurumReads(ctx context.Context, w *workload, opts options, r *setupReport) error {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: opts.concurrency, MaxConnsPerHost: opts.concurrency,
	}}
	defer client.CloseIdleConnections()
	curves := int64(w.curves())
	limits := int64(maxLimit - tenors + 1)
	uncached := func(i int64) string {
		return s.curveURL(w, int(i%curves), tenors+int((i/curves)%limits))
	}
	progress("%s: aurum: GET /v1/curves, one curve each, every URL new, %d connections, %s", s.kind.name, opts.concurrency, opts.duration)
	r.uncached = hammerHTTP(ctx, client, opts, uncached, func(i int64) bool { return i%97 == 0 })
	r.uncached.repeated = int64(r.uncached.requests) > curves*limits

	const fixed = 64
	cached := func(i int64) string {
		return s.curveURL(w, int((i%fixed)*curves/fixed), tenors)
	}
	for i := range int64(fixed) {
		if err := getCurve(ctx, client, cached(i)); err != nil {
			return fmt.Errorf("warm the cache: %w", err)
		}
	}
	progress("%s: aurum: GET /v1/curves, %d URLs fetched before, %d connections, %s", s.kind.name, fixed, opts.concurrency, opts.duration)
	r.cached = hammerHTTP(ctx, client, opts, cached, func(i int64) bool { return i%97 == 0 })
	return nil
}

// curveURL is the request for curve c's points on the first as-of date.
func (s *setup) curveURL(w *workload, c, limit int) string {
	location, block := w.curve(c)
	q := url.Values{}
	q.Set("iso", "MISO")
	q.Set("location", location)
	q.Set("block", block)
	q.Set("asof", w.day1.Format(time.DateOnly))
	q.Set("limit", strconv.Itoa(limit))
	return s.dev.api + "/v1/curves?" + q.Encode()
}

// hammerHTTP GETs url(i) from opts.concurrency connections for
// opts.duration, i numbering the requests, and checks the bodies of the
// requests check picks.
func hammerHTTP(ctx context.Context, client *http.Client, opts options, url func(i int64) string, check func(i int64) bool) readFigures {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		f       readFigures
		all     []time.Duration
		wg      sync.WaitGroup
		start   = time.Now()
		closing = start.Add(opts.duration)
	)
	for range opts.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine readFigures
			var latencies []time.Duration
			for time.Now().Before(closing) && ctx.Err() == nil {
				i := next.Add(1) - 1
				began := time.Now()
				status, body, err := get(ctx, client, url(i), check(i))
				latencies = append(latencies, time.Since(began))
				mine.requests++
				switch {
				case err != nil:
					mine.failed++
				case status < 200 || status > 299:
					mine.non2xx++
				case body != nil:
					mine.checked++
					if !holdsOneCurve(body) {
						mine.badBodies++
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			f.requests += mine.requests
			f.failed += mine.failed
			f.non2xx += mine.non2xx
			f.checked += mine.checked
			f.badBodies += mine.badBodies
			all = append(all, latencies...)
		}()
	}
	wg.Wait()
	f.rate = float64(f.requests) / time.Since(start).Seconds()
	f.p50, f.p99 = percentiles(all)
	return f
}

// get GETs url as a viewer of tenant bench and returns the status, and the
// body when keep is set.
func get(ctx context.Context, client *http.Client, url string, keep bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Aurum-Tenant", "bench")
	req.Header.Set("X-Aurum-Roles", "viewer")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if !keep {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// getCurve GETs url and checks the answer holds one whole curve.
func getCurve(ctx context.Context, client *http.Client, url string) error {
	status, body, err := get(ctx, client, url, true)
	if err != nil {
		return err
	}
	if status != http.StatusOK || !holdsOneCurve(body) {
		return fmt.Errorf("GET %s: %d: %.300s", url, status, body)
	}
	return nil
}

// holdsOneCurve reports whether a /v1/curves answer holds one curve's
// points: {"meta":{…,"count":120},"data":[120 rows]}.
func holdsOneCurve(body []byte) bool {
	var env struct {
		Meta struct {
			Count int `json:"count"`
		} `json:"meta"`
		Data []json.RawMessage `json:"data"`
	}
	return json.Unmarshal(body, &env) == nil && env.Meta.Count == tenors && len(env.Data) == tenors
}

// percentiles returns the median and the 99th percentile of latencies.
func percentiles(latencies []time.Duration) (p50, p99 time.Duration) {
	if len(latencies) == 0 {
		return 0, 0
	}
	slices.Sort(latencies)
	return latencies[len(latencies)/2], latencies[(len(latencies)*99)/100]
}
