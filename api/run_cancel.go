package api

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/schemas"
)

// cancelRun is POST /v1/runs/{run_id}/cancel, idempotent
// (runs.Repository.Cancel). A QUEUED run is CANCELLED at once, with its
// terminal RunEvent in the outbox (200); a RUNNING run is asked to stop,
// which the worker does between steps (202); a finished run is left as it
// is (200).
func (s *Server) cancelRun(c echo.Context) error {
	p, id, err := s.tenantCall(c, "run_id")
	if err != nil {
		return err
	}
	if s.serde == nil {
		return errNoSerde
	}
	ctx := c.Request().Context()
	found, now, err := s.runs.Cancel(ctx, runs.Ref{Tenant: p.Tenant, ID: id}, func(tx pgx.Tx, r runs.Run) error {
		a := &runAnnouncer{serde: s.serde, tx: tx, tenant: p.Tenant, headers: outboxHeaders(ctx, p.Tenant, c.Request().Header.Get("traceparent"))}
		return a.event(ctx, r, *r.CompletedAt)
	})
	if errors.Is(err, runs.ErrNotFound) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if found.State == schemas.RunRunning {
		status = http.StatusAccepted
	}
	return respondRow(c, status, &runRow{now})
}
