package demo

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
)

// Defaults of Config.
const (
	// DefaultInterval is the real time between two simulated business days
	// once the backfill is done.
	DefaultInterval = 10 * time.Second
	// DefaultStartBack is how many business days before today the demo
	// starts when Config.Start is zero.
	DefaultStartBack = 20
	// DefaultTransactionalID is the Kafka transactional ID of the demo's
	// producer.
	DefaultTransactionalID = "aurum-demo"
)

// Checkpoint identity: the demo keeps one CollectorCheckpoint on
// aurum.collector.checkpoint.v1, keyed CheckpointKey.
const (
	Collector     = "demo"
	SeriesKey     = "curves"
	CheckpointKey = Collector + "/" + SeriesKey
)

// Config of the demo producer. The zero value is valid: New fills in the
// defaults documented on each field.
type Config struct {
	// Seed makes the simulated market reproducible: the same seed and as-of
	// date always give the same values and therefore the same version_hash.
	// Every value, zero included, is a valid seed.
	Seed int64

	// Start is the first as-of date published on a fresh topic (only its
	// date counts; a weekend moves to the Monday after). Default:
	// DefaultStartBack business days before today. A restart resumes after
	// the last committed day instead, unless Start is later than that.
	Start time.Time

	// Until, when not zero, is the last as-of date published; Run returns
	// nil once it is committed. Zero publishes forever.
	Until time.Time

	// Interval is the real time between two simulated business days,
	// default DefaultInterval. Days after today are paced by it, so the
	// demo's as-of dates run ahead of the real date by one business day per
	// Interval: after an hour at the default, about 360 business days ahead.
	Interval time.Duration

	// NoBackfill paces every day by Interval. By default (false) the days
	// from Start up to today are published back to back as fast as the
	// broker takes them, so a newcomer has a month of history at once.
	NoBackfill bool

	// TransactionalID is the Kafka transactional ID of the producer, default
	// DefaultTransactionalID. Starting a second demo producer with the same
	// ID fences the first, which then stops with an error.
	TransactionalID string

	// Now returns the current time; it decides what "today" is. Default
	// time.Now. Tests set it to pin the clock.
	Now func() time.Time
}

// withDefaults returns cfg with its defaults applied, or an error naming the
// invalid field.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Interval = cmp.Or(cfg.Interval, DefaultInterval)
	cfg.TransactionalID = cmp.Or(cfg.TransactionalID, DefaultTransactionalID)
	if cfg.Start.IsZero() {
		cfg.Start = addBusinessDays(onOrBefore(dateOf(cfg.Now())), -DefaultStartBack)
	}
	cfg.Start = onOrAfter(dateOf(cfg.Start))
	if !cfg.Until.IsZero() {
		cfg.Until = dateOf(cfg.Until)
	}

	var errs []error
	if cfg.Interval < 0 {
		errs = append(errs, fmt.Errorf("negative Interval %s", cfg.Interval))
	}
	if strings.TrimSpace(cfg.TransactionalID) != cfg.TransactionalID {
		errs = append(errs, fmt.Errorf("spaces around TransactionalID %q", cfg.TransactionalID))
	}
	if cfg.Start.Year() < 1971 || cfg.Start.Year() > 9000 {
		errs = append(errs, fmt.Errorf("year of Start %s outside 1971..9000", cfg.Start.Format(time.DateOnly)))
	}
	if !cfg.Until.IsZero() && cfg.Until.Before(cfg.Start) {
		errs = append(errs, fmt.Errorf("empty range: Until %s is before Start %s",
			cfg.Until.Format(time.DateOnly), cfg.Start.Format(time.DateOnly)))
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("demo config: %w", err)
	}
	return cfg, nil
}

// Deps are what the demo producer needs from the composition root.
type Deps struct {
	// Client is any franz-go client on the cluster, typically the shared
	// non-transactional one. The demo uses it for offset look-ups and takes
	// from it the seed brokers, TLS, SASL, dialer, client ID and logger of
	// the two clients it creates itself: a transactional producer
	// (Config.TransactionalID) and a short-lived read_committed reader of
	// the checkpoint topic. Its hooks (metrics) are not copied. The caller
	// keeps ownership and closes it after Run returns. Required.
	Client *kgo.Client
	// Serde encodes the records. Required.
	Serde *serde.Serde
	// Logger receives progress and errors; nil discards them.
	Logger *slog.Logger
}

func (d Deps) check() error {
	var errs []error
	if d.Client == nil {
		errs = append(errs, errors.New("nil Client"))
	}
	if d.Serde == nil {
		errs = append(errs, errors.New("nil Serde"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("demo deps: %w", err)
	}
	return nil
}
