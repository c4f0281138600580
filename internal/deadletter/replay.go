package deadletter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/topology"
)

// DefaultReplayBatch is ReplayConfig.Batch when unset.
const DefaultReplayBatch = 500

// endTxnTimeout bounds committing or aborting a transaction. Ending one is
// never tied to the caller's context: an EndTransaction cut short leaves
// its outcome unknown.
const endTxnTimeout = 30 * time.Second

// Why a dead letter the filter selected was not replayed (the keys of
// ReplaySummary.Skipped, beside "still <reason>" for a row Rebuild refused).
const (
	SkipReplayed  = "already replayed"
	SkipNoSource  = "no source topic" // no aurum.error.topic, or one whose dead letters go elsewhere
	SkipNoRebuild = "row not rebuilt" // a quarantined file row, and nothing rebuilds rows of this topic
)

// ReplayTransactionalID is the transactional ID of the producer replaying
// topic: one per dead-letter topic, so that a replay started while another
// of the same topic runs fences the other before reading the checkpoints.
func ReplayTransactionalID(topic string) string { return "aurum-dlq-replay-" + topic }

// ReplayConfig says which dead letters Replay re-publishes.
type ReplayConfig struct {
	// Topic is the dead-letter topic; topology must declare it.
	Topic string
	// Filter selects the dead letters to replay.
	Filter Filter
	// DryRun reads and counts as a replay would, and publishes nothing.
	DryRun bool
	// Batch is how many records one transaction re-publishes. Default
	// DefaultReplayBatch.
	Batch int
	// Now is the time written in checkpoints. Default time.Now.
	Now func() time.Time
}

