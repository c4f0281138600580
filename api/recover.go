package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// recoverMiddleware turns a handler panic into a 500 problem and logs the
// panic value with its stack. http.ErrAbortHandler is re-panicked: it is the
// standard way for a handler to abort a response on purpose.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.requestLogger(c).Error("panic in handler",
				slog.String("panic", fmt.Sprint(r)),
				slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("panic: %v", r)
		}()
		return next(c)
	}
}
