package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
)

// allowedAlgs are the JWS algorithms accepted; anything else (none, HS*) is
// rejected before a key is looked up.
var allowedAlgs = []string{"RS256", "ES256"}

// oidcVerifier checks bearer JWTs: signature against the issuer's JWKS
// (refreshed in the background by keyfunc), exp, nbf, iss and aud.
type oidcVerifier struct {
	parser *jwt.Parser
	keys   keyfunc.Keyfunc
}

// newOIDCVerifier starts fetching the JWKS; the refresh goroutine lives
// until ctx is cancelled.
func newOIDCVerifier(ctx context.Context, cfg AuthConfig, logger *slog.Logger) (*oidcVerifier, error) {
	jwksURL := cfg.JWKSURL
	if jwksURL == "" {
		u, err := discoverJWKSURL(ctx, cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("AURUM_OIDC_JWKS_URL is empty and discovery failed: %w", err)
		}
		jwksURL = u
	}
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{
		HTTPTimeout: 10 * time.Second,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				logger.WarnContext(ctx, "refresh OIDC JWKS", slog.String("url", u), slog.Any("error", err))
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", jwksURL, err)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods(allowedAlgs),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
	)
	return &oidcVerifier{parser: parser, keys: keys}, nil
}

// discoverJWKSURL reads jwks_uri from the issuer's discovery document.
func discoverJWKSURL(ctx context.Context, issuer string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return "", fmt.Errorf("decode %s: %w", u, err)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("%s has no jwks_uri", u)
	}
	return doc.JWKSURI, nil
}

// authenticate verifies the bearer token and derives the principal: tenant
// from the "tenant" claim, else the domain of the "email" claim, else the
// X-Aurum-Tenant header; permissions from the "roles", "permissions",
// "scope" and "scp" claims (see PermissionsForRoles).
func (v *oidcVerifier) authenticate(c echo.Context) (Principal, error) {
	raw, err := bearerToken(c)
	if err != nil {
		return Principal{}, err
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, v.keys.KeyfuncCtx(c.Request().Context())); err != nil {
		p := Unauthorized(tokenErrorDetail(err))
		p.Err = err
		return Principal{}, p
	}

	email := claimString(claims, "email")
	tenant := claimString(claims, "tenant")
	if tenant == "" {
		if _, domain, ok := strings.Cut(email, "@"); ok {
			tenant = strings.ToLower(domain)
		}
	}
	if tenant == "" {
		tenant = c.Request().Header.Get(HeaderTenant)
	}
	if tenant == "" {
		return Principal{}, Unauthorized(fmt.Sprintf("token has no tenant or email claim and no %s header was sent", HeaderTenant))
	}
	if !validTenant.MatchString(tenant) {
		return Principal{}, Unauthorized("invalid tenant id")
	}

	subject := claimString(claims, "sub")
	if subject == "" {
		subject = email
	}
	var roles []string
	for _, name := range []string{"roles", "permissions", "scope", "scp"} {
		roles = append(roles, claimList(claims, name)...)
	}
	return Principal{Tenant: tenant, Subject: subject, Roles: roles, Permissions: PermissionsForRoles(roles)}, nil
}

// tokenErrorDetail says why a token was rejected without echoing it.
func tokenErrorDetail(err error) string {
	for _, c := range []struct {
		err    error
		detail string
	}{
		{jwt.ErrTokenMalformed, "bearer token is malformed"},
		{jwt.ErrTokenSignatureInvalid, "bearer token signature is invalid"},
		{jwt.ErrTokenExpired, "bearer token has expired"},
		{jwt.ErrTokenNotValidYet, "bearer token is not valid yet (nbf)"},
		{jwt.ErrTokenInvalidIssuer, "bearer token has the wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "bearer token has the wrong audience"},
		{jwt.ErrTokenRequiredClaimMissing, "bearer token lacks a required claim (exp)"},
		{jwt.ErrTokenUnverifiable, "bearer token cannot be verified (unknown key or algorithm)"},
	} {
		if errors.Is(err, c.err) {
			return c.detail
		}
	}
	return "bearer token is invalid"
}

func claimString(claims jwt.MapClaims, name string) string {
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}

// claimList reads a claim that is either a list of strings or one string
// of space- or comma-separated values (as OAuth "scope" is).
func claimList(claims jwt.MapClaims, name string) []string {
	switch v := claims[name].(type) {
	case string:
		return splitList(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
