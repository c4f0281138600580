package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aurum-energy/aurum/api"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/outbox"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
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

const (
	// pollingRelayInterval is how often the outbox relay looked for new
	// rows before the database woke it: the baseline's only way to find a
	// run request.
	pollingRelayInterval = 200 * time.Millisecond
	// minBaselineRuns keeps the baseline's p99 from being its maximum of
	// a handful of runs.
	minBaselineRuns = 20
	// burstTenants is how many tenants the burst is spread across.
	burstTenants = 8
	// runTimeout bounds the wait for one run's terminal event; a burst's
	// last run waits for all the others.
	runTimeout = 5 * time.Minute
)

// runBench is what the phases of (d) share: the API to post runs to and
// the subscriber that sees them end.
type runBench struct {
	e     *env
	base  string // the API's base URL
	http  *http.Client
	conns int // concurrent connections when posting at once
	sub   *completions
}

// measureRuns runs the scenario benchmark against the API, the scenario
// worker and an outbox relay in process: the one-at-a-time latency with
// today's polling relay and with the relay the database wakes, runs/s of a
// burst across tenants, one tenant's latency under another's burst, and the
// engine's pure compute time.
func measureRuns(ctx context.Context, e *env, opts options, r *runsReport) (err error) {
	sd, err := e.serde(ctx)
	if err != nil {
		return err
	}
	events, err := api.NewRunEvents(api.RunEventsConfig{Brokers: e.broker.Addrs()},
		api.RunEventsDeps{Store: e.store, Serde: sd, Logger: e.logger})
	if err != nil {
		return err
	}
	defer events.Close()
	srv, err := api.New(api.Config{
		Addr:         "127.0.0.1:0",
		Auth:         api.AuthConfig{Mode: api.AuthForward},
		RateLimit:    api.RateLimitConfig{RequestsPerSecond: 1e9, Burst: 1e9},
		CursorSecret: "bench-cursor-secret-0123456789",
	}, api.Deps{Logger: e.logger, Redis: e.redis, Store: e.store, Serde: sd, RunEvents: events})
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
	g.Go(func() error { return worker.Run(gctx) })
	g.Go(func() error { return sub.run(gctx) })
	// A component that fails cancels gctx, which ends the phase waiting
	// on it; its error says more than the phase's "context canceled".
	defer func() {
		cancel()
		if werr := g.Wait(); werr != nil && !errors.Is(werr, context.Canceled) {
			err = errors.Join(werr, err)
		}
	}()
	base, err := waitAddr(srv)
	if err != nil {
		return err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = opts.concurrency
	b := &runBench{e: e, base: base, http: &http.Client{Transport: transport}, conns: opts.concurrency, sub: sub}
	defer b.http.CloseIdleConnections()
	return b.measure(gctx, opts, r)
}

// measure runs the phases in turn. The baseline goes first, on a relay of
// its own that is stopped before the relay of every other phase starts.
func (b *runBench) measure(ctx context.Context, opts options, r *runsReport) error {
	bench, err := b.tenant(ctx, "bench")
	if err != nil {
		return err
	}

	n := max(opts.runs/4, minBaselineRuns)
	progress("runs: %d runs one at a time, polling outbox relay (every %s, no waker)", n, pollingRelayInterval)
	stopRelay, err := b.startRelay(ctx, outbox.Config{PollInterval: pollingRelayInterval}, false)
	if err != nil {
		return err
	}
	r.baseline, err = b.measureOneAtATime(ctx, bench, n)
	if err := errors.Join(err, stopRelay()); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}

	stopRelay, err = b.startRelay(ctx, outbox.Config{}, true)
	if err != nil {
		return err
	}
	progress("runs: %d runs one at a time", opts.runs)
	r.aurum, err = b.measureOneAtATime(ctx, bench, opts.runs)
	if err == nil {
		progress("runs: %d runs one at a time, followed over server-sent events", n)
		r.sse, err = b.measureSSE(ctx, bench, n)
	}
	if err == nil && opts.burst > 0 {
		progress("runs: %d runs posted at once across %d tenants", opts.burst, burstTenants)
		err = b.measureBurst(ctx, opts.burst, &r.burst)
	}
	if err == nil && opts.fairness > 0 {
		progress("runs: %d runs of tenant A posted at once, tenant B one at a time meanwhile", opts.fairness)
		err = b.measureFairness(ctx, opts.fairness, &r.fairness)
	}
	if err := errors.Join(err, stopRelay()); err != nil {
		return err
	}
	r.runPoints, r.computeTime, err = computeTime(ctx, b.e, opts.runs)
	return err
}

