package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// publishedLookback is how long before a run's queued_at the scan for its
// terminal event starts: record timestamps come from the producers' clocks,
// queued_at from the database's.
const publishedLookback = 10 * time.Minute

// terminalCommitted reports whether aurum.scenario.run.v1 holds a committed
// terminal RunEvent of run r. It reads r's partition read_committed, with
// control records, from a little before r was queued to the high watermark
// taken first; see the package documentation for why this is exact.
func (w *Worker) terminalCommitted(ctx context.Context, r runs.Run) (bool, error) {
	const topic = topology.TopicScenarioRun
	adm := kadm.NewClient(w.events)
	details, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("describe %s: %w", topic, err)
	}
	td, ok := details[topic]
	if !ok || td.Err != nil || len(td.Partitions) == 0 {
		return false, fmt.Errorf("describe %s: %v", topic, td.Err)
	}
	p := topology.Partition(topic, []byte(r.ID), len(td.Partitions))

	starts, err := adm.ListOffsetsAfterMilli(ctx, r.QueuedAt.Add(-publishedLookback).UnixMilli(), topic)
	if err != nil {
		return false, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	start, ok1 := starts.Lookup(topic, p)
	end, ok2 := ends.Lookup(topic, p)
	if !ok1 || !ok2 || start.Err != nil || end.Err != nil {
		return false, fmt.Errorf("offsets of %s/%d: %w", topic, p, errors.Join(start.Err, end.Err))
	}
	if start.Offset < 0 || start.Offset >= end.Offset {
		return false, nil
	}

	cl, err := kgo.NewClient(w.clientOptions(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().At(start.Offset)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return false, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	last := end.Offset - 1
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("scan %s/%d for run %s: %w", topic, p, r.ID, err)
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = errors.Join(ferr, err) })
		if ferr != nil {
			return false, fmt.Errorf("scan %s/%d: %w", topic, p, ferr)
		}
		var found, done bool
		var derr error
		fetches.EachRecord(func(rec *kgo.Record) {
			if rec.Offset >= last {
				done = true
			}
			if found || rec.Attrs.IsControl() || string(rec.Key) != r.ID {
				return
			}
			var ev schemas.RunEvent
			if err := w.serde.Decode(ctx, topic, rec.Value, &ev); err != nil {
				if errors.Is(err, serde.ErrMalformed) || errors.Is(err, serde.ErrUnknownSchema) {
					// Not a RunEvent this code can read, so not one it wrote.
					w.logger.Warn("unreadable record on the run topic", slog.Int("partition", int(p)),
						slog.Int64("offset", rec.Offset), slog.String("error", err.Error()))
					return
				}
				derr = fmt.Errorf("decode %s/%d@%d: %w", topic, p, rec.Offset, err)
				return
			}
			found = ev.RunID == r.ID && ev.State.Terminal()
		})
		switch {
		case found:
			return true, nil
		case derr != nil:
			return false, derr
		case done:
			return false, nil
		}
	}
}
