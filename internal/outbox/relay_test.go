package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const waitFor = 30 * time.Second

// openStore returns a migrated store on a fresh database.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Migrated(t, store.Config{})
}

// outboxRow is what a tenant transaction writes.
type outboxRow struct {
	tenant, topic string
	key, value    []byte
	headers       string
}

// insert writes rows the way the API does: in tenant transactions.
func insert(t *testing.T, st *store.Store, rows ...outboxRow) {
	t.Helper()
	for _, r := range rows {
		err := st.InTenant(context.Background(), r.tenant, func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(),
				`INSERT INTO outbox (tenant_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`,
				r.tenant, r.topic, r.key, r.value, r.headers)
			return err
		})
		if err != nil {
			t.Fatalf("insert outbox row: %v", err)
		}
	}
}

// sampleRows are n rows alternating between two tenants, two topics and
// three keys, with distinct values.
func sampleRows(n int) []outboxRow {
	rows := make([]outboxRow, n)
	for i := range rows {
		topic := topology.TopicScenarioRun
		if i%2 == 0 {
			topic = topology.TopicScenarioRequest
		}
		rows[i] = outboxRow{
			tenant:  []string{"acme", "globex"}[i%2],
			topic:   topic,
			key:     fmt.Appendf(nil, "run-%d", i%3),
			value:   fmt.Appendf(nil, "\x00\x00\x00\x00\x01value-%03d", i),
			headers: fmt.Sprintf(`{"aurum.tenant": %q, "x-request-id": "req-%d", "traceparent": "00-%032x-%016x-01"}`, []string{"acme", "globex"}[i%2], i, i+1, i+1),
		}
	}
	return rows
}

type rowState struct {
	id          int64
	published   bool
	attempts    int
	lastError   *string
	publishedAt *time.Time
}

