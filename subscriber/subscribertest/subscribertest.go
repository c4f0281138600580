// Package subscribertest puts the events of three scenario runs on a test's
// aurum.scenario.run.v1 the way the outbox relay and the worker publish
// them: in Kafka transactions, with one attempt aborted and one event
// published twice. The tests of package subscriber, its example and the
// tests of `aurum runs watch` follow them.
package subscribertest

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// The runs of Events: RunA of tenant acme succeeds, RunB of globex fails,
// RunC of acme is cancelled while queued. Each run's scenario id ends in
// the run's letter.
const (
	RunA = "a0000000-0000-4000-8000-00000000000a"
	RunB = "b0000000-0000-4000-8000-00000000000b"
	RunC = "c0000000-0000-4000-8000-00000000000c"
)

// Events are the committed events of RunA, RunB and RunC in the order
// Publish publishes them, a second apart from 2026-05-04T09:30:01Z.
func Events() []schemas.RunEvent {
	at := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	ev := func(tenant, run string, state schemas.RunState) schemas.RunEvent {
		at = at.Add(time.Second)
		e := schemas.RunEvent{EventID: run[:4] + "-" + string(state), RunID: run,
			ScenarioID: "5c000000-0000-4000-8000-00000000000" + run[35:],
			TenantID:   tenant, State: state, Attempt: 1, OccurredTS: at}
		switch state {
		case schemas.RunSucceeded:
			n := int64(240)
			e.OutputCount = &n
		case schemas.RunFailed:
			msg := "no base curves for 2026-05-01"
			e.Error = &msg
		case schemas.RunRunning:
			p := 0.0
			e.ProgressPercent = &p
		}
		return e
	}
	return []schemas.RunEvent{
		ev("acme", RunA, schemas.RunQueued),
		ev("globex", RunB, schemas.RunQueued),
		ev("acme", RunA, schemas.RunRunning),
		ev("globex", RunB, schemas.RunRunning),
		ev("acme", RunA, schemas.RunSucceeded),
		ev("globex", RunB, schemas.RunFailed),
		ev("acme", RunC, schemas.RunQueued),
		ev("acme", RunC, schemas.RunCancelled),
	}
}

// Publish puts Events on the topic of the cluster at brokers, encoded with
// the schemas of the registry at registryURL, each keyed by its run id, in
// four transactions: the first four events; a FAILED event of RunA's
// attempt, aborted; the other four, with a value no registry explains (not
// Avro) keyed by RunB before RunB's FAILED event; and the CANCELLED event of
// RunC again (a republished outbox row).
func Publish(ctx context.Context, brokers []string, registryURL string) error {
	src, err := sr.NewClient(sr.URLs(registryURL))
	if err != nil {
		return err
	}
	sd, err := serde.New(ctx, src, nil)
	if err != nil {
		return err
	}
	events := Events()
	aborted := events[4]
	aborted.EventID, aborted.State, aborted.OutputCount = "aborted", schemas.RunFailed, nil
	var r []*kgo.Record // the records of events, then of aborted
	for _, ev := range append(events, aborted) {
		b, err := sd.Encode(topology.TopicScenarioRun, ev)
		if err != nil {
			return err
		}
		r = append(r, &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(ev.RunID), Value: b})
	}
	undecodable := &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(RunB), Value: []byte("not avro")}
	txs := []struct {
		commit  bool
		records []*kgo.Record
	}{
		{true, r[:4]},
		{false, r[8:]},
		{true, []*kgo.Record{r[4], undecodable, r[5], r[6], r[7]}},
		{true, r[7:8]},
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID("subscribertest"))
	if err != nil {
		return err
	}
	defer cl.Close()
	for _, tx := range txs {
		if err := cl.BeginTransaction(); err != nil {
			return err
		}
		if err := cl.ProduceSync(ctx, tx.records...).FirstErr(); err != nil {
			return fmt.Errorf("produce run events: %w", err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(tx.commit)); err != nil {
			return err
		}
	}
	return nil
}
