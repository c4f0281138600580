package runs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/schemas"
)

// These work in the transaction of the caller, which also reads the run's
// scenario and announces the new run in the outbox (the API's POST of a
// run): a run is created together with its announcement or not at all.

// ErrExists is Insert's answer when the scenario has a run with the same
// input hash, or the tenant one with the same idempotency key.
var ErrExists = errors.New("the run exists")

// New is a run to insert.
type New struct {
	ID, Tenant, ScenarioID, RequestedBy string
	AsofDate                            time.Time
	InputHash                           string
	Priority                            schemas.Priority
	TimeoutSeconds, MaxRetries          int32
	Seed                                int64
	// IdempotencyKey names the run per tenant and Fingerprint what its
	// request asked for; both empty without a key.
	IdempotencyKey, Fingerprint string
}

// Insert inserts n QUEUED in tx, or returns ErrExists.
func Insert(ctx context.Context, tx pgx.Tx, n New) (Run, error) {
	var key, fingerprint *string
	if n.IdempotencyKey != "" {
		key, fingerprint = &n.IdempotencyKey, &n.Fingerprint
	}
	// No conflict target: a concurrent request with the same key conflicts
	// on the key's unique index rather than the input hash's, and is then
	// answered by ByIdempotencyKey instead of failing.
	r, err := Scan(tx.QueryRow(ctx, `INSERT INTO scenario_run (id, tenant_id, scenario_id, asof_date, input_hash, priority,
			timeout_seconds, max_retries, seed, requested_by, idempotency_key, idempotency_fingerprint)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING
		RETURNING `+Columns,
		n.ID, n.Tenant, n.ScenarioID, n.AsofDate, n.InputHash, string(n.Priority),
		n.TimeoutSeconds, n.MaxRetries, n.Seed, n.RequestedBy, key, fingerprint), n.Tenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrExists
	}
	if err != nil {
		return r, fmt.Errorf("insert run of scenario %s: %w", n.ScenarioID, err)
	}
	return r, nil
}

// ByInputHash returns tenant's run of scenarioID with the input hash, or an
// error matching pgx.ErrNoRows.
func ByInputHash(ctx context.Context, tx pgx.Tx, tenant, scenarioID, hash string) (Run, error) {
	r, err := Scan(tx.QueryRow(ctx, `SELECT `+Columns+` FROM scenario_run WHERE scenario_id = $1 AND input_hash = $2`,
		scenarioID, hash), tenant)
	if err != nil {
		return r, fmt.Errorf("read run of scenario %s: %w", scenarioID, err)
	}
	return r, nil
}

// ByIdempotencyKey returns the run tenant created with key and the
// fingerprint of its request (nil for a run created before fingerprints
// were kept), or an error matching pgx.ErrNoRows.
func ByIdempotencyKey(ctx context.Context, tx pgx.Tx, tenant, key string) (Run, *string, error) {
	var fingerprint *string
	r, err := Scan(tx.QueryRow(ctx, `SELECT `+Columns+`, idempotency_fingerprint FROM scenario_run WHERE idempotency_key = $1`,
		key), tenant, &fingerprint)
	if err != nil {
		return r, nil, fmt.Errorf("read run of idempotency key: %w", err)
	}
	return r, fingerprint, nil
}