// states reads every outbox row in id order, bypassing row-level security
// (the test connects as a superuser).
func states(t *testing.T, st *store.Store) []rowState {
	t.Helper()
	rs, err := st.Pool().Query(context.Background(),
		`SELECT id, published_at IS NOT NULL, attempts, last_error, published_at FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (rowState, error) {
		var s rowState
		return s, r.Scan(&s.id, &s.published, &s.attempts, &s.lastError, &s.publishedAt)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitUntil polls cond until it holds or waitFor passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allPublished(t *testing.T, st *store.Store) func() bool {
	return func() bool {
		for _, s := range states(t, st) {
			if !s.published {
				return false
			}
		}
		return true
	}
}

// startRelay runs a relay until the test ends (or the returned stop).
func startRelay(t *testing.T, cfg Config, st *store.Store, tweak func(*Relay)) (stop func() error) {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	r, err := New(cfg, Deps{DB: st, Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := r.Run(ctx)
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- err
	}()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(waitFor):
				runErr = errors.New("relay did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// consumed reads every committed record of topics from the start until want
// records arrived, then for a moment more to catch duplicates.
func consumed(t *testing.T, brokers []string, want int, topics ...string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	deadline := time.Now().Add(waitFor)
	settle := time.Time{}
	for {
		if len(recs) >= want && settle.IsZero() {
			settle = time.Now().Add(300 * time.Millisecond)
		}
		end := deadline
		if !settle.IsZero() {
			end = settle
		}
		if time.Now().After(end) {
			break
		}
		ctx, cancel := context.WithDeadline(context.Background(), end)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	if len(recs) < want {
		t.Fatalf("consumed %d records, want %d", len(recs), want)
	}
	return recs
}

func headerMap(r *kgo.Record) map[string]string {
	m := make(map[string]string, len(r.Headers))
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// checkRecords asserts every row reached its topic with its key, value and
// headers, records of one key in row order; it returns how many times each
// value was seen.
func checkRecords(t *testing.T, rows []outboxRow, recs []*kgo.Record) map[string]int {
	t.Helper()
	seen := make(map[string]int)
	byValue := make(map[string]*kgo.Record)
	for _, r := range recs {
		seen[string(r.Value)]++
		byValue[string(r.Value)] = r
	}
	for i, row := range rows {
		r, ok := byValue[string(row.value)]
		if !ok {
			t.Fatalf("row %d (%q) was not published", i, row.value)
		}
		if r.Topic != row.topic || !bytes.Equal(r.Key, row.key) {
			t.Errorf("row %d: topic %s key %q, want %s %q", i, r.Topic, r.Key, row.topic, row.key)
		}
		h := headerMap(r)
		if h["aurum.tenant"] != row.tenant || h["x-request-id"] != fmt.Sprintf("req-%d", i) ||
			h["traceparent"] != fmt.Sprintf("00-%032x-%016x-01", i+1, i+1) || len(h) != 3 {
			t.Errorf("row %d: headers %v", i, h)
		}
	}
	// Per topic and key, the first delivery of each row comes in row order.
	type tk struct{ topic, key string }
	order := make(map[tk][]string)
	for _, r := range recs {
		k := tk{r.Topic, string(r.Key)}
		if !slices.Contains(order[k], string(r.Value)) {
			order[k] = append(order[k], string(r.Value))
		}
	}
	for k, vals := range order {
		if !slices.IsSorted(vals) {
			t.Errorf("%s key %s: records out of order: %q", k.topic, k.key, vals)
		}
	}
	return seen
}

func TestRelayPublishesAndMarks(t *testing.T) {
	t.Parallel()
	st, kafka := openStore(t), testenv.NewKafka(t)
	rows := sampleRows(12)
	insert(t, st, rows[:6]...)
	startRelay(t, Config{Brokers: kafka.Brokers, BatchSize: 4}, st, nil)
	insert(t, st, rows[6:]...) // while it runs
	waitUntil(t, "every row is marked", allPublished(t, st))

	recs := consumed(t, kafka.Brokers, len(rows), topology.TopicScenarioRequest, topology.TopicScenarioRun)
	for v, n := range checkRecords(t, rows, recs) {
		if n != 1 {
			t.Errorf("%q published %d times, want once", v, n)
		}
	}
	for _, s := range states(t, st) {
		if s.attempts != 1 || s.lastError != nil {
			t.Errorf("row %d: attempts %d last_error %v, want 1 and none", s.id, s.attempts, s.lastError)
		}
	}
}

// TestRelayWokenByCommits: with a poll far longer than the test, rows
// committed while the relay waits are published all the same — its Waker
// hears the database announce them.
func TestRelayWokenByCommits(t *testing.T) {
	t.Parallel()
	st, kafka := openStore(t), testenv.NewKafka(t)
	rows := sampleRows(6)
	var relay *Relay
	startRelay(t, Config{Brokers: kafka.Brokers, PollInterval: time.Hour}, st, func(r *Relay) { relay = r })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = relay.Waker(st.Pool()).Run(ctx) }()
	waitUntil(t, "the waker listens", func() bool {
		var n int
		err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN "aurum_outbox"'`).Scan(&n)
		return err == nil && n == 1
	})
	for i := range rows {
		insert(t, st, rows[i]) // each its own transaction, the relay waiting in between
		waitUntil(t, fmt.Sprintf("row %d is published", i), allPublished(t, st))
	}
	recs := consumed(t, kafka.Brokers, len(rows), topology.TopicScenarioRequest, topology.TopicScenarioRun)
	checkRecords(t, rows, recs)
}

// freeAddr returns a loopback address nothing listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestRelayWaitsForTheBroker(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	addr := freeAddr(t)
	rows := sampleRows(5)
	insert(t, st, rows...)
	startRelay(t, Config{Brokers: []string{addr}, ProduceTimeout: time.Second,
		Backoff: retry.Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}}, st, nil)

	waitUntil(t, "failed attempts are recorded", func() bool {
		for _, s := range states(t, st) {
			if s.attempts < 2 || s.lastError == nil {
				return false
			}
		}
		return true
	})
	for _, s := range states(t, st) {
		if s.published {
			t.Fatalf("row %d marked published while no broker runs", s.id)
		}
	}

	b, err := broker.New(broker.Config{Addr: addr, InMemory: true}, nil)
	if err != nil {
		t.Fatalf("start the broker late: %v", err)
	}
	t.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := topology.Apply(context.Background(), kadm.NewClient(cl)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every row is published once the broker is up", allPublished(t, st))
	recs := consumed(t, []string{addr}, len(rows), topology.TopicScenarioRequest, topology.TopicScenarioRun)
	for v, n := range checkRecords(t, rows, recs) {
		if n != 1 {
			t.Errorf("%q published %d times, want once", v, n)
		}
	}
	for _, s := range states(t, st) {
		if s.lastError != nil {
			t.Errorf("row %d keeps last_error %q after publishing", s.id, *s.lastError)
		}
	}
}

