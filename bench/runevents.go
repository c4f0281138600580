package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// terminalGrace is how long verify waits after the last terminal event it
// waited for, so that a run's second terminal event, were there one, has
// arrived by the time it counts them.
const terminalGrace = time.Second

// completions follows aurum.scenario.run.v1 as a subscriber would
// (read_committed) and notes each run's terminal events.
type completions struct {
	cl    *kgo.Client
	serde *serde.Serde
	mu    sync.Mutex
	runs  map[string]*runEnd
}

// runEnd is what the subscriber saw of one run's end.
type runEnd struct {
	done   chan struct{}    // closed at the first terminal event
	state  schemas.RunState // of the first terminal event
	err    string           // its error, if it has one
	events int              // terminal events seen
}

func newCompletions(e *env, sd *serde.Serde) (*completions, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...), kgo.ConsumeTopics(topology.TopicScenarioRun),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	return &completions{cl: cl, serde: sd, runs: map[string]*runEnd{}}, nil
}

// end returns the record of run id, created by whichever comes first: its
// terminal event or a wait for it. The caller holds c.mu.
func (c *completions) end(id string) *runEnd {
	end, ok := c.runs[id]
	if !ok {
		end = &runEnd{done: make(chan struct{})}
		c.runs[id] = end
	}
	return end
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
				c.terminal(ev)
			}
		})
		if decodeErr != nil {
			return decodeErr
		}
	}
	return nil
}

func (c *completions) terminal(ev schemas.RunEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.end(ev.RunID)
	end.events++
	if end.events > 1 {
		return
	}
	end.state = ev.State
	if ev.Error != nil {
		end.err = *ev.Error
	}
	close(end.done)
}

// wait waits for run id's first terminal event.
func (c *completions) wait(ctx context.Context, id string, timeout time.Duration) error {
	c.mu.Lock()
	done := c.end(id).done
	c.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("run %s: no terminal event within %s", id, timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitAll waits for the first terminal event of every run of ids.
func (c *completions) waitAll(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := c.wait(ctx, id, runTimeout); err != nil {
			return err
		}
	}
	return nil
}

// verify waits terminalGrace, then checks that every run of ids, all ended
// by now, ended SUCCEEDED with exactly one terminal event: a figure over
// failed or twice-announced runs would not be the figure it says.
func (c *completions) verify(ctx context.Context, ids []string) error {
	select {
	case <-time.After(terminalGrace):
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var failed, repeated int
	var example string
	for _, id := range ids {
		end := c.end(id)
		switch {
		case end.state != schemas.RunSucceeded:
			failed++
			if example == "" {
				example = fmt.Sprintf("run %s ended %s", id, end.state)
				if end.err != "" {
					example += ": " + end.err
				}
			}
		case end.events != 1:
			repeated++
			if example == "" {
				example = fmt.Sprintf("run %s had %d terminal events", id, end.events)
			}
		}
	}
	if failed+repeated > 0 {
		return fmt.Errorf("of %d runs, %d did not end SUCCEEDED and %d had more than one terminal event (%s)",
			len(ids), failed, repeated, example)
	}
	return nil
}

func (c *completions) close() { c.cl.Close() }
