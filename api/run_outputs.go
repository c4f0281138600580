package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/sqlb"
	"github.com/aurum-energy/aurum/schemas"
)

// outputRow is one output of a run (docs/CONTRACTS.md#scenarios).
type outputRow struct {
	CurveKey      string
	TenorType     string
	TenorLabel    string
	ContractMonth *time.Time
	Metric        string
	Value         float64
	BandLower     *float64
	BandUpper     *float64
	// Attribution is the JSON array of the documented shape, which scan
	// makes of the stored deltas and the run's drivers.
	Attribution []byte
	// drivers are the run's output_drivers, which the deltas are of.
	drivers []string
}

// outputColumns are read by outputRow.scan, in order, of scenario_output o
// and curve c.
const outputColumns = `c.curve_key, o.tenor_type::text, o.tenor_label, o.contract_month, o.metric, o.value,
	o.band_lower, o.band_upper, o.deltas`

func (r *outputRow) scan(rows pgx.Rows) error {
	var deltas []float64
	if err := rows.Scan(&r.CurveKey, &r.TenorType, &r.TenorLabel, &r.ContractMonth, &r.Metric, &r.Value,
		&r.BandLower, &r.BandUpper, &deltas); err != nil {
		return err
	}
	attr, err := runs.Attribution(r.drivers, deltas)
	if err != nil {
		return fmt.Errorf("output %s %s %s: %w", r.CurveKey, r.TenorLabel, r.Metric, err)
	}
	b, err := json.Marshal(attr)
	if err != nil {
		return fmt.Errorf("attribution of %s %s %s: %w", r.CurveKey, r.TenorLabel, r.Metric, err)
	}
	r.Attribution = b
	return nil
}

func (r *outputRow) cells(w *cellWriter) {
	w.str("curve_key", r.CurveKey)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.TenorLabel)
	w.optDate("contract_month", r.ContractMonth)
	w.str("metric", r.Metric)
	w.num("value", r.Value)
	w.optNum("band_lower", r.BandLower)
	w.optNum("band_upper", r.BandUpper)
	w.rawJSON("attribution", r.Attribution)
}

// key is the keyset position of the row, the order of the table's key.
func (r *outputRow) key() []string {
	return []string{r.CurveKey, r.TenorType, r.TenorLabel, r.Metric}
}

// MaxOutputPageBytes bounds the rows of one page of GET
// /v1/runs/{run_id}/outputs: an output carries an attribution entry per
// driver, so limit alone does not bound a page. A page that would exceed it
// ends early with a next_cursor.
const MaxOutputPageBytes = 4 << 20

// runOutputsList is GET /v1/runs/{run_id}/outputs.
var runOutputsList = &listEndpoint{
	path:       "/v1/runs/:run_id/outputs",
	tenant:     true,
	pathParams: []param{scopeParam("run_id")},
	params: params(pageParams, []param{
		selectParam("curve_key", filterValues), selectParam("tenor_type", filterValues), selectParam("metric", metricValues),
	}),
	keyLen: 4,
}

// outputFilters are the SQL of runOutputsList's filters, over
// scenario_output o and curve c.
var outputFilters = []struct{ name, sql string }{
	{"curve_key", "c.curve_key"}, {"tenor_type", "o.tenor_type::text"}, {"metric", "o.metric"},
}

// outputOrder is the order of a run's outputs (outputRow.key), which its
// pages and cursors follow: tenor types as text, as they were before they
// were stored as curve_tenor_type.
const outputOrder = `c.curve_key, o.tenor_type::text, o.tenor_label, o.metric`

// metricValues parses the metric filter: names as the worker writes them.
func metricValues(name string, raw []string) ([]string, error) {
	vals, err := listValues(name, raw)
	if err != nil {
		return nil, err
	}
	return sortedDistinct(vals), nil
}

// listRunOutputs is GET /v1/runs/{run_id}/outputs: the outputs of a
// SUCCEEDED run in key order, at most limit of them and MaxOutputPageBytes
// of rows per page. A run that has not succeeded has none to
// show, even if its worker wrote some before it was cancelled or failed.
// A succeeded run's outputs never change, so clients may keep them.
func (s *Server) listRunOutputs(c echo.Context) error {
	p, id, err := s.tenantCall(c, "run_id")
	if err != nil {
		return err
	}
	q, err := s.parseQuery(c, runOutputsList)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t := newTable(q.format, &outputRow{})
	var (
		next    []string
		state   string
		drivers []string
	)
	err = s.store.InTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT state, coalesce(output_drivers, '{}') FROM scenario_run WHERE id = $1`,
			id).Scan(&state, &drivers); err != nil {
			return fmt.Errorf("read run %s: %w", id, err)
		}
		if schemas.RunState(state) != schemas.RunSucceeded {
			return nil
		}
		b := sqlb.New()
		b.Text(`SELECT ` + outputColumns + ` FROM scenario_output o JOIN curve c ON c.id = o.curve_id WHERE o.run_id = `)
		b.Arg(id, "")
		for _, f := range outputFilters {
			if vals := q.selected[f.name]; vals != nil {
				b.Text(` AND ` + f.sql + ` = ANY(`)
				b.Arg(vals, "")
				b.Text(`)`)
			}
		}
		if q.after != nil {
			b.Text(` AND (` + outputOrder + `) > (`)
			for i, v := range q.after {
				if i > 0 {
					b.Text(`, `)
				}
				b.Arg(v, "")
			}
			b.Text(`)`)
		}
		b.Text(` ORDER BY ` + outputOrder + ` LIMIT `)
		b.Arg(q.limit+1, "")
		rows, err := tx.Query(ctx, b.SQL(), b.Args()...)
		if err != nil {
			return fmt.Errorf("list outputs of run %s: %w", id, err)
		}
		next, err = collectWithin(rows, t, q.limit, MaxOutputPageBytes, &outputRow{drivers: drivers})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	var maxAge time.Duration
	if schemas.RunState(state) == schemas.RunSucceeded {
		maxAge = s.cfg.Cache.HistoryMaxAge
	}
	return s.respondTable(c, runOutputsList, q, t, next, maxAge)
}
