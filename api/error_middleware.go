package api

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
)

// errorMiddleware writes a handler's error as problem+json right away (via
// the HTTPErrorHandler) so that the access log and metrics middleware around
// it see the status the client gets.
func errorMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}

// unavailableRetryAfter is the Retry-After, in seconds, of an answer that a
// dependency timed out or is down: about what a database restart or
// failover takes, and long enough that clients retrying do not pile up.
const unavailableRetryAfter = 5

// unavailableProblem is the 503 for err when it says that a dependency
// (the database) did not answer in time or cannot serve; nil otherwise.
// Such a request may succeed when retried, and the client is told when.
func unavailableProblem(err error) *Problem {
	var p *Problem
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		p = NewProblem(http.StatusServiceUnavailable, "timeout", "the request timed out waiting for the database; try again")
	case databaseDown(err):
		p = NewProblem(http.StatusServiceUnavailable, "unavailable", "the database is unavailable; try again")
	default:
		return nil
	}
	p.RetryAfter = unavailableRetryAfter
	p.Err = err
	return p
}

// databaseDown reports whether err says that PostgreSQL cannot be reached
// or is refusing work for now, rather than that the statement is wrong.
func databaseDown(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "57014", // query_canceled: statement_timeout
		"57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
		"53300": // too_many_connections
		return true
	}
	return pe.Code[:2] == "08" // connection_exception
}
