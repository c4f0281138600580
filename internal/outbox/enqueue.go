package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Message is a record for the relay to produce: its value already encoded
// (Confluent wire format), its headers as strings.
type Message struct {
	Tenant  string
	Topic   string
	Key     []byte
	Value   []byte
	Headers map[string]string
}

// Enqueue writes m to the outbox in tx, the transaction that makes the
// change m announces, so that the record exists exactly when the change
// does. The insert notifies the relay when tx commits (migration 0014).
func Enqueue(ctx context.Context, tx pgx.Tx, m Message) error {
	headers, err := json.Marshal(m.Headers)
	if err != nil {
		return fmt.Errorf("encode outbox headers: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (tenant_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`,
		m.Tenant, m.Topic, m.Key, m.Value, string(headers)); err != nil {
		return fmt.Errorf("write a %s record to the outbox: %w", m.Topic, err)
	}
	return nil
}
