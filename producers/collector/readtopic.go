package collector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
)

// ReadTopic calls fn with every data record of topic from the start of each
// partition up to its end as of the call: the last stable offset with
// committed (read_committed isolation, so aborted records never show), the
// high watermark without. cl answers the offset look-ups; a short-lived
// reader with cl's connection settings does the fetching. The runtime reads
// checkpoints with it; tests read what a collector published.
func ReadTopic(ctx context.Context, cl *kgo.Client, topic string, committed bool, fn func(*kgo.Record)) error {
	opts := ConnectionOpts(cl)
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	list, isolation := adm.ListEndOffsets, kgo.ReadUncommitted()
	if committed {
		list, isolation = adm.ListCommittedOffsets, kgo.ReadCommitted()
	}
	ends, err := list(ctx, topic)
	if err != nil {
		return fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	if err := starts.Error(); err != nil {
		return fmt.Errorf("list start offsets of %s: %w", topic, err)
	}

	want := make(map[int32]int64) // partition → end offset still to reach
	from := make(map[int32]kgo.Offset)
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(topic, o.Partition)
		if o.Offset > s.Offset {
			want[o.Partition] = o.Offset
			from[o.Partition] = kgo.NewOffset().At(s.Offset)
		}
	})
	if len(want) == 0 {
		return nil
	}

	// Control records (transaction markers) are kept so that the reader's
	// position visibly reaches the end offset when a marker is last.
	rd, err := kgo.NewClient(append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchIsolationLevel(isolation),
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return fmt.Errorf("reader of %s: %w", topic, err)
	}
	defer rd.Close()

	for len(want) > 0 {
		fetches := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %s: %d partitions short of their end: %w", topic, len(want), err)
		}
		var ferr error
		fetches.EachError(func(_ string, p int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("partition %d: %w", p, err))
		})
		if ferr != nil {
			return fmt.Errorf("read %s: %w", topic, ferr)
		}
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			end, ok := want[fp.Partition]
			if !ok {
				return
			}
			for _, r := range fp.Records {
				if r.Offset >= end {
					break
				}
				if !r.Attrs.IsControl() {
					fn(r)
				}
				if r.Offset+1 >= end {
					delete(want, fp.Partition)
				}
			}
		})
	}
	return nil
}

// ConnectionOpts are the connection settings of cl — seed brokers, TLS,
// SASL, dialer, client ID and logger — for the clients a producer creates
// beside it (transactional producers, short-lived readers). Hooks are left
// out: metric hooks are registered once per client name.
func ConnectionOpts(cl *kgo.Client) []kgo.Opt {
	var opts []kgo.Opt
	if seeds, ok := cl.OptValue(kgo.SeedBrokers).([]string); ok {
		opts = append(opts, kgo.SeedBrokers(seeds...))
	}
	if tc, ok := cl.OptValue(kgo.DialTLSConfig).(*tls.Config); ok && tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if dial, ok := cl.OptValue(kgo.Dialer).(func(context.Context, string, string) (net.Conn, error)); ok && dial != nil {
		opts = append(opts, kgo.Dialer(dial))
	}
	if mechs, ok := cl.OptValue(kgo.SASL).([]sasl.Mechanism); ok && len(mechs) > 0 {
		opts = append(opts, kgo.SASL(mechs...))
	}
	if id, ok := cl.OptValue(kgo.ClientID).(string); ok && id != "" {
		opts = append(opts, kgo.ClientID(id))
	}
	if l, ok := cl.OptValue(kgo.WithLogger).(kgo.Logger); ok && l != nil {
		opts = append(opts, kgo.WithLogger(l))
	}
	return opts
}
