package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Defaults of RunEventsConfig.
const (
	DefaultRunEventsHeartbeat     = 15 * time.Second
	DefaultRunEventsMargin        = time.Minute
	DefaultRunEventsReplayTimeout = 30 * time.Second
	DefaultRunEventsMaxStreams    = 1000
)

// RunEventsConfig configures GET /v1/runs/{run_id}/events.
type RunEventsConfig struct {
	// Brokers are the seed brokers.
	Brokers []string
	// KafkaOptions are added to every client: client ID, logger, TLS,
	// SASL. Not metrics hooks: each stream has a client of its own, and
	// kprom registers its metrics per client name.
	KafkaOptions []kgo.Opt
	// Heartbeat is the interval of the comment lines that keep idle
	// streams (and the proxies in between) alive. Default 15s.
	Heartbeat time.Duration
	// Margin is how long before the run's queued_at reading starts, for
	// clock skew between the database and the producers. Default 1 min.
	Margin time.Duration
	// ReplayTimeout bounds the stream of a run that was already finished
	// when the client subscribed, should its terminal event be gone from
	// the topic (retention). Default 30s.
	ReplayTimeout time.Duration
	// MaxStreams caps the concurrent streams of this instance; beyond it
	// subscribers get 503 with Retry-After. Default 1000.
	MaxStreams int
}

func (c RunEventsConfig) withDefaults() RunEventsConfig {
	c.Heartbeat = cmp.Or(c.Heartbeat, DefaultRunEventsHeartbeat)
	c.Margin = cmp.Or(c.Margin, DefaultRunEventsMargin)
	c.ReplayTimeout = cmp.Or(c.ReplayTimeout, DefaultRunEventsReplayTimeout)
	c.MaxStreams = cmp.Or(c.MaxStreams, DefaultRunEventsMaxStreams)
	return c
}

// Validate reports the first invalid setting.
func (c RunEventsConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("at least one seed broker is required")
	case c.Heartbeat < 0 || c.Margin < 0 || c.ReplayTimeout < 0:
		return errors.New("heartbeat, margin and replay timeout must not be negative")
	case c.MaxStreams < 0:
		return fmt.Errorf("max streams %d: must not be negative", c.MaxStreams)
	}
	return nil
}

// RunEventsDeps are what RunEvents uses; all are required.
type RunEventsDeps struct {
	// Store answers whether the caller's tenant may see a run.
	Store *store.Store
	// Serde decodes RunEvent values.
	Serde  *serde.Serde
	Logger *slog.Logger
}

// RunEvents serves GET /v1/runs/{run_id}/events: the RunEvents of a run as
// server-sent events, read from aurum.scenario.run.v1 so that any API
// instance serves any run. Create it with NewRunEvents, install it with
// Deps.RunEvents and Close it after the server stopped.
//
// Each stream is a direct (group-less), read_committed consumer of the one
// partition the run's key hashes to (Kafka's murmur2 partitioner, as every
// Aurum producer uses), starting at the first record stamped no earlier than
// queued_at − Margin. A franz-go client consumes a fixed set of partitions
// from offsets of its own, so streams cannot share one: each has a
// lightweight client (one connection to the partition leader, created on
// subscribe and closed on return), and MaxStreams bounds them. One shared
// client answers the metadata questions.
type RunEvents struct {
	cfg     RunEventsConfig
	runs    *runs.Repository
	serde   *serde.Serde
	logger  *slog.Logger
	meta    *kgo.Client
	streams atomic.Int64

	mu          sync.Mutex
	partitions  int
	partitionAt time.Time
}

// NewRunEvents validates cfg and returns the event source; it connects to
// nothing until the first subscriber.
func NewRunEvents(cfg RunEventsConfig, deps RunEventsDeps) (*RunEvents, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("run events config: %w", err)
	}
	if deps.Store == nil || deps.Serde == nil || deps.Logger == nil {
		return nil, errors.New("run events: Store, Serde and Logger are required")
	}
	cfg = cfg.withDefaults()
	meta, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.KafkaOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("run events: kafka client: %w", err)
	}
	return &RunEvents{cfg: cfg, runs: runs.NewRepository(deps.Store), serde: deps.Serde, logger: deps.Logger, meta: meta}, nil
}