func TestRelayCrashBetweenProduceAndMarkRepublishes(t *testing.T) {
	t.Parallel()
	st, kafka := openStore(t), testenv.NewKafka(t)
	rows := sampleRows(6)
	insert(t, st, rows...)

	crashed := make(chan struct{})
	stop := startRelay(t, Config{Brokers: kafka.Brokers}, st, func(r *Relay) {
		// The process dies after the broker acknowledged: nothing more
		// happens until it is gone, and its transaction never commits.
		r.afterProduce = func(ctx context.Context) error {
			close(crashed)
			<-ctx.Done()
			return errors.New("simulated crash after the broker acknowledged")
		}
	})
	select {
	case <-crashed:
	case <-time.After(waitFor):
		t.Fatal("the relay never produced")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, s := range states(t, st) {
		if s.published {
			t.Fatalf("row %d marked although the relay crashed before marking", s.id)
		}
	}

	startRelay(t, Config{Brokers: kafka.Brokers}, st, nil)
	waitUntil(t, "the next relay publishes every row", allPublished(t, st))
	recs := consumed(t, kafka.Brokers, 2*len(rows), topology.TopicScenarioRequest, topology.TopicScenarioRun)
	for v, n := range checkRecords(t, rows, recs) {
		if n != 2 {
			t.Errorf("%q published %d times, want twice (before and after the crash)", v, n)
		}
	}
}

func TestTwoRelaysPublishEachRowOnce(t *testing.T) {
	t.Parallel()
	st, kafka := openStore(t), testenv.NewKafka(t)
	rows := sampleRows(300)
	cfg := Config{Brokers: kafka.Brokers, BatchSize: 25, PollInterval: 5 * time.Millisecond}
	startRelay(t, cfg, st, nil)
	startRelay(t, cfg, st, nil)
	for i := 0; i < len(rows); i += 30 {
		insert(t, st, rows[i:i+30]...)
	}
	waitUntil(t, "every row is marked", allPublished(t, st))
	recs := consumed(t, kafka.Brokers, len(rows), topology.TopicScenarioRequest, topology.TopicScenarioRun)
	for v, n := range checkRecords(t, rows, recs) {
		if n != 1 {
			t.Errorf("%q published %d times, want once", v, n)
		}
	}
}

func TestRelayPurgesOldPublishedRows(t *testing.T) {
	t.Parallel()
	st, kafka := openStore(t), testenv.NewKafka(t)
	rows := sampleRows(3)
	insert(t, st, rows...)
	// Row 1 was published long ago, row 2 recently, row 3 not yet.
	if _, err := st.Pool().Exec(context.Background(), `
		UPDATE outbox SET published_at = CASE id WHEN 1 THEN now() - interval '8 days' ELSE now() END
		WHERE id IN (1, 2)`); err != nil {
		t.Fatal(err)
	}
	startRelay(t, Config{Brokers: kafka.Brokers, PurgeInterval: time.Millisecond}, st, nil)
	waitUntil(t, "the old row is purged and the last published", func() bool {
		s := states(t, st)
		return len(s) == 2 && s[0].id == 2 && s[1].published
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Brokers: []string{"b:9092"}}, true},
		{"no brokers", Config{}, false},
		{"negative batch", Config{Brokers: []string{"b"}, BatchSize: -1}, false},
		{"negative poll", Config{Brokers: []string{"b"}, PollInterval: -time.Second}, false},
		{"produce timeout too short", Config{Brokers: []string{"b"}, ProduceTimeout: time.Millisecond}, false},
		{"backoff inverted", Config{Brokers: []string{"b"}, Backoff: retry.Backoff{Min: time.Minute, Max: time.Second}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if _, err := New(Config{Brokers: []string{"b"}}, Deps{}); err == nil {
		t.Fatal("New without a DB succeeded")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