// startRelay runs an outbox relay of cfg, with the Waker when waker is
// set, until stop is called; stop returns once the relay has finished
// its round in hand, so that no two relays ever publish at once.
func (b *runBench) startRelay(ctx context.Context, cfg outbox.Config, waker bool) (stop func() error, err error) {
	cfg.Brokers = b.e.broker.Addrs()
	relay, err := outbox.New(cfg, outbox.Deps{DB: b.e.store, Logger: b.e.logger})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var g errgroup.Group
	g.Go(func() error { return relay.Run(ctx) })
	if waker {
		g.Go(func() error { return relay.Waker(b.e.store.Pool()).Run(ctx) })
	}
	return func() error { cancel(); return g.Wait() }, nil
}

// measureOneAtATime is the latency a user sees with the platform idle:
// n runs of t, each posted once the previous one ended.
func (b *runBench) measureOneAtATime(ctx context.Context, t *tenantRuns, n int) (latencyFigures, error) {
	ids, latencies, err := b.oneAtATime(ctx, t, func(done int) bool { return done < n })
	if err != nil {
		return latencyFigures{}, err
	}
	return latencyOf(latencies), b.sub.verify(ctx, ids)
}

// measureSSE is the latency a client of GET /v1/runs/{id}/events sees: n
// runs of t, each followed over server-sent events from its POST to its
// terminal event frame.
func (b *runBench) measureSSE(ctx context.Context, t *tenantRuns, n int) (latencyFigures, error) {
	var ids []string
	var latencies []time.Duration
	for range n {
		start := time.Now()
		id, err := t.post(ctx)
		if err != nil {
			return latencyFigures{}, err
		}
		if err := t.c.followEvents(ctx, id); err != nil {
			return latencyFigures{}, err
		}
		ids, latencies = append(ids, id), append(latencies, time.Since(start))
	}
	return latencyOf(latencies), b.sub.verify(ctx, ids)
}

// measureBurst is runs/s when n runs are posted at once, round-robin across
// burstTenants tenants: from the first POST to the last terminal event.
func (b *runBench) measureBurst(ctx context.Context, n int, f *burstFigures) error {
	tenants := make([]*tenantRuns, burstTenants)
	for i := range tenants {
		var err error
		if tenants[i], err = b.tenant(ctx, fmt.Sprintf("bench-t%d", i+1)); err != nil {
			return err
		}
	}
	start := time.Now()
	ids, err := b.postAll(ctx, tenants, n)
	if err != nil {
		return err
	}
	if err := b.sub.waitAll(ctx, ids); err != nil {
		return err
	}
	*f = burstFigures{runs: n, tenants: len(tenants), perSecond: float64(n) / time.Since(start).Seconds()}
	return b.sub.verify(ctx, ids)
}

