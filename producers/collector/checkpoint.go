package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// checkpointReadTimeout bounds the start-up read of the checkpoint topic, so
// an unreachable broker fails the pass instead of hanging it.
const checkpointReadTimeout = time.Minute

// checkpoint is the runtime's reading of one series' CollectorCheckpoint.
//
// On the topic, watermark_ts is the latest observation time committed for
// the series (Page.Watermark, never moving back) and cursor is null once
// the series is complete for the window it was collected in. While a
// window is being paged through, cursor holds that window and the source's
// cursor of the next page, as JSON: {"since":RFC3339,"until":RFC3339,
// "next":"..."} (an open bound is ""), so a restart resumes the very same
// window at the very same page whatever window it was itself given.
type checkpoint struct {
	watermark time.Time
	inFlight  *resume // nil: complete
}

// resume is an interrupted window and the cursor of its next page.
type resume struct {
	Since, Until time.Time
	Next         string
}

type resumeJSON struct {
	Since string `json:"since"`
	Until string `json:"until"`
	Next  string `json:"next"`
}

func (r *resume) encode() string {
	b, _ := json.Marshal(resumeJSON{Since: formatBound(r.Since), Until: formatBound(r.Until), Next: r.Next})
	return string(b)
}

func decodeResume(s string) (*resume, error) {
	var j resumeJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, err
	}
	since, err := parseBound(j.Since)
	if err != nil {
		return nil, err
	}
	until, err := parseBound(j.Until)
	if err != nil {
		return nil, err
	}
	if j.Next == "" {
		return nil, fmt.Errorf("empty next cursor")
	}
	return &resume{Since: since, Until: until, Next: j.Next}, nil
}

func formatBound(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseBound(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// checkpointKey is the record key of a series' checkpoint.
func checkpointKey(collector, seriesKey string) string { return collector + "/" + seriesKey }

// readCheckpoints returns the latest committed checkpoint of every series
// of the collector, by series key, read with read_committed isolation up to
// the last stable offsets. A tombstone forgets a series' checkpoint, which
// makes the next run collect it from the window's start.
func (c *Collector) readCheckpoints(ctx context.Context) (map[string]checkpoint, error) {
	ctx, cancel := context.WithTimeout(ctx, checkpointReadTimeout)
	defer cancel()
	prefix := checkpointKey(c.name, "")
	last := map[string]*kgo.Record{}
	err := ReadTopic(ctx, c.deps.Kafka, topology.TopicCollectorCheckpoint, true, func(r *kgo.Record) {
		if strings.HasPrefix(string(r.Key), prefix) {
			last[string(r.Key)] = r // one key lives in one partition: the last seen is the latest
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read checkpoints of %s: %w", c.name, err)
	}
	out := make(map[string]checkpoint, len(last))
	for key, r := range last {
		if r.Value == nil {
			continue
		}
		var cp schemas.CollectorCheckpoint
		if err := c.deps.Serde.Decode(ctx, topology.TopicCollectorCheckpoint, r.Value, &cp); err != nil {
			return nil, fmt.Errorf("decode checkpoint %s at partition %d offset %d: %w", key, r.Partition, r.Offset, err)
		}
		if cp.Collector != c.name || checkpointKey(cp.Collector, cp.SeriesKey) != key {
			return nil, fmt.Errorf("checkpoint %s at partition %d offset %d is for %s/%s", key, r.Partition, r.Offset, cp.Collector, cp.SeriesKey)
		}
		var state checkpoint
		if cp.WatermarkTS != nil {
			state.watermark = cp.WatermarkTS.UTC()
		}
		if cp.Cursor != nil && *cp.Cursor != "" {
			if state.inFlight, err = decodeResume(*cp.Cursor); err != nil {
				return nil, fmt.Errorf("checkpoint %s at partition %d offset %d: cursor %q: %w", key, r.Partition, r.Offset, *cp.Cursor, err)
			}
		}
		out[cp.SeriesKey] = state
	}
	return out, nil
}

// record encodes cp as the checkpoint of seriesKey.
func (c *Collector) checkpointRecord(seriesKey string, cp checkpoint, now time.Time) (*kgo.Record, error) {
	v := schemas.CollectorCheckpoint{Collector: c.name, SeriesKey: seriesKey, UpdatedTS: now.UTC().Truncate(time.Microsecond)}
	if !cp.watermark.IsZero() {
		wm := cp.watermark.UTC()
		v.WatermarkTS = &wm
	}
	if cp.inFlight != nil {
		s := cp.inFlight.encode()
		v.Cursor = &s
	}
	b, err := c.deps.Serde.Encode(topology.TopicCollectorCheckpoint, &v)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint of %s: %w", seriesKey, err)
	}
	return &kgo.Record{Topic: topology.TopicCollectorCheckpoint, Key: []byte(checkpointKey(c.name, seriesKey)), Value: b}, nil
}

// plan is the window and first cursor of a series' next collection, and
// whether there is anything to collect at all.
//
//   - A checkpoint with a cursor (a window interrupted mid-way) resumes that
//     window, as stored, at that cursor: the page in flight when the
//     process stopped is fetched again, no page is skipped.
//   - Otherwise the requested window is used, except that its Since moves
//     to just after the watermark (watermark + 1ns, so Since stays
//     inclusive) when the watermark is at or after it: observations already
//     committed are not asked for again. A requested window that ends
//     before that is empty.
//
// So a later run over the same window publishes nothing new, and a run with
// an open Until (a schedule) asks only for what is newer than the last
// observation committed. To collect earlier history again, tombstone the
// series' checkpoint (key "<collector>/<series_key>").
func plan(req Window, cp checkpoint) (w Window, cursor string, ok bool) {
	if cp.inFlight != nil {
		return Window{Since: cp.inFlight.Since, Until: cp.inFlight.Until}, cp.inFlight.Next, true
	}
	w = req
	if !cp.watermark.IsZero() && !w.Since.After(cp.watermark) {
		w.Since = cp.watermark.Add(time.Nanosecond)
	}
	if !w.Until.IsZero() && w.Since.After(w.Until) {
		return w, "", false
	}
	return w, "", true
}
