package topology

import "github.com/twmb/franz-go/pkg/kgo"

// Partition is the partition of key among n partitions of topic under the
// partitioner every Aurum producer uses: franz-go's default, which hashes
// the key with murmur2 as Kafka's Java client does. Readers that follow one
// run (the worker looking for a terminal event, the API's event stream,
// `aurum runs watch --run`) read only that partition.
func Partition(topic string, key []byte, n int) int32 {
	return int32(kgo.StickyKeyPartitioner(nil).ForTopic(topic).Partition(&kgo.Record{Key: key}, n))
}
