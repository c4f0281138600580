package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/retry"
)

// deliveryTimeout fails a page whose records the broker does not take in
// time, so that its transaction is aborted.
const deliveryTimeout = time.Minute

// Collector drives one Source into Kafka. Build it with New and start it
// with Run.
type Collector struct {
	cfg    Config
	deps   Deps
	name   string
	logger *slog.Logger
	// recollected are the series collected since New, which
	// Config.Recollect no longer applies to.
	recollected map[string]bool
}

// New checks cfg and deps and returns a collector ready to Run.
func New(cfg Config, deps Deps) (*Collector, error) {
	if err := deps.check(); err != nil {
		return nil, err
	}
	name := deps.Source.Name()
	if name == "" {
		return nil, errors.New("collector deps: Source has an empty Name")
	}
	cfg, err := cfg.withDefaults(name)
	if err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Collector{
		cfg:    cfg,
		deps:   deps,
		name:   name,
		logger: logger.With(slog.String("collector", name)),

		recollected: map[string]bool{},
	}, nil
}

// SeriesError is the failure of one series; the others were collected.
type SeriesError struct {
	SeriesKey string
	Err       error
}

func (e *SeriesError) Error() string { return fmt.Sprintf("series %s: %v", e.SeriesKey, e.Err) }
func (e *SeriesError) Unwrap() error { return e.Err }

// Run collects every series of the Source once, or every Config.Every
// until ctx ends.
//
// A pass reads all the collector's checkpoints once, then takes the series
// one by one: from the window and cursor that plan derives from the
// checkpoint, each page the source returns is published in one Kafka
// transaction with the series' new checkpoint (cursor = Page.Next,
// watermark = the latest Page.Watermark), and committed before the next
// page is fetched. Of a page, only the records whose Record.Time lies in
// the window are published, whatever the provider returned. A page that changes nothing (no records, same
// checkpoint) publishes nothing.
//
// A malformed page is logged with the provider's message, and fetched
// again MalformedRetries times with backoff; then its series fails and the
// others continue. Run returns the failed series as *SeriesError (joined)
// at the end of a single pass; with Every, failures are logged and the
// schedule goes on. A Kafka failure ends the pass at once (it is returned,
// or with Every retried at the next pass, which reads the checkpoints
// again). Cancelling ctx aborts the page in flight (a later run fetches it
// again) and returns nil.
func (c *Collector) Run(ctx context.Context) error {
	for {
		err := c.pass(ctx)
		if ctx.Err() != nil {
			c.logger.Info("collector stopped; the page in flight, if any, is fetched again by the next run")
			return nil
		}
		if c.cfg.Every == 0 {
			return err
		}
		if err != nil {
			c.logger.Error("collection pass failed", slog.String("error", err.Error()))
		}
		c.logger.Info("next collection pass", slog.Duration("in", c.cfg.Every))
		if retry.Sleep(ctx, c.cfg.Every) != nil {
			c.logger.Info("collector stopped")
			return nil
		}
	}
}

// pass collects every series once with one transactional producer.
func (c *Collector) pass(ctx context.Context) error {
	series, err := c.deps.Source.Series(ctx)
	if err != nil {
		return fmt.Errorf("%s: list series: %w", c.name, err)
	}
	prod, err := kgo.NewClient(append(ConnectionOpts(c.deps.Kafka),
		kgo.TransactionalID(c.cfg.TransactionalID),
		kgo.RecordDeliveryTimeout(deliveryTimeout),
	)...)
	if err != nil {
		return fmt.Errorf("%s: producer: %w", c.name, err)
	}
	defer prod.Close()
	// Initialising the producer ID fences an earlier producer with the same
	// transactional ID and settles its open transaction (a killed process
	// leaves one), before the checkpoints are read.
	if _, _, err := prod.ProducerID(ctx); err != nil {
		return fmt.Errorf("%s: init transactional producer %s: %w", c.name, c.cfg.TransactionalID, err)
	}
	cps, err := c.readCheckpoints(ctx)
	if err != nil {
		return err
	}

	bar := newProgress(c.cfg.Progress, c.name, len(series))
	defer bar.finish()
	var failed []error
	for _, s := range series {
		st, err := c.collect(ctx, prod, s, cps[s.Key], c.cfg.Recollect && !c.recollected[s.Key], bar)
		bar.seriesDone()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var kerr *kafkaError
		if errors.As(err, &kerr) {
			return fmt.Errorf("%s: series %s: %w", c.name, s.Key, err)
		}
		if err != nil {
			c.logger.Error("series failed", slog.String("series", s.Key), slog.String("error", err.Error()))
			failed = append(failed, &SeriesError{SeriesKey: s.Key, Err: err})
			continue
		}
		c.recollected[s.Key] = true
		c.logger.Info("series collected", slog.String("series", s.Key),
			slog.Int("pages", st.pages), slog.Int("records", st.records))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: %d of %d series failed: %w", c.name, len(failed), len(series), errors.Join(failed...))
	}
	return nil
}

// stats count what a series published.
type stats struct{ pages, records int }

