package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// checkpointReadTimeout bounds the start-up read of the checkpoint topic, so
// an unreachable broker fails the attempt instead of hanging it.
const checkpointReadTimeout = time.Minute

// lastCommitted returns the as-of date of the last day committed, from the
// demo's checkpoint on aurum.collector.checkpoint.v1, read with
// read_committed isolation up to the last stable offsets. found is false on
// a fresh topic, or after someone wrote a tombstone for CheckpointKey to
// make the demo start over.
func (p *Producer) lastCommitted(ctx context.Context) (asof time.Time, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, checkpointReadTimeout)
	defer cancel()
	var last *kgo.Record
	err = collector.ReadTopic(ctx, p.deps.Client, topology.TopicCollectorCheckpoint, true, func(r *kgo.Record) {
		if string(r.Key) == CheckpointKey {
			last = r // one key lives in one partition: the last seen is the latest
		}
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read checkpoint %s: %w", CheckpointKey, err)
	}
	if last == nil || last.Value == nil {
		return time.Time{}, false, nil
	}
	var cp schemas.CollectorCheckpoint
	if err := p.deps.Serde.Decode(ctx, topology.TopicCollectorCheckpoint, last.Value, &cp); err != nil {
		if errors.Is(err, serde.ErrMalformed) || errors.Is(err, serde.ErrUnknownSchema) {
			err = fatal(err)
		}
		return time.Time{}, false, fmt.Errorf("decode checkpoint %s at partition %d offset %d: %w",
			CheckpointKey, last.Partition, last.Offset, err)
	}
	if cp.Collector != Collector || cp.SeriesKey != SeriesKey || cp.WatermarkTS == nil {
		return time.Time{}, false, fatal(fmt.Errorf("checkpoint %s at partition %d offset %d is for %s/%s with watermark %v, not a demo checkpoint",
			CheckpointKey, last.Partition, last.Offset, cp.Collector, cp.SeriesKey, cp.WatermarkTS))
	}
	return dateOf(cp.WatermarkTS.UTC()), true, nil
}

// checkpointRecord marks asof as published; it is committed in the same
// transaction as the day's curves.
func (p *Producer) checkpointRecord(asof, now time.Time) (*kgo.Record, error) {
	cursor := asof.Format(time.DateOnly)
	v, err := p.deps.Serde.Encode(topology.TopicCollectorCheckpoint, &schemas.CollectorCheckpoint{
		Collector:   Collector,
		SeriesKey:   SeriesKey,
		WatermarkTS: &asof,
		Cursor:      &cursor,
		UpdatedTS:   now,
	})
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint %s: %w", cursor, err)
	}
	return &kgo.Record{Topic: topology.TopicCollectorCheckpoint, Key: []byte(CheckpointKey), Value: v}, nil
}
