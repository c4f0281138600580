package scenario

import (
	"errors"
	"strings"
)

// Sentinel errors callers branch on. Returned errors wrap them.
var (
	// ErrInvalid means a definition, a driver or a parameter is invalid. A
	// [ValidationErrors] matches it; the API answers 400 and the worker
	// treats the request as poison.
	ErrInvalid = errors.New("invalid scenario")
	// ErrInvalidBase means the base points given to the engine are
	// unusable: no contract month, a non-finite mid, two points for one
	// curve and month, or points of several curves given as one curve.
	ErrInvalidBase = errors.New("invalid base curve")
	// ErrTooManyOutputs means a run would produce more outputs than
	// [Engine.OutputLimit] allows; the worker fails the run with the reason.
	ErrTooManyOutputs = errors.New("too many outputs")
)

// ValidationError is one problem with a scenario definition, named by the
// JSON path of the offending field.
type ValidationError struct {
	// Field is the JSON path of the field: "name", "curve_filter",
	// "curve_filter.iso", "drivers[1].driver_type",
	// "drivers[1].payload.delta", "parameters.heat_rate".
	Field string
	// Reason says what is wrong, in words fit for an API error's detail.
	Reason string
}

// Error returns "field: reason".
func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// ValidationErrors lists every problem found, in the order of the fields in
// the definition. It matches ErrInvalid with errors.Is, and errors.As finds
// its first *ValidationError; range over it for all of them.
type ValidationErrors []*ValidationError

// Error joins the problems with "; ".
func (es ValidationErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid scenario: " + strings.Join(parts, "; ")
}

// Is reports whether target is ErrInvalid.
func (es ValidationErrors) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns each *ValidationError.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// add records a problem with field.
func (es *ValidationErrors) add(field, reason string) {
	*es = append(*es, &ValidationError{Field: field, Reason: reason})
}

// err returns es as an error, or nil when it holds no problem.
func (es ValidationErrors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
