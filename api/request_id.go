package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-Id"

// saneRequestID accepts ids a proxy or client would plausibly send (UUIDs,
// hex, ULIDs, dotted trace ids) and nothing that could forge log lines.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

const echoKeyRequestID = "aurum.request_id"

// requestIDMiddleware adopts a sane incoming X-Request-Id or generates one,
// echoes it in the response, and puts it, and a logger carrying it, in the
// request context.
func (s *Server) requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(HeaderRequestID)
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(echoKeyRequestID, id)
		c.Response().Header().Set(HeaderRequestID, id)

		ctx := telemetry.ContextWithRequestID(c.Request().Context(), id)
		ctx = telemetry.ContextWithLogger(ctx, s.logger.With(slog.String("request_id", id)))
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// requestID returns the id of the request c is serving.
func requestID(c echo.Context) string {
	id, _ := c.Get(echoKeyRequestID).(string)
	return id
}

// requestLogger returns the logger of the request, carrying request_id and,
// once authenticated, tenant.
func (s *Server) requestLogger(c echo.Context) *slog.Logger {
	return telemetry.LoggerFromContext(c.Request().Context(), s.logger)
}
