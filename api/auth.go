package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// Headers set by an authenticating proxy (forward mode) or, in none mode, by
// anybody.
const (
	HeaderTenant = "X-Aurum-Tenant"
	HeaderUser   = "X-Aurum-User"
	HeaderRoles  = "X-Aurum-Roles" // comma- or space-separated
)

// DefaultTenant is the tenant of unauthenticated callers in none mode.
const DefaultTenant = "default"

// validTenant bounds tenant ids to what is safe in keys, logs and SQL settings.
var validTenant = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// authenticator establishes who is calling; an error is a *Problem (401).
type authenticator func(c echo.Context) (Principal, error)

// authMiddleware authenticates the caller of a protected route and puts the
// Principal in the request context; the request logger gains the tenant.
func (s *Server) authMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.authenticate(c)
		if err != nil {
			return err
		}
		ctx := ContextWithPrincipal(c.Request().Context(), p)
		ctx = telemetry.ContextWithLogger(ctx, s.requestLogger(c).With(slog.String("tenant", p.Tenant)))
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// RequirePermission is route middleware answering 403 when the caller lacks
// perm. It runs after authMiddleware.
func RequirePermission(perm Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := PrincipalFrom(c.Request().Context())
			if !ok {
				return Unauthorized("authentication required")
			}
			if !p.Can(perm) {
				return Forbidden(fmt.Sprintf("permission %q required", perm))
			}
			return next(c)
		}
	}
}

// authNone lets everybody in with every permission.
func authNone(c echo.Context) (Principal, error) {
	id, err := identityHeaders(c.Request().Header)
	if err != nil {
		return Principal{}, err
	}
	if id.tenant == "" {
		id.tenant = DefaultTenant
	}
	if !validTenant.MatchString(id.tenant) {
		return Principal{}, Unauthorized(fmt.Sprintf("header %s: invalid tenant id", HeaderTenant))
	}
	if id.user == "" {
		id.user = "anonymous"
	}
	return Principal{Tenant: id.tenant, Subject: id.user, Roles: []string{"admin"}, Permissions: AllPermissions}, nil
}

// authForward trusts the identity headers of a fronting proxy, which must
// strip them from client requests. Without a tenant the request is 401;
// without roles it is authenticated but may do nothing (403 everywhere).
func authForward(c echo.Context) (Principal, error) {
	id, err := identityHeaders(c.Request().Header)
	if err != nil {
		return Principal{}, err
	}
	if id.tenant == "" {
		return Principal{}, Unauthorized(fmt.Sprintf("header %s is required", HeaderTenant))
	}
	if !validTenant.MatchString(id.tenant) {
		return Principal{}, Unauthorized(fmt.Sprintf("header %s: invalid tenant id", HeaderTenant))
	}
	roles := splitList(id.roles)
	return Principal{Tenant: id.tenant, Subject: id.user, Roles: roles, Permissions: PermissionsForRoles(roles)}, nil
}

// identity is what the identity headers of a request say; "" where absent.
type identity struct{ tenant, user, roles string }

// identityHeaders reads the identity headers, each of which may be sent
// once: a proxy that appends its header to the client's would otherwise
// let the client's come first and choose the tenant or roles.
func identityHeaders(h http.Header) (identity, error) {
	var id identity
	for _, f := range []struct {
		name string
		dst  *string
	}{{HeaderTenant, &id.tenant}, {HeaderUser, &id.user}, {HeaderRoles, &id.roles}} {
		vals := h.Values(f.name)
		if len(vals) > 1 {
			return identity{}, InvalidParameter(f.name, fmt.Sprintf("is sent %d times; send it once", len(vals)))
		}
		if len(vals) == 1 {
			*f.dst = vals[0]
		}
	}
	return id, nil
}

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(c echo.Context) (string, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return "", Unauthorized("a bearer token is required")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", Unauthorized("Authorization header must be \"Bearer <token>\"")
	}
	return strings.TrimSpace(token), nil
}
