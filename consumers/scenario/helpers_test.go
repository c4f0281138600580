package scenario_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const tenant = "acme"

var asof = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// env is one test's platform (see materializertest) with base curves; its
// client plays the relay.
type env struct {
	*materializertest.Env
	// metrics are those of the last worker started.
	metrics *telemetry.Metrics
	// curves is the number of base curves seeded, points their MONTHLY
	// points.
	curves, points int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{Env: materializertest.New(t, kgo.ProducerLinger(0))}
	e.seedCurves(t)
	return e
}

func ptr[T any](v T) *T { return &v }

// seedCurves writes the base curves of asof: three PJM power curves
// (on-peak hubs) and a Henry Hub gas curve, 24 months from April 2026 each,
// plus a QUARTER row and an older date that the worker must ignore.
func (e *env) seedCurves(t testing.TB) {
	t.Helper()
	type curveDef struct {
		class      schemas.AssetClass
		iso, loc   string
		block      string
		base, step float64
	}
	defs := []curveDef{
		{schemas.AssetClassPower, "PJM", "WESTERN HUB", "ON_PEAK", 50, 0.5},
		{schemas.AssetClassPower, "PJM", "EASTERN HUB", "ON_PEAK", 55, 0.25},
		{schemas.AssetClassPower, "PJM", "AEP DAYTON HUB", "ON_PEAK", 45, 0.75},
		{schemas.AssetClassGas, "", "HENRY HUB", "", 3, 0.05},
	}
	var rows []schemas.CurveObservation
	add := func(o schemas.CurveObservation) {
		curve.Complete(&o)
		rows = append(rows, o)
	}
	for _, d := range defs {
		e.curves++
		for m := 0; m < 24; m++ {
			month := time.Date(2026, time.April+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			o := schemas.CurveObservation{
				AsofDate: asof, AssetClass: d.class, Location: ptr(d.loc),
				PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly,
				TenorLabel: month.Format("2006-01"), ContractMonth: ptr(month),
				Mid: ptr(d.base + d.step*float64(m)), Currency: ptr("USD"), PerUnit: ptr("MWh"), UnitsRaw: "USD/MWh",
				IngestTS: asof.Add(18 * time.Hour),
			}
			if d.iso != "" {
				o.ISO = ptr(d.iso)
			}
			if d.block != "" {
				o.Block = ptr(d.block)
			}
			add(o)
			e.points++
			older := o
			older.AsofDate = asof.AddDate(0, 0, -1)
			older.Mid = ptr(999.0)
			add(older)
		}
		q := schemas.CurveObservation{
			AsofDate: asof, AssetClass: d.class, Location: ptr(d.loc), ISO: ptr("PJM"),
			PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorQuarter, TenorLabel: "2026-Q3",
			Mid: ptr(777.0), UnitsRaw: "USD/MWh", IngestTS: asof.Add(18 * time.Hour),
		}
		add(q)
	}
	err := e.Store.InTx(materializertest.Context(t), func(tx pgx.Tx) error { return market.WriteCurves(materializertest.Context(t), tx, rows) })
	if err != nil {
		t.Fatal(err)
	}
}

// The drivers of the standard scenario of the issue.
var standardDrivers = []model.Driver{
	{Type: model.FuelPrice, Payload: json.RawMessage(`{"fuel": "natural_gas", "delta": 1}`)},
	{Type: model.CarbonPolicy, Payload: json.RawMessage(`{"price": 40, "start_month": "2027-01"}`)},
	{Type: model.FleetChange, Payload: json.RawMessage(`{"change": "retire", "capacity_mw": 2000, "effective_month": "2026-07", "ramp_months": 3}`)},
}

// runSpec describes a run to create the way the API does.
type runSpec struct {
	tenant     string // default the const tenant
	drivers    []model.Driver
	filter     map[string][]string
	timeout    int
	maxRetries int
	seed       int64
	deleted    bool // the scenario is soft-deleted
	noRequest  bool // write the rows only: the test publishes the request
}

var scenarioSeq atomic.Int64

// createRun writes a scenario and its QUEUED run as the API does, then
// publishes the ScenarioRequest and the QUEUED RunEvent as its relay does.
// It returns the run id.
func (e *env) createRun(t testing.TB, spec runSpec) string {
	t.Helper()
	ctx := materializertest.Context(t)
	if spec.tenant == "" {
		spec.tenant = tenant
	}
	tenant := spec.tenant
	if spec.drivers == nil {
		spec.drivers = standardDrivers
	}
	if spec.filter == nil {
		spec.filter = map[string][]string{"asset_class": {"power", "gas"}}
	}
	if spec.timeout == 0 {
		spec.timeout = 60
	}
	filter, _ := json.Marshal(spec.filter)
	drivers, _ := json.Marshal(spec.drivers)
	var scenarioID, runID string
	var queuedAt time.Time
	err := e.Store.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name, curve_filter, drivers, deleted_at)
			VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING id::text`,
			tenant, fmt.Sprintf("scenario %d", scenarioSeq.Add(1)), filter, drivers, spec.deleted).Scan(&scenarioID); err != nil {
			return err
		}
		hash := model.InputHash(tenant, scenarioID, 1, spec.drivers, nil, asof, spec.seed)
		return tx.QueryRow(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds, max_retries, seed)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text, queued_at`,
			tenant, scenarioID, asof, hash, spec.timeout, spec.maxRetries, spec.seed).Scan(&runID, &queuedAt)
	})
	if err != nil {
		t.Fatal(err)
	}
	req := schemas.ScenarioRequest{
		RunID: runID, ScenarioID: scenarioID, TenantID: tenant, RequestedBy: "analyst@acme.example",
		AsofDate: asof, InputHash: model.InputHash(tenant, scenarioID, 1, spec.drivers, nil, asof, spec.seed),
		Drivers: model.SchemaDrivers(spec.drivers), Parameters: map[string]string{},
		Priority: schemas.Priority("NORMAL"), TimeoutSeconds: int32(spec.timeout), MaxRetries: int32(spec.maxRetries),
		Seed: spec.seed, SubmittedTS: queuedAt.UTC(),
	}
	if !spec.noRequest {
		e.produceAs(t, tenant, topology.TopicScenarioRequest, runID, req)
	}
	queued := schemas.RunEvent{EventID: runID + "-queued", RunID: runID, ScenarioID: scenarioID, TenantID: tenant,
		State: schemas.RunQueued, OccurredTS: queuedAt.UTC()}
	e.produceAs(t, tenant, topology.TopicScenarioRun, runID, queued)
	return runID
}