// Close releases the shared Kafka client. Streams still open end with
// errors; close the server first.
func (r *RunEvents) Close() { r.meta.Close() }

// streamRunEvents is GET /v1/runs/{run_id}/events, streaming from
// Deps.RunEvents (503 without one).
func (s *Server) streamRunEvents(c echo.Context) error {
	src := s.runEvents
	if src == nil {
		return NewProblem(http.StatusServiceUnavailable, "not-ready", "run events are not available: the API has no Kafka consumer for them")
	}
	ctx := c.Request().Context()
	p, err := principalOf(c)
	if err != nil {
		return err
	}
	id, err := pathUUID("run_id", c.Param("run_id"))
	if err != nil {
		return err
	}
	run, err := src.runs.Get(ctx, runs.Ref{Tenant: p.Tenant, ID: id})
	if errors.Is(err, runs.ErrNotFound) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	if n := src.streams.Add(1); n > int64(src.cfg.MaxStreams) {
		src.streams.Add(-1)
		pr := NewProblem(http.StatusServiceUnavailable, "not-ready",
			fmt.Sprintf("this instance already serves %d event streams; try again shortly", src.cfg.MaxStreams))
		pr.RetryAfter = 5
		return pr
	}
	defer src.streams.Add(-1)

	// The stream ends with the request, on graceful shutdown, and
	// for a finished run after ReplayTimeout at the latest.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.stopping, cancel)()
	if run.State.Terminal() {
		ctx, cancel = context.WithTimeout(ctx, src.cfg.ReplayTimeout)
		defer cancel()
	}
	cl, err := src.consumer(ctx, run)
	if err != nil {
		return err
	}
	defer cl.Close()

	st := &runEventStream{
		src: src, run: run, tenant: p.Tenant, w: c.Response(),
		lastEventID: c.Request().Header.Get("Last-Event-ID"),
		seen:        make(map[string]bool),
		logger:      s.requestLogger(c).With(slog.String("run_id", run.ID)),
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Response().WriteHeader(http.StatusOK)
	return st.serve(ctx, cl)
}

// consumer returns a read_committed client of the run's partition,
// positioned at the first record no older than queued_at − Margin.
func (r *RunEvents) consumer(ctx context.Context, run runs.Run) (*kgo.Client, error) {
	n, err := r.partitionCount(ctx)
	if err != nil {
		return nil, err
	}
	partition := topology.Partition(topology.TopicScenarioRun, []byte(run.ID), n)
	from := kgo.NewOffset().AfterMilli(run.QueuedAt.Add(-r.cfg.Margin).UnixMilli())
	opts := append([]kgo.Opt{kgo.SeedBrokers(r.cfg.Brokers...)}, r.cfg.KafkaOptions...)
	cl, err := kgo.NewClient(append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topology.TopicScenarioRun: {partition: from}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		return nil, fmt.Errorf("run events: kafka client: %w", err)
	}
	return cl, nil
}

// partitionCountTTL is how long the run topic's partition count is reused.
const partitionCountTTL = time.Minute

// partitionCount is the number of partitions of aurum.scenario.run.v1.
func (r *RunEvents) partitionCount(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.partitions > 0 && time.Since(r.partitionAt) < partitionCountTTL {
		return r.partitions, nil
	}
	tds, err := kadm.NewClient(r.meta).ListTopics(ctx, topology.TopicScenarioRun)
	if err == nil {
		err = tds.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("run events: describe %s: %w", topology.TopicScenarioRun, err)
	}
	n := len(tds[topology.TopicScenarioRun].Partitions)
	if n == 0 {
		return 0, fmt.Errorf("run events: topic %s has no partitions", topology.TopicScenarioRun)
	}
	r.partitions, r.partitionAt = n, time.Now()
	return n, nil
}

// runEventStream writes the events of one run to one client.
type runEventStream struct {
	src         *RunEvents
	run         runs.Run
	tenant      string
	w           *echo.Response
	lastEventID string // skip events up to and including this one
	seen        map[string]bool
	progressed  bool // a state after QUEUED was seen
	logger      *slog.Logger
}

// serve writes events until the terminal one, or until ctx ends; it reports
// only failures to write.
func (st *runEventStream) serve(ctx context.Context, cl *kgo.Client) error {
	if err := st.write(": stream of run " + st.run.ID + "\n\n"); err != nil {
		return nil
	}
	heartbeat := st.src.cfg.Heartbeat
	lastWrite := time.Now()
	for {
		pctx, cancel := context.WithTimeout(ctx, max(time.Until(lastWrite.Add(heartbeat)), time.Millisecond))
		fetches := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				st.logger.Warn("run is finished but its terminal event was not found on the topic; ending the stream")
			}
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				st.logger.Warn("run events: fetch failed; retrying", slog.String("topic", topic),
					slog.Int("partition", int(p)), slog.String("error", err.Error()))
			}
		})
		done := false
		iter := fetches.RecordIter()
		for !done && !iter.Done() {
			ev, ok := st.decode(ctx, iter.Next())
			if !ok {
				continue
			}
			wrote, terminal, err := st.emit(ev)
			if err != nil {
				return nil // the client is gone
			}
			if wrote {
				lastWrite = time.Now()
			}
			done = terminal
		}
		if done {
			return nil
		}
		if time.Since(lastWrite) >= heartbeat {
			if err := st.write(": heartbeat\n\n"); err != nil {
				return nil
			}
			lastWrite = time.Now()
		}
	}
}

