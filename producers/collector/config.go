package collector

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/serde"
)

// Defaults of Config.
const (
	// DefaultMalformedRetries is how many times a malformed page is
	// fetched again before its series fails.
	DefaultMalformedRetries = 3
	// DefaultMalformedBackoff is the first wait before fetching a
	// malformed page again; it doubles on every retry (retry.Backoff:
	// each wait drawn from its upper half).
	DefaultMalformedBackoff = 2 * time.Second
	// DefaultTransactionalIDPrefix prefixes the source name in the Kafka
	// transactional ID of a collector's producer.
	DefaultTransactionalIDPrefix = "aurum-collector-"
)

// Config of a Collector. The zero value collects everything once.
type Config struct {
	// Window bounds what is collected; a zero bound is open. See Run for
	// how it combines with the checkpoints.
	Window Window
	// Every, when positive, repeats the collection of all series every
	// Every until ctx ends; zero collects once.
	Every time.Duration
	// Recollect collects each series' Window from its start whatever its
	// checkpoint says, until the series has been collected once: a window
	// left in flight is dropped and nothing is skipped for being at or
	// before the watermark (which is kept, as it never moves back); after
	// that the checkpoints plan as usual. For history that must be
	// published again, e.g. under new series ids.
	Recollect bool
	// TransactionalID of the producer, default
	// DefaultTransactionalIDPrefix + the source's name. Two collectors of
	// the same source with the same ID fence each other.
	TransactionalID string
	// MalformedRetries and MalformedBackoff pace the re-fetching of a
	// malformed page (defaults DefaultMalformedRetries and
	// DefaultMalformedBackoff); a negative MalformedRetries fails the
	// series at the first malformed page.
	MalformedRetries int
	MalformedBackoff time.Duration
	// Progress, when not nil, receives a progress bar (pages per series);
	// the composition root sets it to stderr when that is a terminal.
	Progress io.Writer
	// Now stamps ingest_ts and updated_ts; default time.Now.
	Now func() time.Time
}

func (cfg Config) withDefaults(source string) (Config, error) {
	cfg.TransactionalID = cmp.Or(cfg.TransactionalID, DefaultTransactionalIDPrefix+source)
	cfg.MalformedRetries = cmp.Or(cfg.MalformedRetries, DefaultMalformedRetries)
	if cfg.MalformedRetries < 0 {
		cfg.MalformedRetries = 0
	}
	if cfg.MalformedBackoff <= 0 {
		cfg.MalformedBackoff = DefaultMalformedBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var errs []error
	if cfg.Every < 0 {
		errs = append(errs, fmt.Errorf("negative Every %s", cfg.Every))
	}
	w := cfg.Window
	if !w.Since.IsZero() && !w.Until.IsZero() && w.Until.Before(w.Since) {
		errs = append(errs, fmt.Errorf("empty window: until %s is before since %s",
			w.Until.Format(time.RFC3339), w.Since.Format(time.RFC3339)))
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("collector %s config: %w", source, err)
	}
	return cfg, nil
}

// Deps are what a Collector needs from the composition root.
type Deps struct {
	// Source is the provider to collect. Required.
	Source Source
	// HTTP is the source's HTTP client (a *Client), handed to every
	// Fetch. Required.
	HTTP Getter
	// Kafka is any client on the cluster (the shared non-transactional
	// one): the collector takes its connection settings for its own
	// transactional producer and checkpoint reader, and uses it for offset
	// look-ups. The caller closes it after Run. Required.
	Kafka *kgo.Client
	// Serde encodes the records. Required.
	Serde *serde.Serde
	// Logger receives progress and errors; nil discards them.
	Logger *slog.Logger
	// Tracer makes a span of each page, whose trace context its records
	// carry (traceparent); nil makes none.
	Tracer trace.Tracer
}

func (d Deps) check() error {
	var errs []error
	if d.Source == nil {
		errs = append(errs, errors.New("nil Source"))
	}
	if d.HTTP == nil {
		errs = append(errs, errors.New("nil HTTP client"))
	}
	if d.Kafka == nil {
		errs = append(errs, errors.New("nil Kafka client"))
	}
	if d.Serde == nil {
		errs = append(errs, errors.New("nil Serde"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("collector deps: %w", err)
	}
	return nil
}
