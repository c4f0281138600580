package materializer

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/deadletter"
)

// deadLetter produces the rejected records to their topics' dead-letter
// topics and waits for every acknowledgement: the offsets covering them
// are committed only after this returns nil. A retry after a partial
// failure produces the batch again, so a dead letter may appear twice —
// never zero times.
func (m *Materializer[K, R]) deadLetter(ctx context.Context, dead []rejected) error {
	now := m.now()
	recs := make([]*kgo.Record, len(dead))
	for i, d := range dead {
		recs[i] = deadletter.Record(d.rec, d.why.failure(), now)
	}
	if err := m.client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("produce %d dead letters: %w", len(recs), err)
	}
	for _, d := range dead {
		m.metrics.RecordsDeadLettered.WithLabelValues(d.rec.Topic, d.why.Reason).Inc()
	}
	return nil
}
