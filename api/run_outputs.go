package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

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
	// Attribution is the stored JSON array, re-encoded by scan into the
	// documented shape.
	Attribution []byte
}

// outputColumns are read by outputRow.scan, in order.
const outputColumns = `curve_key, tenor_type, tenor_label, contract_month, metric, value, band_lower, band_upper, attribution::text`

// attribution is one driver's share of an output's delta.
type attribution struct {
	Driver string  `json:"driver"`
	Delta  float64 `json:"delta"`
}

func (r *outputRow) scan(rows pgx.Rows) error {
	var raw string
	if err := rows.Scan(&r.CurveKey, &r.TenorType, &r.TenorLabel, &r.ContractMonth, &r.Metric, &r.Value,
		&r.BandLower, &r.BandUpper, &raw); err != nil {
		return err
	}
	var attr []attribution
	if err := json.Unmarshal([]byte(raw), &attr); err != nil {
		return fmt.Errorf("attribution of %s %s %s: %w", r.CurveKey, r.TenorLabel, r.Metric, err)
	}
	if attr == nil {
		attr = []attribution{}
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
var runOutputsList = &tenantList{
	path: "/v1/runs/:run_id/outputs",
	filters: map[string]func(string, []string) ([]string, error){
		"curve_key":  filterValues,
		"tenor_type": filterValues,
		"metric":     metricValues,
	},
	keyLen: 4,
}

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
	q, err := s.parsePageQuery(c, runOutputsList, p.Tenant, id)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t := newTable(q.format, &outputRow{})
	var next []string
	var state string
	err = s.store.InTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT state FROM scenario_run WHERE id = $1`, id).Scan(&state); err != nil {
			return fmt.Errorf("read run %s: %w", id, err)
		}
		if schemas.RunState(state) != schemas.RunSucceeded {
			return nil
		}
		b := sqlb.New()
		b.Text(`SELECT ` + outputColumns + ` FROM scenario_output WHERE run_id = `)
		b.Arg(id, "")
		for _, f := range []string{"curve_key", "tenor_type", "metric"} {
			if vals := q.filters[f]; vals != nil {
				b.Text(` AND ` + f + ` = ANY(`)
				b.Arg(vals, "")
				b.Text(`)`)
			}
		}
		if q.after != nil {
			b.Text(` AND (curve_key, tenor_type, tenor_label, metric) > (`)
			for i, v := range q.after {
				if i > 0 {
					b.Text(`, `)
				}
				b.Arg(v, "")
			}
			b.Text(`)`)
		}
		b.Text(` ORDER BY curve_key, tenor_type, tenor_label, metric LIMIT `)
		b.Arg(q.limit+1, "")
		rows, err := tx.Query(ctx, b.SQL(), b.Args()...)
		if err != nil {
			return fmt.Errorf("list outputs of run %s: %w", id, err)
		}
		next, err = collectWithin(rows, t, q.limit, MaxOutputPageBytes, &outputRow{})
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
