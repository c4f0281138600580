package materializer

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// Dead-letter reasons of rows the database refused.
const (
	ReasonConstraintViolation = "constraint_violation"
	ReasonInvalidData         = "invalid_data"
)

// dataError reports whether err is the database refusing the data itself —
// SQLSTATE class 22 (data exception) or 23 (integrity constraint
// violation) — as opposed to the database being unavailable, and returns
// the dead-letter reason. Only data errors are dead-lettered; everything
// else is retried, since dropping rows because the database is down would
// lose them.
func dataError(err error) (reason string, ok bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return "", false
	}
	switch pe.Code[:2] {
	case "22":
		return ReasonInvalidData, true
	case "23":
		return ReasonConstraintViolation, true
	}
	return "", false
}
