package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
)

// errNoBase: no base curve matches the scenario's filter on the run's date.
var errNoBase = errors.New("no base curves")

// baseCurves are the base points of a run, grouped by curve, and the ids
// of their curves, which its outputs store. They are shared by the runs
// that read them and must not be changed.
type baseCurves struct {
	curves [][]model.BasePoint // model.Curves of the points
	points int
	ids    map[string]int32 // by curve_key
}

func newBaseCurves(prices []market.BasePrice) baseCurves {
	ids := make(map[string]int32)
	for _, p := range prices {
		ids[p.Key] = p.CurveID
	}
	return baseCurves{curves: model.Curves(model.BasePointsOf(prices)), points: len(prices), ids: ids}
}

// loadBase reads the base points of the run's date selected by filter, a
// scenario's curve filter (GET /v1/curves semantics: values of one dimension
// are alternatives, dimensions all apply). Runs of the same date and
// filter share one read for as long as the curves' data version stays the
// same: a desk re-running its scenarios after a curve update reads the
// curves once, not once a run.
func (w *Worker) loadBase(ctx context.Context, r runs.Run, filter map[string][]string) (baseCurves, error) {
	norm := model.NormalizeFilter(filter)
	var f market.CurveFilter
	for dim, vals := range norm {
		if !f.Set(dim, vals) {
			return baseCurves{}, fmt.Errorf("curve filter dimension %q is not supported: %w", dim, model.ErrInvalid)
		}
	}
	date := r.AsofDate.Format(time.DateOnly)
	key, err := json.Marshal(norm) // sorted keys, sorted values: one key per filter
	if err != nil {
		return baseCurves{}, fmt.Errorf("curve filter: %w", err)
	}
	var base baseCurves
	err = w.db.InTenant(ctx, r.Tenant, func(tx pgx.Tx) error {
		// The version is read before the curves: curves read after a change
		// are at worst kept under the version before it, and read again.
		version, err := market.DataVersion(ctx, tx, market.DatasetCurves)
		if err != nil {
			return err
		}
		var ok bool
		if base, ok = w.bases.get(date+string(key), version); ok {
			return nil
		}
		prices, err := market.BasePrices(ctx, tx, r.AsofDate, f)
		if err != nil || len(prices) == 0 {
			return err
		}
		base = newBaseCurves(prices)
		w.bases.put(date+string(key), version, base)
		return nil
	})
	if err != nil {
		return baseCurves{}, fmt.Errorf("load base curves of %s: %w", date, err)
	}
	if base.points == 0 {
		return baseCurves{}, fmt.Errorf("%w: no MONTHLY curve observation on %s matches the scenario's curve filter",
			errNoBase, date)
	}
	return base, nil
}

// baseCacheSize is how many (date, filter) reads the worker keeps: a few
// hundred kilobytes each for the demo model's power curves.
const baseCacheSize = 8

// baseCache holds the latest base curve reads, each with the curves' data
// version it was read at. It is safe for concurrent use.
type baseCache struct {
	mu      sync.Mutex
	entries map[string]baseEntry
	order   []string // keys, oldest first
}

type baseEntry struct {
	version string
	base    baseCurves
}

// get returns the base curves kept under key when they were read at
// version.
func (c *baseCache) get(key, version string) (baseCurves, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.version != version {
		return baseCurves{}, false
	}
	return e.base, true
}

// put keeps base under key, dropping the oldest read when full.
func (c *baseCache) put(key, version string, base baseCurves) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]baseEntry)
	}
	if _, ok := c.entries[key]; !ok {
		if len(c.order) == baseCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, key)
	}
	c.entries[key] = baseEntry{version: version, base: base}
}
