package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// endTxnTimeout bounds committing or aborting a transaction. Ending one is
// never tied to the caller's context: an EndTransaction cut short leaves
// its outcome unknown.
const endTxnTimeout = 30 * time.Second

// kafkaError marks a failure of the broker or of a transaction: the pass
// stops, since the outcome of the page is not known to the runtime until
// the checkpoints are read again.
type kafkaError struct{ err error }

func (e *kafkaError) Error() string { return e.err.Error() }
func (e *kafkaError) Unwrap() error { return e.err }

// publish writes the records of one page of s and its new checkpoint in
// one transaction. On any error, or when ctx ends before the commit, the
// transaction is aborted and nothing of the page is visible to
// read_committed readers.
func (c *Collector) publish(ctx context.Context, prod *kgo.Client, s Series, records []Record, cp checkpoint) error {
	recs := make([]*kgo.Record, 0, len(records)+1)
	headers := c.pageHeaders(ctx)
	for i, r := range records {
		v, err := c.deps.Serde.Encode(r.Topic, r.Value)
		if err != nil {
			return fmt.Errorf("encode record %d (key %s) for %s: %w", i, r.Key, r.Topic, err)
		}
		recs = append(recs, &kgo.Record{Topic: r.Topic, Key: []byte(r.Key), Value: v, Headers: headers})
	}
	cpr, err := c.checkpointRecord(s.Key, cp, c.cfg.Now())
	if err != nil {
		return err
	}
	recs = append(recs, cpr)

	if err := prod.BeginTransaction(); err != nil {
		return &kafkaError{fmt.Errorf("begin transaction: %w", err)}
	}
	var (
		mu       sync.Mutex
		firstErr error
	)
	for _, r := range recs {
		prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	err = prod.Flush(ctx)
	mu.Lock()
	err = errors.Join(err, firstErr)
	mu.Unlock()
	if err == nil {
		err = ctx.Err()
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTxnTimeout)
	defer cancel()
	if err != nil {
		if aerr := prod.AbortBufferedRecords(ectx); aerr != nil {
			err = fmt.Errorf("%w (and dropping the buffered records failed: %w)", err, aerr)
		} else if aerr := prod.EndTransaction(ectx, kgo.TryAbort); aerr != nil {
			err = fmt.Errorf("%w (and the abort failed: %w)", err, aerr)
		}
		return &kafkaError{fmt.Errorf("publish page: %w", err)}
	}
	if err := prod.EndTransaction(ectx, kgo.TryCommit); err != nil {
		if aerr := prod.EndTransaction(ectx, kgo.TryAbort); aerr != nil {
			err = fmt.Errorf("%w (and the abort failed: %w)", err, aerr)
		}
		return &kafkaError{fmt.Errorf("commit page: %w", err)}
	}
	return nil
}
