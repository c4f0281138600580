package api

import (
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"
)

// paramsMiddleware refuses, before any handler runs, the path and query
// parameters no handler can use: text the database cannot hold (invalid
// UTF-8, NUL), which would otherwise be a database error (500), and path
// parameters longer than maxParamLen, which error messages would echo.
// Each refusal is a 400 naming the parameter. A query value's length is
// left to its parser: a cursor is longer than any filter value.
func paramsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := checkPathParams(c); err != nil {
			return err
		}
		if err := checkQueryText(c.Request().URL.RawQuery); err != nil {
			return err
		}
		return next(c)
	}
}

// checkPathParams checks the path parameters of the matched route.
func checkPathParams(c echo.Context) error {
	// Echo matches on the escaped path when it differs from the decoded
	// one (a %2F in a segment), and its parameters are then escaped.
	escaped := c.Request().URL.RawPath != ""
	for _, name := range c.ParamNames() {
		v := c.Param(name)
		if escaped {
			var err error
			if v, err = url.PathUnescape(v); err != nil {
				return InvalidParameter(name, "is not a valid escaped path segment")
			}
		}
		if err := checkText(name, v); err != nil {
			return err
		}
	}
	return nil
}

// checkQueryText checks the names and values of a query string.
func checkQueryText(rawQuery string) error {
	// What does not parse is reported by the handler that parses the
	// query; what does is checked here.
	values, _ := url.ParseQuery(rawQuery)
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !isText(name) {
			return InvalidParameter(truncate(name, maxEchoLen), "is not a name in "+textReason)
		}
		for _, v := range values[name] {
			if !isText(v) {
				return InvalidParameter(name, "must be "+textReason)
			}
		}
	}
	return nil
}

// noQuery is the middleware of the routes that take no query parameters:
// any is a 400 naming it, as on the routes that take some.
func noQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		values, err := url.ParseQuery(c.Request().URL.RawQuery)
		if err != nil {
			return BadRequest(fmt.Sprintf("malformed query string: %v", err))
		}
		if len(values) > 0 {
			name := slices.Min(slices.Collect(maps.Keys(values)))
			return InvalidParameter(truncate(name, maxEchoLen),
				fmt.Sprintf("is not a parameter of %s %s (it takes none)", c.Request().Method, c.Path()))
		}
		return next(c)
	}
}
