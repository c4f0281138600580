// Package subscriber follows scenario runs on aurum.scenario.run.v1: the
// reference subscriber a client of the platform runs to learn that a run
// completed, and the engine of `aurum runs watch`.
//
// A Subscriber hands each selected RunEvent to a Handler. Without
// Config.RunID it selects completions — events in a terminal state
// (SUCCEEDED, FAILED, CANCELLED, TIMED_OUT) — of every run, or of one
// tenant's runs, from now or from the start of the topic. With a RunID it
// selects every state change of that run and returns after its terminal
// event.
//
// # Delivery
//
// The scenario worker publishes a run's terminal event in the Kafka
// transaction that commits the run's outputs and its request's offset; a
// transaction that aborts (a crash, a rebalance) takes its events with it,
// and the request is handled again. A Subscriber reads read_committed, so
// it never sees the events of an aborted transaction. Delivery is at least
// once all the same: the outbox relay, which publishes the QUEUED event of
// a new run and the CANCELLED event of a run cancelled before it started,
// publishes a row again when it dies between producing and marking it. A
// republished event keeps its event_id, and a Subscriber drops the ids it
// has seen among the last Config.Remember.
//
// A run's events share a partition (the topic is keyed by run id) and
// arrive in the order they were written to it. The relay and the worker
// write independently, so a QUEUED event the relay publishes late or again
// can follow RUNNING: a run's state is its latest state other than QUEUED.
// A RunID is followed by reading only its partition (topology.Partition). A Subscriber joins no consumer group and
// commits nothing: each reads the topic for itself, and one started again
// reads again from the position its Config names.
package subscriber

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// DefaultRemember is Config.Remember's default.
const DefaultRemember = 10_000

// Config says where a Subscriber reads and which run events it hands on.
// Brokers is required.
type Config struct {
	// Brokers are the seed brokers.
	Brokers []string
	// KafkaOptions are added to the consumer's options: client ID, logger,
	// TLS, SASL. The isolation level and what is consumed are the
	// Subscriber's own.
	KafkaOptions []kgo.Opt
	// RunID, when set, selects every state change of that run, read from
	// the start of its partition; Run returns after its terminal event.
	// Its case does not matter.
	RunID string
	// Tenant, when set, selects only the runs of that tenant.
	Tenant string
	// FromBeginning reads from the start of the topic (completions since
	// then) instead of from its end (completions from now on). A RunID is
	// always read from the start of its partition.
	FromBeginning bool
	// Remember is how many event ids the Subscriber keeps to drop
	// redeliveries. Default 10,000.
	Remember int
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("at least one seed broker is required")
	case c.Remember < 0:
		return fmt.Errorf("remember %d: must not be negative", c.Remember)
	}
	return nil
}

// Decoder turns a record value of a topic into a Go value: within this
// module, internal/serde's Serde, which reads the Confluent wire format and
// resolves every writer schema to schemas.RunEvent.
type Decoder interface {
	Decode(ctx context.Context, topic string, b []byte, v any) error
}

// Deps are what a Subscriber uses. Decoder is required; a nil Logger
// discards the warnings (fetch errors, undecodable records).
type Deps struct {
	Decoder Decoder
	Logger  *slog.Logger
}

// Handler is called with each selected event, one at a time, in the order
// of its partition. An error stops the Subscriber, whose Run returns
// it as it is.
type Handler func(ctx context.Context, ev schemas.RunEvent) error

// Subscriber follows aurum.scenario.run.v1. Create it with New.
type Subscriber struct {
	cfg     Config
	decoder Decoder
	logger  *slog.Logger
}

// New validates cfg and returns a Subscriber; it connects to nothing until
// Run.
func New(cfg Config, deps Deps) (*Subscriber, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("subscriber config: %w", err)
	}
	if deps.Decoder == nil {
		return nil, errors.New("subscriber: Decoder is required")
	}
	cfg.Remember = cmp.Or(cfg.Remember, DefaultRemember)
	cfg.RunID = strings.ToLower(cfg.RunID)
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Subscriber{cfg: cfg, decoder: deps.Decoder, logger: logger}, nil
}

// Run hands the selected events to h until ctx ends, returning ctx's error,
// or — with Config.RunID — until h took the run's terminal event,
// returning nil. A fetch that fails is logged and retried; a record that
// does not decode is logged and skipped.
func (s *Subscriber) Run(ctx context.Context, h Handler) error {
	opts, err := s.position(ctx)
	if err != nil {
		return err
	}
	cl, err := s.client(append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	seen := newRecentIDs(s.cfg.Remember)
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		fetches.EachError(func(topic string, p int32, err error) {
			s.logger.Warn("fetch failed; retrying", slog.String("topic", topic), slog.Int("partition", int(p)),
				slog.String("error", err.Error()))
		})
		for iter := fetches.RecordIter(); !iter.Done(); {
			ev, ok := s.selected(ctx, iter.Next())
			// Delivery is at least once: a republished event keeps its id.
			if !ok || !seen.add(ev.EventID) {
				continue
			}
			if err := h(ctx, ev); err != nil {
				return err
			}
			if s.cfg.RunID != "" && ev.State.Terminal() {
				return nil
			}
		}
	}
}

// position is what the consumer reads: with a RunID, the run's partition
// from its start; otherwise every partition from the end, or from the start
// with FromBeginning.
func (s *Subscriber) position(ctx context.Context) ([]kgo.Opt, error) {
	if s.cfg.RunID == "" {
		at := kgo.NewOffset().AtEnd()
		if s.cfg.FromBeginning {
			at = kgo.NewOffset().AtStart()
		}
		return []kgo.Opt{kgo.ConsumeTopics(topology.TopicScenarioRun), kgo.ConsumeResetOffset(at)}, nil
	}
	meta, err := s.client()
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	tds, err := kadm.NewClient(meta).ListTopics(ctx, topology.TopicScenarioRun)
	if err == nil {
		err = tds.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", topology.TopicScenarioRun, err)
	}
	n := len(tds[topology.TopicScenarioRun].Partitions)
	if n == 0 {
		return nil, fmt.Errorf("topic %s has no partitions", topology.TopicScenarioRun)
	}
	p := topology.Partition(topology.TopicScenarioRun, []byte(s.cfg.RunID), n)
	return []kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topology.TopicScenarioRun: {p: kgo.NewOffset().AtStart()},
	})}, nil
}

// client is a Kafka client with the configured brokers and options, and
// opts.
func (s *Subscriber) client(opts ...kgo.Opt) (*kgo.Client, error) {
	base := append([]kgo.Opt{kgo.SeedBrokers(s.cfg.Brokers...)}, s.cfg.KafkaOptions...)
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// selected decodes rec and reports whether its event passes the filters.
func (s *Subscriber) selected(ctx context.Context, rec *kgo.Record) (schemas.RunEvent, bool) {
	var ev schemas.RunEvent
	if s.cfg.RunID != "" && string(rec.Key) != s.cfg.RunID {
		return ev, false
	}
	if err := s.decoder.Decode(ctx, rec.Topic, rec.Value, &ev); err != nil {
		s.logger.Warn("skipping undecodable record", slog.Int("partition", int(rec.Partition)),
			slog.Int64("offset", rec.Offset), slog.String("error", err.Error()))
		return ev, false
	}
	switch {
	case s.cfg.Tenant != "" && ev.TenantID != s.cfg.Tenant,
		s.cfg.RunID != "" && ev.RunID != s.cfg.RunID,
		s.cfg.RunID == "" && !ev.State.Terminal():
		return ev, false
	}
	return ev, true
}
