package registry

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// The topic holds one record per fact, keyed so that compaction keeps the
// latest state of each fact, in JSON like Confluent's own `_schemas` topic:
//
//	SCHEMA         {subject, version}            -> schemaValue, written once per registration
//	CONFIG         {subject} ("" = global)       -> configValue, tombstone on DELETE /config/{subject}
//	DELETE_VERSION {subject, version, permanent} -> deleteValue
//	DELETE_SUBJECT {subject, permanent}          -> deleteValue
//	NOOP           {}                            -> start-up marker, see readAll
//
// Hard deletes do not tombstone SCHEMA records: srfake keeps a deleted
// schema's ID reserved, and replaying the record and then the delete keeps
// it reserved across restarts too, so an ID is never handed out twice.
// Replaying the surviving records in offset order rebuilds the same state,
// because a later record for a key supersedes the earlier one.
const (
	keySchema        = "SCHEMA"
	keyConfig        = "CONFIG"
	keyDeleteVersion = "DELETE_VERSION"
	keyDeleteSubject = "DELETE_SUBJECT"
	keyNoop          = "NOOP"
)

// recordKey is the key of every record; json.Marshal of a struct keeps the
// field order, so one fact always has the same key bytes.
type recordKey struct {
	KeyType   string `json:"keytype"`
	Subject   string `json:"subject,omitempty"`
	Version   int    `json:"version,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
	Magic     int    `json:"magic"`
}

// schemaValue is one registered subject version.
type schemaValue struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	sr.Schema
}

// configValue is a subject's (or the global) compatibility level.
type configValue struct {
	CompatibilityLevel string `json:"compatibilityLevel"`
}

// deleteValue records a soft or permanent delete of a version or subject.
type deleteValue struct {
	Subject   string `json:"subject"`
	Version   int    `json:"version,omitempty"`
	Permanent bool   `json:"permanent"`
}

// event is a surviving record read back at start-up.
type event struct {
	offset int64
	key    recordKey
	value  []byte
}

// produceTimeout bounds one persisted write; a registry write that cannot
// reach Kafka fails rather than hangs.
const produceTimeout = 30 * time.Second

// store writes and reads the registry topic.
type store struct {
	cl      *kgo.Client
	brokers []string
	topic   string
}

func openStore(ctx context.Context, brokers []string, topic string, logger *slog.Logger) (*store, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(produceTimeout),
		kgo.WithLogger(warnLogger{logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("schema registry kafka client: %w", err)
	}
	st := &store{cl: cl, brokers: brokers, topic: topic}
	if err := st.ensureTopic(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return st, nil
}

// ensureTopic creates the topic (one partition, compacted) if it is missing
// and refuses one with several partitions, whose order would be undefined.
func (st *store) ensureTopic(ctx context.Context) error {
	adm := kadm.NewClient(st.cl)
	_, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": ptr("compact")}, st.topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create schema registry topic %s: %w", st.topic, err)
	}
	topics, err := adm.ListTopics(ctx, st.topic)
	if err != nil {
		return fmt.Errorf("describe schema registry topic %s: %w", st.topic, err)
	}
	if d := topics[st.topic]; d.Err != nil || len(d.Partitions) != 1 {
		return fmt.Errorf("schema registry topic %s must exist with exactly 1 partition (err %v, %d partitions)",
			st.topic, d.Err, len(d.Partitions))
	}
	return nil
}

// write produces one record and waits until every in-sync replica has it.
// A nil value writes a tombstone.
func (st *store) write(ctx context.Context, key recordKey, value any) error {
	kb, err := json.Marshal(key)
	if err != nil {
		return fmt.Errorf("encode %s key: %w", key.KeyType, err)
	}
	rec := &kgo.Record{Key: kb}
	if value != nil {
		if rec.Value, err = json.Marshal(value); err != nil {
			return fmt.Errorf("encode %s value: %w", key.KeyType, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, produceTimeout)
	defer cancel()
	if err := st.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("persist %s %s to %s: %w", key.KeyType, key.Subject, st.topic, err)
	}
	return nil
}

// readAll returns the latest record of every key, in offset order. It first
// writes a NOOP marker and reads until it, as Confluent's registry does, so
// it knows where the log ends even when compaction left gaps.
func (st *store) readAll(ctx context.Context) ([]event, error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	if err := st.write(ctx, recordKey{KeyType: keyNoop}, map[string]string{"nonce": hex.EncodeToString(nonce)}); err != nil {
		return nil, err
	}
	end, err := kadm.NewClient(st.cl).ListEndOffsets(ctx, st.topic)
	if err != nil {
		return nil, fmt.Errorf("list end offset of %s: %w", st.topic, err)
	}
	last, ok := end.Lookup(st.topic, 0)
	if !ok || last.Err != nil {
		return nil, fmt.Errorf("list end offset of %s: %v", st.topic, last.Err)
	}

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(st.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{st.topic: {0: kgo.NewOffset().AtStart()}}),
	)
	if err != nil {
		return nil, fmt.Errorf("schema registry consumer: %w", err)
	}
	defer cl.Close()

	latest := make(map[string]event)
	for next := int64(0); next < last.Offset; {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read %s up to offset %d (at %d): %w", st.topic, last.Offset, next, err)
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = errors.Join(ferr, err) })
		if ferr != nil {
			return nil, fmt.Errorf("read %s: %w", st.topic, ferr)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			next = r.Offset + 1
			var key recordKey
			if err := json.Unmarshal(r.Key, &key); err != nil || key.KeyType == keyNoop {
				return // not ours, or a marker
			}
			if r.Value == nil {
				delete(latest, string(r.Key))
				return
			}
			latest[string(r.Key)] = event{offset: r.Offset, key: key, value: r.Value}
		})
	}

	events := make([]event, 0, len(latest))
	for _, e := range latest {
		events = append(events, e)
	}
	slices.SortFunc(events, func(a, b event) int { return cmp.Compare(a.offset, b.offset) })
	return events, nil
}

func (st *store) close() { st.cl.Close() }

func ptr[T any](v T) *T { return &v }
