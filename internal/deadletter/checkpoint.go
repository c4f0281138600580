package deadletter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// ReplayCollector is the collector name of replay checkpoints on
// aurum.collector.checkpoint.v1: one per partition of a dead-letter topic,
// keyed "dlq-replay/<dead-letter topic>/<partition>", whose cursor holds
// the offsets replayed ({"topic_id": "…", "replayed": "0-4,7"}).
const ReplayCollector = "dlq-replay"

// replayCursor is the cursor of a replay checkpoint. TopicID tells the
// dead-letter topic it was written for from a topic of the same name
// created again later, whose offsets start over.
type replayCursor struct {
	TopicID  string `json:"topic_id"`
	Replayed string `json:"replayed"`
}

// checkpoints are the replay checkpoints of one dead-letter topic.
type checkpoints struct {
	sd      *serde.Serde
	topic   string
	topicID string
}

func (c *checkpoints) seriesKey(partition int32) string {
	return c.topic + "/" + strconv.Itoa(int(partition))
}

// read returns the offsets replayed, by partition, as of the last
// committed checkpoints. A checkpoint of an earlier topic of the same name
// is ignored.
func (c *checkpoints) read(ctx context.Context, read ReadFunc, logger *slog.Logger) (map[int32]*offsetSet, error) {
	prefix := ReplayCollector + "/" + c.topic + "/"
	last := map[string]*kgo.Record{}
	err := read(ctx, topology.TopicCollectorCheckpoint, func(r *kgo.Record) {
		if strings.HasPrefix(string(r.Key), prefix) {
			last[string(r.Key)] = r // one key lives in one partition: the last seen is the latest
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read replay checkpoints of %s: %w", c.topic, err)
	}
	out := make(map[int32]*offsetSet, len(last))
	for key, r := range last {
		if r.Value == nil {
			continue // a tombstone: replay that partition from scratch
		}
		p, err := strconv.ParseInt(strings.TrimPrefix(key, prefix), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("replay checkpoint %s: key names no partition", key)
		}
		var cp schemas.CollectorCheckpoint
		if err := c.sd.Decode(ctx, topology.TopicCollectorCheckpoint, r.Value, &cp); err != nil {
			return nil, fmt.Errorf("decode replay checkpoint %s at partition %d offset %d: %w", key, r.Partition, r.Offset, err)
		}
		var cur replayCursor
		if cp.Cursor == nil || json.Unmarshal([]byte(*cp.Cursor), &cur) != nil {
			return nil, fmt.Errorf("replay checkpoint %s at partition %d offset %d has no cursor of replayed offsets", key, r.Partition, r.Offset)
		}
		if cur.TopicID != c.topicID {
			logger.Warn("replay checkpoint is of an earlier topic of the same name; ignored",
				slog.String("key", key), slog.String("topic_id", cur.TopicID), slog.String("current_topic_id", c.topicID))
			continue
		}
		set, err := parseOffsetSet(cur.Replayed)
		if err != nil {
			return nil, fmt.Errorf("replay checkpoint %s: %w", key, err)
		}
		out[int32(p)] = set
	}
	return out, nil
}

// record encodes the checkpoint of partition: replayed are its offsets
// replayed so far.
func (c *checkpoints) record(partition int32, replayed *offsetSet, now time.Time) (*kgo.Record, error) {
	cur, err := json.Marshal(replayCursor{TopicID: c.topicID, Replayed: replayed.String()})
	if err != nil {
		return nil, fmt.Errorf("encode replay cursor: %w", err)
	}
	cursor := string(cur)
	series := c.seriesKey(partition)
	v, err := c.sd.Encode(topology.TopicCollectorCheckpoint, &schemas.CollectorCheckpoint{
		Collector: ReplayCollector, SeriesKey: series, Cursor: &cursor, UpdatedTS: now.UTC().Truncate(time.Microsecond),
	})
	if err != nil {
		return nil, fmt.Errorf("encode replay checkpoint of %s: %w", series, err)
	}
	return &kgo.Record{Topic: topology.TopicCollectorCheckpoint, Key: []byte(ReplayCollector + "/" + series), Value: v}, nil
}
