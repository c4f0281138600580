package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	model "github.com/aurum-energy/aurum/internal/scenario"
)

// errNoBase: no base curve matches the scenario's filter on the run's date.
var errNoBase = errors.New("no base curves")

// loadBase reads the base points of the run's date selected by filter, a
// scenario's curve filter (GET /v1/curves semantics: values of one dimension
// are alternatives, dimensions all apply).
func (w *Worker) loadBase(ctx context.Context, r runRow, filter map[string][]string) ([]model.BasePoint, error) {
	var f market.CurveFilter
	for dim, vals := range model.NormalizeFilter(filter) {
		if !f.Set(dim, vals) {
			return nil, fmt.Errorf("curve filter dimension %q is not supported: %w", dim, model.ErrInvalid)
		}
	}
	var prices []market.BasePrice
	err := w.db.InTenant(ctx, r.tenant, func(tx pgx.Tx) error {
		var err error
		prices, err = market.BasePrices(ctx, tx, r.AsofDate, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load base curves of %s: %w", r.AsofDate.Format(time.DateOnly), err)
	}
	if len(prices) == 0 {
		return nil, fmt.Errorf("%w: no MONTHLY curve observation on %s matches the scenario's curve filter",
			errNoBase, r.AsofDate.Format(time.DateOnly))
	}
	return model.BasePointsOf(prices), nil
}