func (c *ReplayConfig) validate() error {
	if t, ok := topology.Lookup(c.Topic); !ok || !t.IsDeadLetter() {
		return fmt.Errorf("deadletter: %q is not a declared dead-letter topic", c.Topic)
	}
	if c.Batch < 0 {
		return fmt.Errorf("deadletter: negative Batch %d", c.Batch)
	}
	c.Batch = cmp.Or(c.Batch, DefaultReplayBatch)
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// ReplayDeps are what Replay works with.
type ReplayDeps struct {
	// Producer publishes the records and checkpoints in transactions; its
	// kgo.TransactionalID must be ReplayTransactionalID(Topic). A dry run
	// only looks the topic up with it, and any client will do.
	Producer *kgo.Client
	// Read reads the dead-letter topic and the checkpoints.
	Read ReadFunc
	// Serde encodes and decodes the checkpoints.
	Serde *serde.Serde
	// Rebuild turns a quarantined file row (a dead letter of StageLoad,
	// whose value is the raw row, never a record of the source topic) into
	// the record to publish, or returns a *Failure when the row is still
	// refused. Nil skips such rows.
	Rebuild func(Letter) (*kgo.Record, error)
	// Report, when set, is told the fate of each dead letter the filter
	// selects once it is settled: skipped is "" when it was replayed (in a
	// dry run: would be), else why not.
	Report func(l Letter, skipped string)
	Logger *slog.Logger
}

// ReplaySummary counts what a replay did.
type ReplaySummary struct {
	Topic  string
	DryRun bool
	// Seen counts the dead letters read, Matched those the filter selected.
	Seen, Matched int
	// Replayed counts the records re-published (in a dry run: that would be).
	Replayed int
	// Skipped counts the selected dead letters not replayed, by why.
	Skipped map[string]int
}

// SkippedTotal is the number of selected dead letters not replayed.
func (s ReplaySummary) SkippedTotal() int {
	n := 0
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// String is the summary `aurum dlq replay` prints:
//
//	aurum.curve.observation.dlq.v1: seen 7, matched 5, replayed 4, skipped 1 (already replayed 1)
func (s ReplaySummary) String() string {
	verb := "replayed"
	if s.DryRun {
		verb = "would replay"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: seen %d, matched %d, %s %d, skipped %d", s.Topic, s.Seen, s.Matched, verb, s.Replayed, s.SkippedTotal())
	if len(s.Skipped) > 0 {
		whys := slices.Sorted(maps.Keys(s.Skipped))
		for i, why := range whys {
			whys[i] = fmt.Sprintf("%s %d", why, s.Skipped[why])
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(whys, ", "))
	}
	return b.String()
}

// Replay re-publishes the dead letters of cfg.Topic that cfg.Filter
// selects to their source topics: the original key, value and headers
// (without the aurum.error.* ones), plus HeaderReplayFrom naming the dead
// letter. A quarantined file row is published as deps.Rebuild makes it.
//
// It is idempotent: each transaction carries, beside up to cfg.Batch
// records, the checkpoint of every dead-letter partition they came from
// (ReplayCollector), so a dead letter is re-published once, whatever the
// filters of the replays that select it, and a replay stopped half-way
// resumes where its last commit left off.
func Replay(ctx context.Context, cfg ReplayConfig, deps ReplayDeps) (ReplaySummary, error) {
	if err := cfg.validate(); err != nil {
		return ReplaySummary{}, err
	}
	if deps.Producer == nil || deps.Read == nil || deps.Serde == nil {
		return ReplaySummary{}, errors.New("deadletter: Producer, Read and Serde are required")
	}
	if id, _ := deps.Producer.OptValue(kgo.TransactionalID).(string); !cfg.DryRun && id == "" {
		return ReplaySummary{}, errors.New("deadletter: the replay producer is not transactional")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	r := &replayer{cfg: cfg, deps: deps, first: map[int32]int64{},
		sum: ReplaySummary{Topic: cfg.Topic, DryRun: cfg.DryRun, Skipped: map[string]int{}}}
	if !cfg.DryRun {
		// Initialising the producer ID fences an earlier replay of the topic
		// and settles its open transaction before the checkpoints are read.
		if _, _, err := deps.Producer.ProducerID(ctx); err != nil {
			return r.sum, fmt.Errorf("replay %s: init transactional producer: %w", cfg.Topic, err)
		}
	}
	topicID, err := lookupTopicID(ctx, deps.Producer, cfg.Topic)
	if err != nil {
		return r.sum, err
	}
	r.checkpoints = &checkpoints{sd: deps.Serde, topic: cfg.Topic, topicID: topicID}
	if r.done, err = r.checkpoints.read(ctx, deps.Read, deps.Logger); err != nil {
		return r.sum, err
	}

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var takeErr error
	err = deps.Read(rctx, cfg.Topic, func(rec *kgo.Record) {
		if takeErr == nil {
			if takeErr = r.take(rctx, rec); takeErr != nil {
				cancel() // stop reading: the rest would not be replayed
			}
		}
	})
	if takeErr != nil {
		return r.sum, takeErr
	}
	if err != nil {
		return r.sum, fmt.Errorf("read dead letters of %s: %w", cfg.Topic, err)
	}
	return r.sum, r.flush(ctx)
}

// lookupTopicID returns the ID of topic, which a checkpoint is written for.
func lookupTopicID(ctx context.Context, cl *kgo.Client, topic string) (string, error) {
	details, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", topic, err)
	}
	d, ok := details[topic]
	if !ok {
		return "", fmt.Errorf("look up %s: no such topic", topic)
	}
	if d.Err != nil {
		return "", fmt.Errorf("look up %s: %w", topic, d.Err)
	}
	return d.ID.String(), nil
}

// replayer is one Replay under way.
type replayer struct {
	cfg         ReplayConfig
	deps        ReplayDeps
	checkpoints *checkpoints
	// done are the offsets replayed by partition, as committed.
	done map[int32]*offsetSet
	// first is the first offset read of each partition: anything below it
	// is gone, and is dropped from the checkpoints.
	first   map[int32]int64
	pending []replay
	sum     ReplaySummary
}

// replay is a dead letter and the record that re-publishes it.
type replay struct {
	letter Letter
	out    *kgo.Record
}

// take settles one dead letter: not selected, skipped, or queued for the
// next transaction, which it commits when the batch is full.
func (r *replayer) take(ctx context.Context, rec *kgo.Record) error {
	r.sum.Seen++
	if _, ok := r.first[rec.Partition]; !ok {
		r.first[rec.Partition] = rec.Offset
	}
	l := Open(rec)
	if !r.cfg.Filter.Match(l) {
		return nil
	}
	r.sum.Matched++
	if r.done[l.At.Partition].has(l.At.Offset) {
		r.skip(l, SkipReplayed)
		return nil
	}
	out, why, err := r.target(l)
	if err != nil {
		return err
	}
	if why != "" {
		r.skip(l, why)
		return nil
	}
	r.pending = append(r.pending, replay{l, out})
	if len(r.pending) >= r.cfg.Batch {
		return r.flush(ctx)
	}
	return nil
}

func (r *replayer) skip(l Letter, why string) {
	r.sum.Skipped[why]++
	if r.deps.Report != nil {
		r.deps.Report(l, why)
	}
}

// target is the record re-publishing l, or why there is none.
func (r *replayer) target(l Letter) (out *kgo.Record, skipped string, err error) {
	if src, ok := topology.Lookup(l.Source.Topic); !ok || src.DeadLetter != r.cfg.Topic {
		return nil, SkipNoSource, nil
	}
	out = &kgo.Record{Topic: l.Source.Topic, Key: l.Record.Key, Value: l.Record.Value}
	if l.Stage == StageLoad {
		if r.deps.Rebuild == nil {
			return nil, SkipNoRebuild, nil
		}
		out, err = r.deps.Rebuild(l)
		var refused *Failure
		if errors.As(err, &refused) {
			return nil, "still " + refused.Reason, nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("rebuild dead letter %s: %w", l.At, err)
		}
		if out.Topic != l.Source.Topic {
			return nil, "", fmt.Errorf("rebuild dead letter %s: a record for %s, not %s", l.At, out.Topic, l.Source.Topic)
		}
	}
	out.Headers = replayHeaders(l)
	return out, "", nil
}

// replayHeaders are the headers of the record re-publishing l: the original
// record's, and HeaderReplayFrom naming l.
func replayHeaders(l Letter) []kgo.RecordHeader {
	hs := make([]kgo.RecordHeader, 0, len(l.Record.Headers)+1)
	for _, h := range l.Record.Headers {
		if !strings.HasPrefix(h.Key, headerPrefix) && h.Key != HeaderReplayFrom {
			hs = append(hs, h)
		}
	}
	return append(hs, kgo.RecordHeader{Key: HeaderReplayFrom, Value: []byte(l.At.String())})
}

// flush re-publishes the pending records with the checkpoints that cover
// them in one transaction.
func (r *replayer) flush(ctx context.Context) error {
	batch := r.pending
	r.pending = nil
	if len(batch) == 0 {
		return nil
	}
	if !r.cfg.DryRun {
		if err := r.commit(ctx, batch); err != nil {
			return err
		}
	}
	for _, p := range batch {
		r.sum.Replayed++
		if r.deps.Report != nil {
			r.deps.Report(p.letter, "")
		}
	}
	return nil
}

func (r *replayer) commit(ctx context.Context, batch []replay) error {
	next := map[int32]*offsetSet{}
	for _, p := range batch {
		part := p.letter.At.Partition
		set, ok := next[part]
		if !ok {
			set = &offsetSet{}
			if r.done[part] != nil {
				set = r.done[part].clone()
			}
			set.dropBelow(r.first[part])
			next[part] = set
		}
		set.add(p.letter.At.Offset)
	}
	recs := make([]*kgo.Record, 0, len(batch)+len(next))
	for _, p := range batch {
		recs = append(recs, p.out)
	}
	now := r.cfg.Now()
	for part, set := range next {
		cp, err := r.checkpoints.record(part, set, now)
		if err != nil {
			return err
		}
		recs = append(recs, cp)
	}
	if err := transact(ctx, r.deps.Producer, recs); err != nil {
		return fmt.Errorf("replay %d dead letters of %s: %w", len(batch), r.cfg.Topic, err)
	}
	maps.Copy(r.done, next)
	return nil
}

// transact produces recs in one transaction, aborting it on any error.
func transact(ctx context.Context, prod *kgo.Client, recs []*kgo.Record) error {
	if err := prod.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	err := prod.ProduceSync(ctx, recs...).FirstErr()
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTxnTimeout)
	defer cancel()
	if err == nil {
		if err = prod.EndTransaction(ectx, kgo.TryCommit); err == nil {
			return nil
		}
		err = fmt.Errorf("commit: %w", err)
	} else if aerr := prod.AbortBufferedRecords(ectx); aerr != nil {
		return fmt.Errorf("%w (and dropping the buffered records failed: %w)", err, aerr)
	}
	if aerr := prod.EndTransaction(ectx, kgo.TryAbort); aerr != nil {
		return fmt.Errorf("%w (and the abort failed: %w)", err, aerr)
	}
	return err
}
