package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// MIMEProblemJSON is the media type of RFC 7807 error responses.
const MIMEProblemJSON = "application/problem+json"

// problemTypeBase prefixes the type URI of every Aurum problem; the part after
// it is a stable, documented slug (see openapi.yaml, components.schemas.Problem).
const problemTypeBase = "https://aurum.energy/problems/"

// Problem is an RFC 7807 error a handler returns to show the client what went
// wrong. Any error that is not (and does not wrap) a *Problem or an
// *echo.HTTPError becomes a 500 whose detail is generic; its text is logged.
type Problem struct {
	// Type is a URI naming the kind of problem; "about:blank" when it is
	// fully described by the status code.
	Type string
	// Title is a short summary of the kind, the same for every occurrence.
	Title string
	// Status is the HTTP status code.
	Status int
	// Detail explains this occurrence precisely (e.g. which parameter is bad).
	Detail string
	// Extensions are extra members, e.g. "invalid_params" or "checks".
	Extensions map[string]any
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int
	// Err is the underlying cause, logged but never sent to the client.
	Err error
}

// InvalidParam names one rejected request parameter and why.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

func (p *Problem) Error() string {
	if p.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", p.Status, p.Title, p.Detail, p.Err)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

func (p *Problem) Unwrap() error { return p.Err }

// NewProblem returns a problem of the given status with a precise detail.
// slug names the problem type (e.g. "not-found"); "" means about:blank.
func NewProblem(status int, slug, detail string) *Problem {
	typ := "about:blank"
	if slug != "" {
		typ = problemTypeBase + slug
	}
	return &Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// BadRequest is a 400 for a malformed request that is not about one parameter.
func BadRequest(detail string) *Problem {
	return NewProblem(http.StatusBadRequest, "bad-request", detail)
}

// InvalidParameter is a 400 naming the query, path or body parameter that was
// rejected and why, e.g. InvalidParameter("limit", "must be between 1 and 500").
func InvalidParameter(name, reason string) *Problem {
	p := NewProblem(http.StatusBadRequest, "invalid-parameter", fmt.Sprintf("parameter %q %s", name, reason))
	p.Title = "Invalid parameter"
	p.Extensions = map[string]any{"invalid_params": []InvalidParam{{Name: name, Reason: reason}}}
	return p
}

// NotFound is a 404 for a resource that does not exist (for this tenant).
func NotFound(detail string) *Problem {
	return NewProblem(http.StatusNotFound, "not-found", detail)
}

// Conflict is a 409, e.g. for a state transition that is not allowed.
func Conflict(detail string) *Problem {
	return NewProblem(http.StatusConflict, "conflict", detail)
}

// Unauthorized is a 401: the caller could not be authenticated.
func Unauthorized(detail string) *Problem {
	return NewProblem(http.StatusUnauthorized, "unauthorized", detail)
}

// Forbidden is a 403: the caller lacks a permission.
func Forbidden(detail string) *Problem {
	return NewProblem(http.StatusForbidden, "forbidden", detail)
}

// MarshalJSON writes the RFC 7807 members, the extensions, and request_id /
// instance when set by the error handler.
func (p *Problem) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extensions)+4)
	for k, v := range p.Extensions {
		m[k] = v
	}
	m["type"] = p.Type
	m["title"] = p.Title
	m["status"] = p.Status
	if p.Detail != "" {
		m["detail"] = p.Detail
	}
	return json.Marshal(m)
}

// problemBody is what the error handler sends: the problem plus the request's
// instance (its path) and request id.
type problemBody struct {
	*Problem
	Instance  string
	RequestID string
}

func (b problemBody) MarshalJSON() ([]byte, error) {
	ext := make(map[string]any, len(b.Extensions)+2)
	for k, v := range b.Extensions {
		ext[k] = v
	}
	ext["instance"] = b.Instance
	ext["request_id"] = b.RequestID
	p := *b.Problem
	p.Extensions = ext
	return p.MarshalJSON()
}

// toProblem maps any error to the problem sent to the client. It is the only
// place where errors become HTTP statuses.
func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var be *echo.BindingError
	if errors.As(err, &be) {
		ip := InvalidParameter(be.Field, fmt.Sprint(be.Message))
		ip.Err = be.Internal
		return ip
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromEchoError(he)
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this, but the log and metrics do.
		return &Problem{Type: "about:blank", Title: "Client Closed Request", Status: 499,
			Detail: "the request was cancelled", Err: err}
	}
	if p := unavailableProblem(err); p != nil {
		return p
	}
	return &Problem{Type: "about:blank", Title: http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError, Detail: "an internal error occurred; quote the request_id when reporting it", Err: err}
}

func fromEchoError(he *echo.HTTPError) *Problem {
	var slug string
	switch he.Code {
	case http.StatusNotFound:
		slug = "not-found"
	case http.StatusMethodNotAllowed:
		slug = "method-not-allowed"
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge:
		slug = "bad-request"
	}
	detail := fmt.Sprint(he.Message)
	if he.Code == http.StatusNotFound && errors.Is(he, echo.ErrNotFound) {
		detail = "no such endpoint"
	}
	if he.Code == http.StatusMethodNotAllowed {
		detail = "method not allowed on this endpoint"
	}
	p := NewProblem(he.Code, slug, detail)
	p.Err = he.Internal
	if he.Code >= 500 {
		p.Detail = "an internal error occurred; quote the request_id when reporting it"
		p.Err = he
	}
	return p
}

// handleError is Echo's HTTPErrorHandler: it writes err as problem+json and
// logs server-side failures with their cause.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// Headers are gone (e.g. a failing stream); all we can do is log.
		s.requestLogger(c).Warn("error after response started", slog.Any("error", err))
		return
	}
	p := toProblem(err)
	if p.Status >= 500 && p.Err != nil {
		s.requestLogger(c).Error("request failed", slog.Int("status", p.Status), slog.Any("error", p.Err))
	}
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	body := problemBody{Problem: p, Instance: truncate(c.Request().URL.Path, maxEchoLen), RequestID: requestID(c)}
	b, merr := json.Marshal(body)
	if merr != nil {
		s.requestLogger(c).Error("encode problem", slog.Any("error", merr))
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, MIMEProblemJSON)
		_ = c.NoContent(p.Status)
		return
	}
	if werr := c.Blob(p.Status, MIMEProblemJSON, b); werr != nil {
		s.requestLogger(c).Debug("write problem", slog.Any("error", werr))
	}
}
