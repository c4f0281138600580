package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lockKey is the advisory lock that makes one relay at a time publish
// ("aurumoxb"). Advisory locks are per database, like the outbox.
const lockKey int64 = 0x617572756d6f7862

// markTimeout bounds reading and marking a batch, on top of ProduceTimeout.
const markTimeout = 30 * time.Second

// maxErrorLen caps last_error so a verbose broker error cannot bloat rows.
const maxErrorLen = 1000

// row is one unpublished outbox row.
type row struct {
	id        int64
	tenant    string
	topic     string
	key       []byte
	value     []byte
	headers   []byte // a JSON object of string values
	createdAt time.Time
}

// roundResult says what one round did.
type roundResult struct {
	published int
	failed    int
	firstErr  string
	standby   bool // another relay held the lock
}

// round publishes the oldest unpublished rows, at most BatchSize, if no other
// relay is publishing. Reading, producing and marking happen in one
// transaction holding the advisory lock. The transaction does not end with
// ctx, so records acknowledged during shutdown are still marked; ctx cancels
// only the records not yet sent.
func (r *Relay) round(ctx context.Context, cl *kgo.Client) (roundResult, error) {
	if ctx.Err() != nil {
		return roundResult{}, nil
	}
	start := time.Now()
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.ProduceTimeout+markTimeout)
	defer cancel()
	var res roundResult
	err := r.db.InRelay(tctx, func(tx pgx.Tx) error {
		res = roundResult{}
		if err := tx.QueryRow(tctx, `SELECT NOT pg_try_advisory_xact_lock($1)`, lockKey).Scan(&res.standby); err != nil {
			return fmt.Errorf("take the relay lock: %w", err)
		}
		if res.standby {
			return nil
		}
		// Under READ COMMITTED (the default) the next statement sees the
		// marks of the relay that held the lock before.
		rows, err := r.load(tctx, tx)
		if err != nil || len(rows) == 0 {
			return err
		}
		errs := r.produce(ctx, cl, rows)
		if r.afterProduce != nil {
			if err := r.afterProduce(ctx); err != nil {
				return err
			}
		}
		return r.mark(tctx, tx, rows, errs, &res)
	})
	if err != nil {
		return res, fmt.Errorf("publish outbox: %w", err)
	}
	if res.published+res.failed > 0 {
		r.metrics.roundDuration.Observe(time.Since(start).Seconds())
		r.logger.Debug("outbox round", slog.Int("published", res.published), slog.Int("failed", res.failed),
			slog.Duration("duration", time.Since(start)))
	}
	return res, nil
}

// load reads the oldest unpublished rows in id order.
func (r *Relay) load(ctx context.Context, tx pgx.Tx) ([]row, error) {
	rs, err := tx.Query(ctx, `
		SELECT id, tenant_id, topic, key, value, headers, created_at
		FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`, r.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	rows, err := pgx.CollectRows(rs, func(rs pgx.CollectableRow) (row, error) {
		var w row
		err := rs.Scan(&w.id, &w.tenant, &w.topic, &w.key, &w.value, &w.headers, &w.createdAt)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return rows, nil
}

// produce sends every row and waits for each acknowledgement or failure;
// errs[i] is row i's outcome.
func (r *Relay) produce(ctx context.Context, cl *kgo.Client, rows []row) []error {
	pctx, cancel := context.WithTimeout(ctx, r.cfg.ProduceTimeout)
	defer cancel()
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	for i, w := range rows {
		rec, err := w.record()
		if err != nil {
			errs[i] = err
			continue
		}
		wg.Add(1)
		cl.Produce(pctx, rec, func(_ *kgo.Record, err error) {
			errs[i] = err
			wg.Done()
		})
	}
	wg.Wait()
	return errs
}

// record is the Kafka record of w: its key, value and headers as stored.
func (w row) record() (*kgo.Record, error) {
	if w.value == nil {
		return nil, errors.New("row has no value: the relay produces wire-format bytes only, payload-only rows are not supported")
	}
	rec := &kgo.Record{Topic: w.topic, Key: w.key, Value: w.value}
	if len(w.headers) > 0 {
		var hs map[string]any
		if err := json.Unmarshal(w.headers, &hs); err != nil {
			return nil, fmt.Errorf("headers are not a JSON object: %w", err)
		}
		keys := make([]string, 0, len(hs))
		for k := range hs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var v []byte
			switch x := hs[k].(type) {
			case string:
				v = []byte(x)
			case nil:
			default:
				v, _ = json.Marshal(x) // re-encoding decoded JSON cannot fail
			}
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: v})
		}
	}
	return rec, nil
}

// mark records the outcome of a round: acknowledged rows are published,
// failed ones get attempts+1 and last_error. Records failed only because ctx
// was cancelled (shutdown) are left as they were.
func (r *Relay) mark(ctx context.Context, tx pgx.Tx, rows []row, errs []error, res *roundResult) error {
	var (
		ok        []int64
		failedIDs []int64
		failedErr []string
		now       = time.Now()
	)
	for i, w := range rows {
		switch err := errs[i]; {
		case err == nil:
			ok = append(ok, w.id)
			r.metrics.published.WithLabelValues(w.topic).Inc()
			r.metrics.delay.Observe(now.Sub(w.createdAt).Seconds())
		case errors.Is(err, context.Canceled):
		default:
			msg := err.Error()
			if len(msg) > maxErrorLen {
				msg = msg[:maxErrorLen]
			}
			failedIDs, failedErr = append(failedIDs, w.id), append(failedErr, msg)
			r.metrics.failed.WithLabelValues(w.topic).Inc()
			if res.firstErr == "" {
				res.firstErr = fmt.Sprintf("outbox row %d (%s): %s", w.id, w.topic, msg)
			}
		}
	}
	if len(ok) > 0 {
		if _, err := tx.Exec(ctx, `
			UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
			WHERE id = ANY($1)`, ok); err != nil {
			return fmt.Errorf("mark %d rows published: %w", len(ok), err)
		}
	}
	if len(failedIDs) > 0 {
		if _, err := tx.Exec(ctx, `
			UPDATE outbox AS o SET attempts = o.attempts + 1, last_error = f.err
			FROM unnest($1::bigint[], $2::text[]) AS f(id, err)
			WHERE o.id = f.id`, failedIDs, failedErr); err != nil {
			return fmt.Errorf("record %d failed rows: %w", len(failedIDs), err)
		}
	}
	res.published, res.failed = len(ok), len(failedIDs)
	return nil
}
