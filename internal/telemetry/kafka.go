package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// KafkaNamespace prefixes the franz-go client metrics: aurum_kafka_connects_total,
// aurum_kafka_produce_bytes_total, ...
const KafkaNamespace = "aurum_kafka"

// KafkaHooks returns a kgo option installing kprom metrics for one franz-go
// client on reg, labelled client="<clientName>". Several clients in one
// process (aurum dev runs every consumer group) share the registry through
// that label, so clientName must be unique per registry; kprom unregisters
// the client's metrics when the client is closed.
func KafkaHooks(reg prometheus.Registerer, clientName string) kgo.Opt {
	wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"client": clientName}, reg)
	m := kprom.NewMetrics(KafkaNamespace,
		kprom.Registerer(wrapped),
		kprom.Gatherer(prometheus.NewRegistry()), // unused: /metrics gathers from reg
		kprom.FetchAndProduceDetail(kprom.ByNode, kprom.ByTopic, kprom.Records, kprom.Batches, kprom.UncompressedBytes, kprom.CompressedBytes),
	)
	return kgo.WithHooks(m)
}
