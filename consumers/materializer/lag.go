package materializer

import (
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// The materialiser reports its lag (telemetry.ConsumerLag) from its
// batches. Lag in records is, per partition, the high watermark of the
// last fetch minus the committed offset, known once a batch is committed
// (a transaction's marker counts: a caught-up partition written in
// transactions shows 1). The oldest unprocessed record of a partition is,
// while a batch is in hand (and while its write is retried), the batch's
// first record; once the batch is committed the materialiser holds none:
// a partition still behind is polled again at once, and one that is behind
// by its transaction marker only is caught up.

// inHand is the lag of the partitions of a batch about to be written.
func inHand(parts []partitionBatch) []telemetry.PartitionLag {
	out := make([]telemetry.PartitionLag, len(parts))
	for i, p := range parts {
		out[i] = telemetry.PartitionLag{Topic: p.topic, Partition: p.partition, Records: -1, Oldest: p.records[0].Timestamp}
	}
	return out
}

// committed is the lag of the partitions of a batch whose offsets were
// committed.
func committed(parts []partitionBatch) []telemetry.PartitionLag {
	out := make([]telemetry.PartitionLag, len(parts))
	for i, p := range parts {
		last := p.records[len(p.records)-1]
		out[i] = telemetry.PartitionLag{Topic: p.topic, Partition: p.partition, Records: max(p.highWatermark-(last.Offset+1), 0)}
	}
	return out
}
