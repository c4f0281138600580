package grouplag

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxRounds bounds the fetches per position: each round reads past
// transaction markers and aborted records that precede the next record.
const maxRounds = 8

// oldest returns when the first committed record at or after each
// position was written, read from the partitions' leaders. A position
// followed by nothing but transaction markers and aborted records up to
// the partition's end (in ends) has none, and neither has one whose
// partition has no leader or answers with an error.
func (m *Monitor) oldest(ctx context.Context, wanted []position, ends kadm.ListedOffsets) (map[position]time.Time, error) {
	found := map[position]time.Time{}
	if len(wanted) == 0 {
		return found, nil
	}
	var topics []string
	for _, p := range wanted {
		topics = append(topics, p.topic)
	}
	meta, err := m.adm.Metadata(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	names := map[kadm.TopicID]string{}
	for name, d := range meta.Topics {
		names[d.ID] = name
	}
	next := map[position]int64{}
	for _, p := range wanted {
		next[p] = p.offset
	}
	for range maxRounds {
		if len(next) == 0 {
			break
		}
		// One position per partition in a round: two groups may read one
		// topic from different offsets.
		byLeader := map[int32]map[partitionKey]position{}
		for p := range next {
			pd, ok := meta.Topics[p.topic].Partitions[p.partition]
			if !ok || pd.Leader < 0 {
				delete(next, p) // no leader to read it from now
				continue
			}
			leader := pd.Leader
			if byLeader[leader] == nil {
				byLeader[leader] = map[partitionKey]position{}
			}
			byLeader[leader][partitionKey{p.topic, p.partition}] = p
		}
		for leader, ps := range byLeader {
			req := fetchRequest(ps, next, meta.Topics)
			kresp, err := m.cl.Broker(int(leader)).Request(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("fetch from broker %d: %w", leader, err)
			}
			resp := kresp.(*kmsg.FetchResponse)
			for _, rt := range resp.Topics {
				topic := rt.Topic
				if topic == "" {
					topic = names[kadm.TopicID(rt.TopicID)]
				}
				for i := range rt.Partitions {
					rp := &rt.Partitions[i]
					p, ok := ps[partitionKey{topic, rp.Partition}]
					if !ok {
						continue
					}
					fp, after := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
						Topic: topic, Partition: rp.Partition, Offset: next[p], IsolationLevel: kgo.ReadCommitted(),
					}, rp, kgo.DefaultDecompressor(), nil)
					switch {
					case fp.Err == nil && len(fp.Records) > 0:
						found[p] = fp.Records[0].Timestamp
						delete(next, p)
					case fp.Err != nil || after <= next[p] || after >= ends[topic][rp.Partition].Offset:
						delete(next, p)
					default:
						next[p] = after
					}
				}
			}
		}
	}
	return found, nil
}

type partitionKey struct {
	topic     string
	partition int32
}

// fetchRequest reads each of ps from next, as a read_committed consumer
// outside any fetch session.
func fetchRequest(ps map[partitionKey]position, next map[position]int64, topics kadm.TopicDetails) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MinBytes = 1
	req.MaxBytes = 4 << 20
	req.IsolationLevel = 1
	req.SessionEpoch = -1
	byTopic := map[string]int{}
	for k, p := range ps {
		i, ok := byTopic[k.topic]
		if !ok {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = k.topic, topics[k.topic].ID
			req.Topics = append(req.Topics, rt)
			i = len(req.Topics) - 1
			byTopic[k.topic] = i
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset = k.partition, next[p]
		rp.PartitionMaxBytes = 256 << 10
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	return req
}