// publishRequest produces req as the relay does (again, for duplicates).
func (e *env) publishRequest(t testing.TB, req schemas.ScenarioRequest) {
	t.Helper()
	e.produce(t, topology.TopicScenarioRequest, req.RunID, req)
}

func (e *env) produce(t testing.TB, topic, key string, v any) {
	t.Helper()
	e.produceAs(t, tenant, topic, key, v)
}

// produceAs produces v with the aurum.tenant header of tenant.
func (e *env) produceAs(t testing.TB, tenant, topic, key string, v any) {
	t.Helper()
	value, err := e.Serde.Encode(topic, v)
	if err != nil {
		t.Fatal(err)
	}
	rec := &kgo.Record{Topic: topic, Key: []byte(key), Value: value, Headers: []kgo.RecordHeader{
		{Key: runs.HeaderTenant, Value: []byte(tenant)},
		{Key: runs.HeaderTraceparent, Value: []byte("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")},
		{Key: runs.HeaderRequestID, Value: []byte("req-" + key[:8])},
	}}
	if err := e.Client.ProduceSync(materializertest.Context(t), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// request reads back the ScenarioRequest a run was created with.
func (e *env) request(t testing.TB, runID string) schemas.ScenarioRequest {
	t.Helper()
	for _, rec := range e.records(t, topology.TopicScenarioRequest) {
		if string(rec.Key) == runID {
			var req schemas.ScenarioRequest
			if err := e.Serde.Decode(materializertest.Context(t), rec.Topic, rec.Value, &req); err != nil {
				t.Fatal(err)
			}
			return req
		}
	}
	t.Fatalf("no request of run %s", runID)
	return schemas.ScenarioRequest{}
}

// startWorker runs a worker until the test ends or the returned stop is
// called; stop returns Run's error.
func (e *env) startWorker(t testing.TB, cfg scenario.Config, deps ...func(*scenario.Deps)) (stop func() error) {
	t.Helper()
	cfg.Brokers = e.Kafka.Brokers
	if cfg.TransactionalID == "" {
		cfg.TransactionalID = "test-worker-" + t.Name()
	}
	cfg.Backoff = cfg.Backoff.Or(retry.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond})
	e.metrics = telemetry.NewMetrics(nil)
	d := scenario.Deps{DB: e.Store, Serde: e.Serde, Logger: materializertest.Logger(), Metrics: e.metrics}
	for _, set := range deps {
		set(&d)
	}
	w, err := scenario.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	return materializertest.Start(t, w)
}

// runRow is a scenario_run row as a test sees it.
type runRow struct {
	State       string
	Attempt     int
	Error       *string
	OutputCount *int
	Published   bool
}

func (e *env) run(t testing.TB, runID string) runRow {
	t.Helper()
	var r runRow
	if err := e.Store.Pool().QueryRow(materializertest.Context(t), `SELECT state, attempt, error, output_count, terminal_published_at IS NOT NULL
		FROM scenario_run WHERE id = $1`, runID).Scan(&r.State, &r.Attempt, &r.Error, &r.OutputCount, &r.Published); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitPublished waits until every run's terminal event is marked published.
func (e *env) waitPublished(t testing.TB, timeout time.Duration, runIDs ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, id := range runIDs {
		for !e.run(t, id).Published {
			if time.Now().After(deadline) {
				t.Fatalf("run %s not published within %s: %+v", id, timeout, e.run(t, id))
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
}

func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.Store.Pool().QueryRow(materializertest.Context(t), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// records reads every committed record of topic, as a read_committed
// subscriber sees it, up to the end of each partition.
func (e *env) records(t testing.TB, topic string) []*kgo.Record {
	t.Helper()
	ctx := materializertest.Context(t)
	ends, err := e.Admin.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset - 1
			offsets[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(want) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Kafka.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("reading %s: %v (partitions left %v)", topic, err, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if last, ok := want[r.Partition]; ok && r.Offset >= last {
				delete(want, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out
}

// events reads the committed RunEvents per run id.
func (e *env) events(t testing.TB) map[string][]schemas.RunEvent {
	t.Helper()
	out := map[string][]schemas.RunEvent{}
	for _, rec := range e.records(t, topology.TopicScenarioRun) {
		var ev schemas.RunEvent
		if err := e.Serde.Decode(materializertest.Context(t), rec.Topic, rec.Value, &ev); err != nil {
			t.Fatal(err)
		}
		out[ev.RunID] = append(out[ev.RunID], ev)
	}
	return out
}

// terminals counts the terminal events of a run.
func terminals(evs []schemas.RunEvent) (n int, last schemas.RunEvent) {
	for _, ev := range evs {
		if ev.State.Terminal() {
			n++
			last = ev
		}
	}
	return n, last
}

// outputs reads the committed ScenarioOutputs per run id.
func (e *env) outputs(t testing.TB) map[string][]schemas.ScenarioOutput {
	t.Helper()
	out := map[string][]schemas.ScenarioOutput{}
	for _, rec := range e.records(t, topology.TopicScenarioOutput) {
		var o schemas.ScenarioOutput
		if err := e.Serde.Decode(materializertest.Context(t), rec.Topic, rec.Value, &o); err != nil {
			t.Fatal(err)
		}
		out[o.RunID] = append(out[o.RunID], o)
	}
	return out
}

// waitCaughtUp waits until the worker group committed every request.
func (e *env) waitCaughtUp(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx := materializertest.Context(t)
	deadline := time.Now().Add(timeout)
	for {
		ends, err := e.Admin.ListEndOffsets(ctx, topology.TopicScenarioRequest)
		if err != nil {
			t.Fatal(err)
		}
		committed, err := e.Admin.FetchOffsets(ctx, topology.GroupScenarioWorker)
		if err == nil {
			behind := false
			ends.Each(func(o kadm.ListedOffset) {
				c, ok := committed.Lookup(o.Topic, o.Partition)
				if o.Offset > 0 && (!ok || c.At < o.Offset) {
					behind = true
				}
			})
			if !behind {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker group not caught up within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// counter reads the value of a counter.
func counter(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
