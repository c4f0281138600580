package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/schemas"
)

// cancelRun is POST /v1/runs/{run_id}/cancel, idempotent. A QUEUED run is
// CANCELLED at once, with its terminal RunEvent in the outbox (200); a
// RUNNING run is asked to stop, which the worker does between steps (202);
// a finished run is left as it is (200). The run row is locked so a
// concurrent transition by the worker is seen rather than overwritten.
func (s *Server) cancelRun(c echo.Context) error {
	p, id, err := s.tenantCall(c, "run_id")
	if err != nil {
		return err
	}
	if s.serde == nil {
		return errNoSerde
	}
	ctx := c.Request().Context()
	var r *runRow
	status := http.StatusOK
	err = s.store.InTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		status = http.StatusOK
		var err error
		r, err = queryRun(ctx, tx, p.Tenant, `SELECT `+runs.Columns+` FROM scenario_run WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		switch r.State {
		case schemas.RunQueued:
			if r, err = queryRun(ctx, tx, p.Tenant, `UPDATE scenario_run SET state = 'CANCELLED', completed_at = now(),
					terminal_published_at = now(), cancel_requested_at = coalesce(cancel_requested_at, now())
				WHERE id = $1 RETURNING `+runs.Columns, id); err != nil {
				return err
			}
			a := &runAnnouncer{serde: s.serde, tx: tx, tenant: p.Tenant, headers: outboxHeaders(ctx, p.Tenant, c.Request().Header.Get("traceparent"))}
			return a.event(ctx, r.Run, *r.CompletedAt)
		case schemas.RunRunning:
			status = http.StatusAccepted
			_, err := tx.Exec(ctx, `UPDATE scenario_run SET cancel_requested_at = coalesce(cancel_requested_at, now()) WHERE id = $1`, id)
			if err != nil {
				return fmt.Errorf("request cancellation of run %s: %w", id, err)
			}
		}
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	return respondRow(c, status, r)
}