// measureFairness posts n runs of tenant A at once and, until every one of
// them has ended, runs of tenant B one at a time: B's latency is what a
// tenant sees while another floods the workers.
func (b *runBench) measureFairness(ctx context.Context, n int, f *fairnessFigures) error {
	a, err := b.tenant(ctx, "bench-a")
	if err != nil {
		return err
	}
	tb, err := b.tenant(ctx, "bench-b")
	if err != nil {
		return err
	}
	start := time.Now()
	aIDs, err := b.postAll(ctx, []*tenantRuns{a}, n)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	aDone := make(chan struct{})
	g.Go(func() error {
		defer close(aDone)
		if err := b.sub.waitAll(gctx, aIDs); err != nil {
			return err
		}
		f.aRuns, f.aPerSecond = n, float64(n)/time.Since(start).Seconds()
		return nil
	})
	var bIDs []string
	var bLatencies []time.Duration
	g.Go(func() (err error) {
		bIDs, bLatencies, err = b.oneAtATime(gctx, tb, func(int) bool {
			select {
			case <-aDone:
				return false
			default:
				return true
			}
		})
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	f.b = latencyOf(bLatencies)
	return b.sub.verify(ctx, append(aIDs, bIDs...))
}

// oneAtATime posts runs of t, each once the previous one's terminal event
// has arrived, while more(runs done so far) says so, and returns their
// ids and latencies from POST to terminal event.
func (b *runBench) oneAtATime(ctx context.Context, t *tenantRuns, more func(done int) bool) (ids []string, latencies []time.Duration, err error) {
	for more(len(ids)) {
		start := time.Now()
		id, err := t.post(ctx)
		if err != nil {
			return nil, nil, err
		}
		if err := b.sub.wait(ctx, id, runTimeout); err != nil {
			return nil, nil, err
		}
		ids, latencies = append(ids, id), append(latencies, time.Since(start))
	}
	return ids, latencies, nil
}

// postAll posts n runs at once over b.conns connections, the i-th as
// tenants[i % len(tenants)], and returns their ids.
func (b *runBench) postAll(ctx context.Context, tenants []*tenantRuns, n int) ([]string, error) {
	ids := make([]string, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.conns)
	for i := range n {
		g.Go(func() (err error) {
			ids[i], err = tenants[i%len(tenants)].post(gctx)
			return err
		})
	}
	return ids, g.Wait()
}

// tenantRuns posts runs of the standard scenario as one tenant.
type tenantRuns struct {
	c        *benchClient
	scenario string
	// seed makes every run's inputs distinct: a run with the inputs of an
	// earlier one would be that run (200), not a new one.
	seed atomic.Int64
}

// tenant creates the standard scenario as tenant name.
func (b *runBench) tenant(ctx context.Context, name string) (*tenantRuns, error) {
	t := &tenantRuns{c: &benchClient{base: b.base, http: b.http, tenant: name}}
	var created struct{ ID string }
	if err := t.c.do(ctx, http.MethodPost, "/v1/scenarios", standardScenario, http.StatusCreated, &created); err != nil {
		return nil, fmt.Errorf("tenant %s: %w", name, err)
	}
	t.scenario = created.ID
	return t, nil
}

// post posts a new run and returns its id.
func (t *tenantRuns) post(ctx context.Context) (string, error) {
	var run struct{ ID string }
	body := fmt.Sprintf(`{"seed": %d}`, t.seed.Add(1))
	err := t.c.do(ctx, http.MethodPost, "/v1/scenarios/"+t.scenario+"/runs", body, http.StatusAccepted, &run)
	return run.ID, err
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

// benchClient calls the API as one tenant with every permission.
type benchClient struct {
	base   string
	http   *http.Client
	tenant string
}

// send sends a request as the client's tenant with every permission.
func (c *benchClient) send(ctx context.Context, method, path, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Aurum-Tenant", c.tenant)
	req.Header.Set("X-Aurum-Roles", "admin")
	req.Header.Set("Content-Type", "application/json")
	return c.http.Do(req)
}

// followEvents reads the event stream of run id until its terminal event.
func (c *benchClient) followEvents(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	resp, err := c.send(ctx, http.MethodGet, "/v1/runs/"+id+"/events", "")
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("events of run %s: %s", id, resp.Status)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if state, ok := strings.CutPrefix(lines.Text(), "event: "); ok && schemas.RunState(state).Terminal() {
			return nil
		}
	}
	return fmt.Errorf("events of run %s ended without a terminal event: %v", id, lines.Err())
}

func (c *benchClient) do(ctx context.Context, method, path, body string, want int, data any) error {
	resp, err := c.send(ctx, method, path, body)
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
