// Package curvefile loads end-of-day forward-curve files (docs/CONTRACTS.md#collectors-and-curve-files) onto
// aurum.curve.observation.v1: CSV or the first sheet of an XLSX workbook,
// a header row naming CurveObservation fields, one price point per row.
// Each row becomes a CurveObservation keyed by its curve_key; a row that
// cannot be parsed or breaks the contract is quarantined on the topic's
// dead-letter topic with the reason, and never stops the load.
package curvefile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/topology"
)

// Config tunes a Loader. The zero value is ready to use.
type Config struct {
	// Progress receives a progress bar while a file loads; nil shows none.
	// Pass a terminal only: the bar redraws itself with control codes.
	Progress io.Writer
	// DrainTimeout bounds how long Load keeps delivering the records it
	// already handed to the client after ctx is cancelled. Default 30s.
	DrainTimeout time.Duration
	// Now gives the ingest time of a file's rows. Default time.Now.
	Now func() time.Time
}

// DefaultDrainTimeout is Config.DrainTimeout when unset.
const DefaultDrainTimeout = 30 * time.Second

func (c *Config) validate() error {
	if c.DrainTimeout < 0 {
		return fmt.Errorf("curvefile: negative DrainTimeout %s", c.DrainTimeout)
	}
	c.DrainTimeout = cmp.Or(c.DrainTimeout, DefaultDrainTimeout)
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Deps are what a Loader publishes with.
type Deps struct {
	// Client produces the records; build it with ProducerOpts. The loader
	// flushes it but does not close it.
	Client *kgo.Client
	// Serde encodes CurveObservation values in the Confluent wire format.
	Serde  *serde.Serde
	Logger *slog.Logger
}

// ProducerOpts are the client options that make a load fast: records
// linger a few milliseconds so batches fill, and the client may buffer
// enough of them to keep every partition busy. The producer stays
// idempotent (franz-go's default), so retries never duplicate a row.
func ProducerOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.MaxBufferedRecords(100_000),
		kgo.ProducerBatchMaxBytes(1 << 20),
	}
}

// ErrProduce is wrapped by Load's error when the broker refused records.
var ErrProduce = errors.New("producing failed")

// Loader publishes curve files. Load may be called for several files, one
// at a time or concurrently.
type Loader struct {
	cfg    Config
	client *kgo.Client
	serde  *serde.Serde
	logger *slog.Logger
}

// New checks cfg and deps and returns a Loader.
func New(cfg Config, deps Deps) (*Loader, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Client == nil || deps.Serde == nil {
		return nil, errors.New("curvefile: Client and Serde are required")
	}
	if _, ok := deps.Serde.SchemaID(topology.TopicCurveObservation); !ok {
		return nil, fmt.Errorf("curvefile: serde knows no schema for %s", topology.TopicCurveObservation)
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{cfg: cfg, client: deps.Client, serde: deps.Serde, logger: logger}, nil
}

// Summary counts what a load did with a file's rows.
type Summary struct {
	File string
	// Read counts the data rows (blank rows are skipped, not counted).
	Read int
	// Published counts the rows the broker acknowledged on the topic.
	Published int
	// Quarantined counts the rows sent to the dead-letter topic.
	Quarantined int
	// ByReason counts the quarantined rows by reason (missing_units, ...).
	ByReason map[string]int
	Duration time.Duration
}

// Add folds o's counts into s, for a total over several files.
func (s *Summary) Add(o Summary) {
	s.Read += o.Read
	s.Published += o.Published
	s.Quarantined += o.Quarantined
	s.Duration += o.Duration
	for r, n := range o.ByReason {
		if s.ByReason == nil {
			s.ByReason = make(map[string]int)
		}
		s.ByReason[r] += n
	}
}

// Load publishes the rows of the file at path and waits until the broker
// has acknowledged every record. It fails when the file cannot be read,
// its header names unknown columns or lacks required ones (*LayoutError),
// or the broker refuses records (ErrProduce); bad rows only count in the
// summary. When ctx is cancelled Load stops reading, delivers what it
// already produced (for up to Config.DrainTimeout) and returns ctx's error.
func (l *Loader) Load(ctx context.Context, path string) (Summary, error) {
	start := time.Now()
	name := filepath.Base(path)
	sum := Summary{File: name, ByReason: map[string]int{}}
	src, err := openSource(path)
	if err != nil {
		return sum, fmt.Errorf("load curves %s: %w", path, err)
	}
	defer func() { _ = src.close() }()

	header, _, err := src.next()
	if err == io.EOF {
		return sum, fmt.Errorf("load curves %s: no header row", path)
	}
	if err != nil {
		return sum, fmt.Errorf("load curves %s: header: %w", path, err)
	}
	lay, err := newLayout(header)
	if err != nil {
		return sum, fmt.Errorf("load curves %s: %w", path, err)
	}
	excel, date1904 := src.excelDates()
	p := newParser(lay, name, src.sheet(), excel, date1904, l.cfg.Now().UTC())

	// Records must outlive a cancelled ctx long enough to be delivered.
	pctx, pcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer pcancel()
	stopDrain := context.AfterFunc(ctx, func() { time.AfterFunc(l.cfg.DrainTimeout, pcancel) })
	defer stopDrain()

	pr := newPublisher(pctx, l, name)
	bar := newProgress(l.cfg.Progress, name, src.size())
	readErr := l.readRows(ctx, src, p, pr, &sum, bar)
	flushErr := l.client.Flush(pctx)
	bar.finish(src.position())

	sum.Published = int(pr.published.Load())
	sum.Duration = time.Since(start)
	l.logger.Info("curve file loaded", slog.String("file", name), slog.Int("read", sum.Read),
		slog.Int("published", sum.Published), slog.Int("quarantined", sum.Quarantined),
		slog.Duration("duration", sum.Duration))
	switch {
	case pr.err() != nil:
		return sum, fmt.Errorf("load curves %s: %w: %w", path, ErrProduce, pr.err())
	case readErr != nil:
		return sum, fmt.Errorf("load curves %s: %w", path, readErr)
	case flushErr != nil:
		return sum, fmt.Errorf("load curves %s: flush: %w", path, flushErr)
	}
	return sum, nil
}

// readRows parses and produces rows until the file ends, ctx is cancelled
// or producing fails.
func (l *Loader) readRows(ctx context.Context, src source, p *parser, pr *publisher, sum *Summary, bar *progress) error {
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if pr.err() != nil {
				return nil
			}
			bar.set(src.position())
		}
		row, line, err := src.next()
		if err == io.EOF {
			return nil
		}
		var syn *rowSyntaxError
		if errors.As(err, &syn) {
			sum.Read++
			pr.quarantine(p, nil, syn.line, &rowError{ReasonBadRow, syn.err.Error()}, sum)
			continue
		}
		if err != nil {
			return err
		}
		if blank(row) {
			continue
		}
		sum.Read++
		o, rerr := p.parse(row, line)
		if rerr != nil {
			pr.quarantine(p, row, line, rerr, sum)
			continue
		}
		if err := pr.publish(o); err != nil {
			return err
		}
	}
}

func blank(row []string) bool {
	for _, c := range row {
		for i := 0; i < len(c); i++ {
			if c[i] != ' ' && c[i] != '\t' {
				return false
			}
		}
	}
	return true
}

// firstError keeps the first error reported by any goroutine.
type firstError struct {
	once sync.Once
	v    atomic.Pointer[error]
}

func (f *firstError) set(err error) { f.once.Do(func() { f.v.Store(&err) }) }

func (f *firstError) get() error {
	if p := f.v.Load(); p != nil {
		return *p
	}
	return nil
}
