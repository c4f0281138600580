package materializer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sort"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// partitionBatch is the records of one partition in one poll.
type partitionBatch struct {
	topic         string
	partition     int32
	records       []*kgo.Record
	highWatermark int64
}

// rejected is a record bound for the dead-letter topic.
type rejected struct {
	rec *kgo.Record
	why *Rejection
}

// decoded is the rows of some partitions, in offset order per partition.
type decoded[R any] struct {
	rows    []R
	sources []*kgo.Record
	dead    []rejected
}

// minRowsPerWriter keeps small batches in one transaction: below it, the
// cost of more transactions outweighs their parallelism.
const minRowsPerWriter = 2000

// process writes one polled batch. Partitions are decoded concurrently;
// the rows are then deduplicated across the whole batch (last record per
// key wins), split by Sink shard among up to Workers transactions written
// concurrently, and the dead letters produced. Only once all of that has
// succeeded are the batch's offsets committed.
func (m *Materializer[K, R]) process(ctx context.Context, cl *kgo.Client, fetches kgo.Fetches) (err error) {
	start := m.now()
	var parts []partitionBatch
	consumed := map[string]int{}
	total := 0
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		parts = append(parts, partitionBatch{p.Topic, p.Partition, p.Records, p.HighWatermark})
		consumed[p.Topic] += len(p.Records)
		total += len(p.Records)
	})
	if len(parts) == 0 {
		return nil
	}
	for topic, n := range consumed {
		m.metrics.RecordsConsumed.WithLabelValues(m.cfg.Group, topic).Add(float64(n))
	}
	m.lag.Set(inHand(parts)...)
	log := m.logger
	if m.tracer != nil {
		var span trace.Span
		ctx, span = m.startBatch(ctx, parts, total)
		log = telemetry.LoggerWithSpan(ctx, log)
		defer func() { telemetry.EndSpan(span, err) }()
	}

	shares := m.shares(parts)
	outs := make([]decoded[R], len(shares))
	g, gctx := errgroup.WithContext(ctx)
	for i, share := range shares {
		g.Go(func() (err error) {
			outs[i], err = m.decodeAll(gctx, share)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	rows, sources, dead := m.dedup(outs, total)

	refused, err := m.writeAll(ctx, rows)
	if err != nil {
		return err
	}
	for _, r := range refused {
		dead = append(dead, rejected{sources[r.index], r.why})
	}
	if len(dead) > 0 {
		if err := retry.Do(ctx, "dead-letter", m.retry, func(ctx context.Context) error {
			return m.deadLetter(ctx, dead)
		}); err != nil {
			return err
		}
	}

	last := make([]*kgo.Record, len(parts))
	for i, p := range parts {
		last[i] = p.records[len(p.records)-1]
	}
	// The batch is written: its commit must not be cut short by shutdown.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.AttemptTimeout)
	defer cancel()
	m.commit(cctx, cl, last)
	m.lag.Set(committed(parts)...)
	took := m.now().Sub(start)
	m.metrics.BatchDuration.WithLabelValues(m.cfg.Group).Observe(took.Seconds())
	m.traceWritten(ctx, len(rows), len(dead))
	log.Debug("batch committed", slog.Int("records", total), slog.Int("rows", len(rows)),
		slog.Int("dead_letters", len(dead)), slog.Int("partitions", len(parts)), slog.Duration("took", took))
	return nil
}

// shares splits the partitions of a poll among at most Workers decoders,
// largest first onto the least loaded. A partition is never split.
func (m *Materializer[K, R]) shares(parts []partitionBatch) [][]partitionBatch {
	n := min(m.cfg.Workers, len(parts))
	sorted := append([]partitionBatch(nil), parts...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].records) > len(sorted[j].records) })
	shares := make([][]partitionBatch, n)
	load := make([]int, n)
	for _, p := range sorted {
		least := 0
		for i := range load {
			if load[i] < load[least] {
				least = i
			}
		}
		shares[least] = append(shares[least], p)
		load[least] += len(p.records)
	}
	return shares
}