// decode returns the run's event in rec, or false for other runs' records
// and records it cannot decode (logged).
func (st *runEventStream) decode(ctx context.Context, rec *kgo.Record) (schemas.RunEvent, bool) {
	var ev schemas.RunEvent
	if string(rec.Key) != st.run.ID {
		return ev, false
	}
	if err := st.src.serde.Decode(ctx, rec.Topic, rec.Value, &ev); err != nil {
		st.logger.Warn("run events: undecodable record skipped", slog.Int("partition", int(rec.Partition)),
			slog.Int64("offset", rec.Offset), slog.String("error", err.Error()))
		return ev, false
	}
	if ev.RunID != st.run.ID || ev.TenantID != st.tenant {
		return ev, false
	}
	return ev, true
}

// emit writes ev unless it is a duplicate (at-least-once delivery), a stale
// QUEUED after the run moved on, or at or before Last-Event-ID. It reports
// whether it wrote and whether ev is terminal, which ends the stream.
func (st *runEventStream) emit(ev schemas.RunEvent) (wrote, terminal bool, err error) {
	terminal = ev.State.Terminal()
	if st.seen[ev.EventID] {
		return false, false, nil
	}
	st.seen[ev.EventID] = true
	stale := ev.State == schemas.RunQueued && st.progressed
	st.progressed = st.progressed || ev.State != schemas.RunQueued
	if st.lastEventID != "" {
		if ev.EventID == st.lastEventID {
			st.lastEventID = ""
			return false, terminal, nil
		}
		// An unknown Last-Event-ID skips everything but the completion.
		if !terminal {
			return false, false, nil
		}
	}
	if stale {
		return false, false, nil
	}
	data := runs.JSONOf(ev)
	data.TenantID = "" // the caller's own
	b, err := json.Marshal(data)
	if err != nil {
		return false, false, fmt.Errorf("encode run event: %w", err)
	}
	frame := "id: " + ev.EventID + "\nevent: " + string(ev.State) + "\ndata: " + string(b) + "\n\n"
	if err := st.write(frame); err != nil {
		return false, false, err
	}
	return true, terminal, nil
}

func (st *runEventStream) write(s string) error {
	if _, err := st.w.Write([]byte(s)); err != nil {
		return err
	}
	st.w.Flush()
	return nil
}