// collect runs the plan of one series to its end: first the window left in
// flight, if any, then the requested window.
func (c *Collector) collect(ctx context.Context, prod *kgo.Client, s Series, cp checkpoint, recollect bool, bar *progress) (stats, error) {
	var st stats
	if recollect {
		cp.inFlight = nil
	}
	for {
		resuming := cp.inFlight != nil
		w, cursor, ok := plan(c.cfg.Window, cp)
		if recollect {
			w, cursor, ok = c.cfg.Window, "", true
		}
		if !ok {
			return st, nil
		}
		if resuming {
			c.logger.Info("resuming interrupted window", slog.String("series", s.Key),
				slog.String("since", formatBound(w.Since)), slog.String("until", formatBound(w.Until)),
				slog.String("cursor", cursor))
		}
		var err error
		if cp, err = c.window(ctx, prod, s, w, cursor, cp, &st, bar); err != nil {
			return st, err
		}
		if !resuming {
			return st, nil
		}
	}
}

// window pages through series s within w from cursor, publishing each page
// with its checkpoint, and returns the checkpoint reached.
func (c *Collector) window(ctx context.Context, prod *kgo.Client, s Series, w Window, cursor string, cp checkpoint, st *stats, bar *progress) (checkpoint, error) {
	for {
		pctx, span := c.startPage(ctx, s, cursor)
		page, err := c.fetch(pctx, s, w, cursor)
		if err != nil {
			endPage(span, 0, err)
			return cp, err
		}
		page = c.within(s, w, page)
		next := checkpoint{watermark: cp.watermark}
		if page.Watermark.After(next.watermark) {
			next.watermark = page.Watermark.UTC()
		}
		if page.Next != "" {
			if page.Next == cursor {
				err := fmt.Errorf("source returned the same cursor %q again", cursor)
				endPage(span, 0, err)
				return cp, err
			}
			next.inFlight = &resume{Since: w.Since, Until: w.Until, Next: page.Next}
		}
		if len(page.Records) > 0 || !sameCheckpoint(cp, next) {
			if err := c.publish(pctx, prod, s, page.Records, next); err != nil {
				endPage(span, len(page.Records), err)
				return cp, err
			}
			st.pages++
			st.records += len(page.Records)
		}
		endPage(span, len(page.Records), nil)
		cp = next
		bar.page(s.Key, st.pages)
		if page.Next == "" {
			return cp, nil
		}
		cursor = page.Next
	}
}

// fetch asks the source for one page, again after a malformed answer.
func (c *Collector) fetch(ctx context.Context, s Series, w Window, cursor string) (Page, error) {
	// Doubling from MalformedBackoff for every retry allowed, with the
	// jitter of every other wait of the platform.
	backoff := retry.Backoff{Min: c.cfg.MalformedBackoff, Max: c.cfg.MalformedBackoff << min(max(c.cfg.MalformedRetries, 0), 16)}
	for attempt := 0; ; attempt++ {
		page, err := c.deps.Source.Fetch(ctx, c.deps.HTTP, s, w, cursor)
		if err == nil {
			return page, nil
		}
		if !errors.Is(err, ErrMalformed) || ctx.Err() != nil {
			return Page{}, fmt.Errorf("fetch page %q: %w", cursor, err)
		}
		if attempt >= c.cfg.MalformedRetries {
			return Page{}, fmt.Errorf("fetch page %q: still malformed after %d attempts: %w", cursor, attempt+1, err)
		}
		wait := backoff.Delay(attempt)
		c.logger.WarnContext(ctx, "malformed page; nothing published, fetching it again",
			slog.String("series", s.Key), slog.String("cursor", cursor),
			slog.String("error", err.Error()), slog.Duration("wait", wait))
		if err := retry.Sleep(ctx, wait); err != nil {
			return Page{}, err
		}
	}
}

// within keeps of page what lies in w, the window asked for, whatever the
// provider answered: a provider that ignores the window (and returns the
// whole series every time) publishes nothing twice, since w starts after
// the checkpoint's watermark. The watermark stops at w.Until, so what a
// later window covers is not marked done by records dropped here.
func (c *Collector) within(s Series, w Window, page Page) Page {
	kept := page.Records[:0:0]
	for _, r := range page.Records {
		if r.Time.IsZero() || w.Contains(r.Time) {
			kept = append(kept, r)
		}
	}
	if dropped := len(page.Records) - len(kept); dropped > 0 {
		c.logger.Debug("dropped records outside the window asked for", slog.String("series", s.Key),
			slog.Int("dropped", dropped), slog.String("since", formatBound(w.Since)), slog.String("until", formatBound(w.Until)))
	}
	page.Records = kept
	if !w.Until.IsZero() && page.Watermark.After(w.Until) {
		page.Watermark = w.Until
	}
	return page
}

func sameCheckpoint(a, b checkpoint) bool {
	if !a.watermark.Equal(b.watermark) || (a.inFlight == nil) != (b.inFlight == nil) {
		return false
	}
	return a.inFlight == nil || (a.inFlight.Since.Equal(b.inFlight.Since) &&
		a.inFlight.Until.Equal(b.inFlight.Until) && a.inFlight.Next == b.inFlight.Next)
}
