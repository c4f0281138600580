package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/outbox"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// standardScenario is the scenario of the run benchmark: three drivers on
// the power curves (20 curves × 72 monthly tenors of the demo model).
const standardScenario = `{
	"name": "bench: gas +1, carbon 40 from 2028, 2 GW retired",
	"curve_filter": {"asset_class": ["power"]},
	"drivers": [
		{"driver_type": "fuel_price", "payload": {"fuel": "natural_gas", "delta": 1.0}},
		{"driver_type": "carbon_policy", "payload": {"price": 40, "start_month": "2028-01"}},
		{"driver_type": "fleet_change", "payload": {"change": "retire", "capacity_mw": 2000, "effective_month": "2027-06"}}
	]}`

// measureRuns runs the scenario benchmark: latency from POST run to the
// terminal event seen by a Kafka subscriber, one run at a time, and runs/s
// when all are posted at once, beside the engine's pure compute time.
func measureRuns(ctx context.Context, e *env, opts options, r *runsReport) error {
	sd, err := e.serde(ctx)
	if err != nil {
		return err
	}
	srv, err := api.New(api.Config{
		Addr:         "127.0.0.1:0",
		Auth:         api.AuthConfig{Mode: api.AuthForward},
		RateLimit:    api.RateLimitConfig{RequestsPerSecond: 1e9, Burst: 1e9},
		CursorSecret: "bench-cursor-secret-0123456789",
	}, api.Deps{Logger: e.logger, Redis: e.redis, Store: e.store, Serde: sd})
	if err != nil {
		return err
	}
	relay, err := outbox.New(outbox.Config{Brokers: e.broker.Addrs()}, outbox.Deps{DB: e.store, Logger: e.logger})
	if err != nil {
		return err
	}
	worker, err := scenario.New(scenario.Config{Brokers: e.broker.Addrs(), TransactionalID: "bench-scenario-worker"},
		scenario.Deps{DB: e.store, Serde: sd, Logger: e.logger})
	if err != nil {
		return err
	}
	sub, err := newCompletions(e, sd)
	if err != nil {
		return err
	}
	defer sub.close()

	runCtx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return srv.Run(gctx) })
	g.Go(func() error { return relay.Run(gctx) })
	g.Go(func() error { return relay.Waker(e.store.Pool()).Run(gctx) })
	g.Go(func() error { return worker.Run(gctx) })
	g.Go(func() error { return sub.run(gctx) })
	defer func() { cancel(); _ = g.Wait() }()
	base, err := waitAddr(srv)
	if err != nil {
		return err
	}
	c := &benchClient{base: base, http: &http.Client{}}
	var created struct{ ID string }
	if err := c.do(ctx, http.MethodPost, "/v1/scenarios", standardScenario, http.StatusCreated, &created); err != nil {
		return err
	}
	post := func(seed int) (string, error) {
		var run struct{ ID string }
		body := fmt.Sprintf(`{"seed": %d}`, seed)
		err := c.do(ctx, http.MethodPost, "/v1/scenarios/"+created.ID+"/runs", body, http.StatusAccepted, &run)
		return run.ID, err
	}

	progress("runs: %d runs of the standard scenario, one at a time", opts.runs)
	var latencies []time.Duration
	for i := range opts.runs {
		start := time.Now()
		id, err := post(i)
		if err != nil {
			return err
		}
		if err := sub.wait(ctx, id, time.Minute); err != nil {
			return err
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	r.runP50 = latencies[len(latencies)/2]
	r.runP99 = latencies[(len(latencies)*99)/100]
	r.runs = opts.runs

	progress("runs: %d runs posted at once (saturation)", opts.runs)
	start := time.Now()
	ids := make([]string, opts.runs)
	var pg errgroup.Group
	pg.SetLimit(opts.concurrency)
	for i := range opts.runs {
		pg.Go(func() (err error) {
			ids[i], err = post(opts.runs + i)
			return err
		})
	}
	if err := pg.Wait(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := sub.wait(ctx, id, 5*time.Minute); err != nil {
			return err
		}
	}
	r.runsPerSecond = float64(opts.runs) / time.Since(start).Seconds()
	r.runPoints, r.computeTime, err = computeTime(ctx, e, opts.runs)
	return err
}

// computeTime is the engine alone on the standard scenario's base curves:
// the mean time of one run's Compute over n runs.
func computeTime(ctx context.Context, e *env, n int) (points int, mean time.Duration, err error) {
	var def model.Definition
	if err := json.Unmarshal([]byte(standardScenario), &def); err != nil {
		return 0, 0, err
	}
	var asof time.Time
	if err := e.pool.QueryRow(ctx, `SELECT max(latest_asof) FROM curve`).Scan(&asof); err != nil {
		return 0, 0, err
	}
	var power market.CurveFilter
	power[market.FilterAssetClass] = []string{"power"}
	prices, err := market.BasePrices(ctx, e.pool, asof, power)
	if err != nil {
		return 0, 0, err
	}
	base := model.BasePointsOf(prices)
	start := time.Now()
	for range n {
		if _, err := model.Compute(def, asof, base); err != nil {
			return 0, 0, err
		}
	}
	return len(base), time.Since(start) / time.Duration(n), nil
}

// completions follows aurum.scenario.run.v1 as a subscriber would
// (read_committed) and notes when each run's terminal event arrives.
type completions struct {
	cl    *kgo.Client
	serde *serde.Serde
	mu    sync.Mutex
	done  map[string]chan struct{}
}

func newCompletions(e *env, sd *serde.Serde) (*completions, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...), kgo.ConsumeTopics(topology.TopicScenarioRun),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	return &completions{cl: cl, serde: sd, done: map[string]chan struct{}{}}, nil
}

func (c *completions) signal(id string) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.done[id]
	if !ok {
		ch = make(chan struct{})
		c.done[id] = ch
	}
	return ch
}

func (c *completions) run(ctx context.Context) error {
	for ctx.Err() == nil {
		fetches := c.cl.PollFetches(ctx)
		var decodeErr error
		fetches.EachRecord(func(rec *kgo.Record) {
			var ev schemas.RunEvent
			if err := c.serde.Decode(ctx, rec.Topic, rec.Value, &ev); err != nil {
				decodeErr = err
				return
			}
			if ev.State.Terminal() {
				ch := c.signal(ev.RunID)
				select {
				case <-ch:
				default:
					close(ch)
				}
			}
		})
		if decodeErr != nil {
			return decodeErr
		}
	}
	return nil
}

func (c *completions) wait(ctx context.Context, id string, timeout time.Duration) error {
	select {
	case <-c.signal(id):
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("run %s: no terminal event within %s", id, timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *completions) close() { c.cl.Close() }

// benchClient calls the API as one tenant with every permission.
type benchClient struct {
	base string
	http *http.Client
}

func (c *benchClient) do(ctx context.Context, method, path, body string, want int, data any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Aurum-Tenant", "bench")
	req.Header.Set("X-Aurum-Roles", "admin")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct{ Data json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: %s: %w", method, path, resp.Status, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s, want %d", method, path, resp.Status, want)
	}
	return json.Unmarshal(env.Data, data)
}
