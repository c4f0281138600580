// Package grouplag measures consumer groups' lag as the broker sees it,
// whatever process runs the groups: for each partition of the topics a
// group reads, the records between the group's committed offset and the
// partition's last stable offset, and when the oldest of them — the first
// committed record at or after the committed offset — was written. GET
// /ready shows it for the materialisers; each group's members export
// their own view as aurum_consumer_lag_* (telemetry.ConsumerLag).
package grouplag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultMaxAge is Config.MaxAge's default.
const DefaultMaxAge = 5 * time.Second

// Lag is a consumer group's lag across the partitions of its topics.
type Lag struct {
	// Records lie between the group's committed offsets and the ends of
	// the partitions (their last stable offsets).
	Records int64 `json:"records"`
	// Seconds is the age of the oldest record the group has not
	// processed; 0 when it is caught up.
	Seconds float64 `json:"seconds"`
}

// Config configures a Monitor. Brokers and Groups are required.
type Config struct {
	// Brokers are the seed brokers.
	Brokers []string
	// Groups are the consumer groups to measure and the topics each reads.
	Groups map[string][]string
	// KafkaOptions are added to the monitor's client: logger, TLS, SASL,
	// client ID.
	KafkaOptions []kgo.Opt
	// MaxAge is how long a measurement answers Lag before the next is
	// made, so that frequent readiness probes cost the broker little.
	// Default DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock the ages are measured with; default time.Now.
	Now func() time.Time
}

// Monitor measures the lag of Config.Groups. Create it with New; it is
// safe for concurrent use.
type Monitor struct {
	cfg Config
	cl  *kgo.Client
	adm *kadm.Client

	mu   sync.Mutex
	last map[string]Lag
	at   time.Time
}

// New validates cfg and returns a Monitor with its own Kafka client;
// Close releases it.
func New(cfg Config) (*Monitor, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("group lag: at least one seed broker is required")
	}
	if len(cfg.Groups) == 0 {
		return nil, errors.New("group lag: no consumer group to measure")
	}
	for g, topics := range cfg.Groups {
		if g == "" || len(topics) == 0 {
			return nil, fmt.Errorf("group lag: group %q needs a name and its topics", g)
		}
	}
	cfg.MaxAge = cmp.Or(cfg.MaxAge, DefaultMaxAge)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cl, err := kgo.NewClient(append(slices.Clone(cfg.KafkaOptions), kgo.SeedBrokers(cfg.Brokers...))...)
	if err != nil {
		return nil, fmt.Errorf("group lag: kafka client: %w", err)
	}
	return &Monitor{cfg: cfg, cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close releases the monitor's client.
func (m *Monitor) Close() { m.cl.Close() }

// Lag returns the lag of every group, measured at most Config.MaxAge ago.
func (m *Monitor) Lag(ctx context.Context) (map[string]Lag, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil || m.cfg.Now().Sub(m.at) >= m.cfg.MaxAge {
		lags, err := m.measure(ctx)
		if err != nil {
			return nil, err
		}
		m.last, m.at = lags, m.cfg.Now()
	}
	return maps.Clone(m.last), nil
}

// position is a partition and an offset in it.
type position struct {
	topic     string
	partition int32
	offset    int64
}

func (m *Monitor) measure(ctx context.Context) (map[string]Lag, error) {
	var topics []string
	for _, ts := range m.cfg.Groups {
		topics = append(topics, ts...)
	}
	slices.Sort(topics)
	topics = slices.Compact(topics)
	ends, err := m.adm.ListCommittedOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	starts, err := m.adm.ListStartOffsets(ctx, topics...)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	committed := m.adm.FetchManyOffsets(ctx, slices.Collect(maps.Keys(m.cfg.Groups))...)
	for g, r := range committed {
		switch {
		case errors.Is(r.Err, kerr.GroupIDNotFound):
			// A group that never committed: it starts from the log's start.
		case r.Err != nil:
			return nil, fmt.Errorf("fetch committed offsets of %s: %w", g, r.Err)
		}
	}

	// The first unprocessed offset of each group's partitions that are
	// behind: the committed offset, or the log's start when none is
	// committed or retention removed it.
	behind := map[string][]position{}
	lags := map[string]Lag{}
	for g, ts := range m.cfg.Groups {
		var lag Lag
		for _, t := range ts {
			for p, end := range ends[t] {
				from := starts[t][p].Offset
				if c, ok := committed[g].Fetched.Lookup(t, p); ok && c.Err == nil && c.At >= 0 {
					from = max(from, c.At)
				}
				if n := end.Offset - from; n > 0 {
					lag.Records += n
					behind[g] = append(behind[g], position{t, p, from})
				}
			}
		}
		lags[g] = lag
	}
	var wanted []position
	for _, ps := range behind {
		wanted = append(wanted, ps...)
	}
	oldest, err := m.oldest(ctx, wanted, ends)
	if err != nil {
		return nil, err
	}
	now := m.cfg.Now()
	for g, ps := range behind {
		lag := lags[g]
		for _, p := range ps {
			if at, ok := oldest[p]; ok {
				lag.Seconds = max(lag.Seconds, now.Sub(at).Seconds())
			}
		}
		lags[g] = lag
	}
	return lags, nil
}
