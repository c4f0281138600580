package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurum-energy/aurum/api"
)

// readShape is one query of (b), as a URL for the API and as the SQL the
// API runs for it (the statement of api/curves.go, same arguments).
type readShape struct {
	name string
	url  func(i int64) string
	sql  string
	args func(i int64) []any
}

const curveColumns = `curve_key, asof_date, asset_class, iso, region, location, market, product, block,
	spark_location, price_type, tenor_type, tenor_label, contract_month, value, bid, ask, mid,
	currency, per_unit, units_raw, version_hash`

// measureReads runs (b): the same request repeated (every request after the
// first is a cache hit), and requests that never repeat (every one a miss:
// a different as-of date and page size each time), each against the SQL
// the API runs for it, at the same concurrency.
func measureReads(ctx context.Context, e *env, opts options, r *report) error {
	dates, err := e.asofDates(ctx)
	if err != nil {
		return err
	}
	srv, err := api.New(api.Config{
		Addr:         "127.0.0.1:0",
		Auth:         api.AuthConfig{Mode: api.AuthForward},
		RateLimit:    api.RateLimitConfig{RequestsPerSecond: 1e9, Burst: 1e9},
		CursorSecret: "bench-cursor-secret-0123456789",
	}, api.Deps{Logger: e.logger, Redis: e.redis, Store: e.store})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = srv.Run(runCtx) }()
	base, err := waitAddr(srv)
	if err != nil {
		return err
	}

	hit := readShape{
		name: "hit",
		url:  func(int64) string { return base + "/v1/curves?iso=PJM&limit=100" },
		sql:  "SELECT " + curveColumns + " FROM curve_latest WHERE TRUE AND iso = ANY($1) ORDER BY curve_key, tenor_label, price_type LIMIT $2",
		args: func(int64) []any { return []any{[]string{"PJM"}, 101} },
	}
	miss := readShape{
		name: "miss",
		url: func(i int64) string {
			return fmt.Sprintf("%s/v1/curves?iso=PJM&asof=%s&limit=%d", base, dates[i%int64(len(dates))], 1+(i/int64(len(dates)))%500)
		},
		sql: "SELECT " + curveColumns + " FROM curve_observation WHERE asof_date = $1::date AND iso = ANY($2) ORDER BY asof_date, curve_key, tenor_label, price_type LIMIT $3",
		args: func(i int64) []any {
			return []any{dates[i%int64(len(dates))], []string{"PJM"}, 2 + (i/int64(len(dates)))%500}
		},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: opts.concurrency, MaxConnsPerHost: opts.concurrency}}
	for _, shape := range []readShape{hit, miss} {
		progress("reads: GET /v1/curves (cache %s) and its SQL, %d concurrent, %s each", shape.name, opts.concurrency, opts.duration)
		if shape.name == "hit" {
			if err := get(ctx, client, shape.url(0)); err != nil {
				return err
			}
		} else if _, err := e.redis.FlushAll(ctx).Result(); err != nil {
			return err
		}
		apiRate, err := hammer(ctx, opts, func(ctx context.Context, i int64) error { return get(ctx, client, shape.url(i)) })
		if err != nil {
			return fmt.Errorf("API %s: %w", shape.name, err)
		}
		sqlRate, err := hammer(ctx, opts, func(ctx context.Context, i int64) error { return e.query(ctx, shape.sql, shape.args(i)) })
		if err != nil {
			return fmt.Errorf("SQL %s: %w", shape.name, err)
		}
		r.reads = append(r.reads, readResult{shape: shape.name, api: apiRate, sql: sqlRate})
	}
	return nil
}

// hammer runs op from opts.concurrency goroutines for opts.duration and
// returns completed operations per second. i numbers the operations.
func hammer(ctx context.Context, opts options, op func(ctx context.Context, i int64) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.duration)
	defer cancel()
	var (
		next, done atomic.Int64
		wg         sync.WaitGroup
		errOnce    sync.Once
		firstErr   error
	)
	start := time.Now()
	for range opts.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := op(ctx, next.Add(1)); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), firstErr
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Aurum-Tenant", "bench")
	req.Header.Set("X-Aurum-Roles", "viewer")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// query runs sql and reads every row, as the API's handler does.
func (e *env) query(ctx context.Context, sql string, args []any) error {
	rows, err := e.pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (e *env) asofDates(ctx context.Context) ([]string, error) {
	rows, err := e.pool.Query(ctx, "SELECT DISTINCT asof_date::text FROM curve_observation ORDER BY 1")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var dates []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		dates = append(dates, d)
	}
	if len(dates) == 0 {
		return nil, fmt.Errorf("no curve data to read")
	}
	return dates, rows.Err()
}

func waitAddr(srv *api.Server) (string, error) {
	for range 200 {
		if a := srv.Addr(); a != nil {
			return "http://" + a.String(), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", fmt.Errorf("API did not start listening")
}
