package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/aurum-energy/aurum/internal/serde"
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
	err = readTopic(ctx, p.deps.Client, baseOpts(p.deps.Client), topology.TopicCollectorCheckpoint, true, func(r *kgo.Record) {
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

// readTopic calls fn with every data record of topic from the start of each
// partition up to its end as of the call: the last stable offset with
// committed (read_committed isolation, so aborted records never show), the
// high watermark without. cl answers the offset look-ups; a reader built
// from opts does the fetching.
func readTopic(ctx context.Context, cl *kgo.Client, opts []kgo.Opt, topic string, committed bool, fn func(*kgo.Record)) error {
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	list, isolation := adm.ListEndOffsets, kgo.ReadUncommitted()
	if committed {
		list, isolation = adm.ListCommittedOffsets, kgo.ReadCommitted()
	}
	ends, err := list(ctx, topic)
	if err != nil {
		return fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	if err := starts.Error(); err != nil {
		return fmt.Errorf("list start offsets of %s: %w", topic, err)
	}

	want := make(map[int32]int64) // partition → end offset still to reach
	from := make(map[int32]kgo.Offset)
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(topic, o.Partition)
		if o.Offset > s.Offset {
			want[o.Partition] = o.Offset
			from[o.Partition] = kgo.NewOffset().At(s.Offset)
		}
	})
	if len(want) == 0 {
		return nil
	}

	// Control records (transaction markers) are kept so that the reader's
	// position visibly reaches the end offset when a marker is last.
	rd, err := kgo.NewClient(append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchIsolationLevel(isolation),
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return fmt.Errorf("reader of %s: %w", topic, err)
	}
	defer rd.Close()

	for len(want) > 0 {
		fetches := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %s: %d partitions short of their end: %w", topic, len(want), err)
		}
		var ferr error
		fetches.EachError(func(_ string, p int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("partition %d: %w", p, err))
		})
		if ferr != nil {
			return fmt.Errorf("read %s: %w", topic, ferr)
		}
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			end, ok := want[fp.Partition]
			if !ok {
				return
			}
			for _, r := range fp.Records {
				if r.Offset >= end {
					break
				}
				if !r.Attrs.IsControl() {
					fn(r)
				}
				if r.Offset+1 >= end {
					delete(want, fp.Partition)
				}
			}
		})
	}
	return nil
}

// baseOpts are the connection settings of cl, for the clients the demo
// creates itself: seed brokers, TLS, SASL, dialer, client ID and logger.
// Hooks are left out: metric hooks are registered once per client name.
func baseOpts(cl *kgo.Client) []kgo.Opt {
	var opts []kgo.Opt
	if seeds, ok := cl.OptValue(kgo.SeedBrokers).([]string); ok {
		opts = append(opts, kgo.SeedBrokers(seeds...))
	}
	if tc, ok := cl.OptValue(kgo.DialTLSConfig).(*tls.Config); ok && tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if dial, ok := cl.OptValue(kgo.Dialer).(func(context.Context, string, string) (net.Conn, error)); ok && dial != nil {
		opts = append(opts, kgo.Dialer(dial))
	}
	if mechs, ok := cl.OptValue(kgo.SASL).([]sasl.Mechanism); ok && len(mechs) > 0 {
		opts = append(opts, kgo.SASL(mechs...))
	}
	if id, ok := cl.OptValue(kgo.ClientID).(string); ok && id != "" {
		opts = append(opts, kgo.ClientID(id))
	}
	if l, ok := cl.OptValue(kgo.WithLogger).(kgo.Logger); ok && l != nil {
		opts = append(opts, kgo.WithLogger(l))
	}
	return opts
}