// decodeAll decodes the records of a share, in offset order per partition.
// Every record's first attempt shares one attempt context: decoding asks
// the registry only for a schema it has not seen, and a timer per record
// was a tenth of the decoding.
func (m *Materializer[K, R]) decodeAll(ctx context.Context, share []partitionBatch) (decoded[R], error) {
	n := 0
	for _, p := range share {
		n += len(p.records)
	}
	out := decoded[R]{rows: make([]R, 0, n), sources: make([]*kgo.Record, 0, n)}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.AttemptTimeout)
	defer cancel()
	for _, p := range share {
		for _, rec := range p.records {
			row, rej, err := m.decode(ctx, actx, rec)
			if err != nil {
				return out, err
			}
			if rej != nil {
				out.dead = append(out.dead, rejected{rec, rej})
				continue
			}
			out.rows = append(out.rows, row)
			out.sources = append(out.sources, rec)
		}
	}
	return out, nil
}

// dedup keeps the last row per key. Rows of one partition are in offset
// order, so "last" is the latest record of the key; a key spread over
// partitions (a producer keying records differently) keeps one of them.
func (m *Materializer[K, R]) dedup(outs []decoded[R], total int) (rows []R, sources []*kgo.Record, dead []rejected) {
	rows = make([]R, 0, total)
	sources = make([]*kgo.Record, 0, total)
	index := make(map[K]int, total)
	for _, out := range outs {
		dead = append(dead, out.dead...)
		for i := range out.rows {
			k := m.sink.Key(&out.rows[i])
			if j, ok := index[k]; ok {
				rows[j], sources[j] = out.rows[i], out.sources[i] // the later record wins
				continue
			}
			index[k] = len(rows)
			rows = append(rows, out.rows[i])
			sources = append(sources, out.sources[i])
		}
	}
	return rows, sources, dead
}

// writeAll writes rows in up to Workers concurrent transactions, split by
// shard, each retried until it succeeds. It returns the rows the database
// refused, by index into rows.
func (m *Materializer[K, R]) writeAll(ctx context.Context, rows []R) ([]refusedRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	n := max(1, min(m.cfg.Workers, len(rows)/minRowsPerWriter))
	chunks := make([][]R, n)
	where := make([][]int, n) // index into rows of each chunk's rows
	if n == 1 {
		chunks[0] = rows
	} else {
		seed := maphash.MakeSeed()
		for i := range rows {
			c := int(m.shard(seed, &rows[i]) % uint64(n))
			chunks[c] = append(chunks[c], rows[i])
			where[c] = append(where[c], i)
		}
	}

	refused := make([][]refusedRow, n)
	g, gctx := errgroup.WithContext(ctx)
	for c := range chunks {
		if len(chunks[c]) == 0 {
			continue
		}
		g.Go(func() error {
			return retry.Do(gctx, "write batch", m.retry, func(ctx context.Context) error {
				var err error
				refused[c], err = m.write(ctx, chunks[c])
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []refusedRow
	written := len(rows)
	for c, rs := range refused {
		for _, r := range rs {
			if n > 1 {
				r.index = where[c][r.index]
			}
			out = append(out, r)
		}
		written -= len(rs)
	}
	m.metrics.RecordsMaterialized.WithLabelValues(m.sink.Table()).Add(float64(written))
	return out, nil
}

// shard places a row in a write transaction: by the Sink's Shard when it
// has one, else by key.
func (m *Materializer[K, R]) shard(seed maphash.Seed, row *R) uint64 {
	if s, ok := m.sink.(Sharder[R]); ok {
		return s.Shard(seed, row)
	}
	return maphash.Comparable(seed, m.sink.Key(row))
}

// decode decodes one record, first in the attempt context actx, then,
// should that fail for a reason that is not the record's (the registry is
// unreachable), retrying until it decodes or is rejected.
func (m *Materializer[K, R]) decode(ctx, actx context.Context, rec *kgo.Record) (row R, rej *Rejection, err error) {
	row, derr := m.sink.Decode(actx, rec)
	if derr == nil || errors.As(derr, &rej) {
		return row, rej, nil
	}
	err = retry.Do(ctx, "decode", m.retry, func(ctx context.Context) error {
		var derr error
		row, derr = m.sink.Decode(ctx, rec)
		if derr == nil || errors.As(derr, &rej) {
			return nil
		}
		return fmt.Errorf("decode %s/%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, derr)
	})
	return row, rej, err
}
