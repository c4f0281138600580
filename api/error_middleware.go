package api

import "github.com/labstack/echo/v4"

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
