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
	// rolesClaim names the claim holding the caller's roles.
	rolesClaim string
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
	return &oidcVerifier{parser: parser, keys: keys, rolesClaim: cfg.RolesClaim}, nil
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

// authenticate verifies the bearer token and derives the principal from
// the token alone: the tenant from the "tenant" claim, else the domain of a
// verified "email" claim; the roles from the configured roles claim
// (PermissionsForRoles). Identity headers are ignored: in this mode they
// come from the caller, who must not pick its own tenant.
func (v *oidcVerifier) authenticate(c echo.Context) (Principal, error) {
	raw, err := bearerToken(c)
	if err != nil {
		return Principal{}, err
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, v.keys.KeyfuncCtx(c.Request().Context())); err != nil {
		p := Unauthorized(tokenErrorDetail(err, claims))
		p.Err = err
		return Principal{}, p
	}
	tenant, err := tokenTenant(claims)
	if err != nil {
		return Principal{}, err
	}
	subject := claimString(claims, "sub")
	if subject == "" {
		subject = claimString(claims, "email")
	}
	roles := claimList(claims, v.rolesClaim)
	return Principal{Tenant: tenant, Subject: subject, Roles: roles, Permissions: PermissionsForRoles(roles)}, nil
}

// tokenTenant returns the tenant a verified token names: its "tenant"
// claim when present, which must then be a valid tenant id (a malformed
// one is refused rather than passed over for the email), else the domain
// of its email when the issuer says it verified that address.
func tokenTenant(claims jwt.MapClaims) (string, error) {
	if v, ok := claims["tenant"]; ok {
		tenant, _ := v.(string)
		if !validTenant.MatchString(tenant) {
			return "", Unauthorized("bearer token: claim tenant must be a tenant id (a non-empty string of letters, digits, '.', '_' and '-')")
		}
		return tenant, nil
	}
	if verified, _ := claims["email_verified"].(bool); verified {
		if _, domain, ok := strings.Cut(claimString(claims, "email"), "@"); ok {
			tenant := strings.ToLower(domain)
			if !validTenant.MatchString(tenant) {
				return "", Unauthorized("bearer token: the domain of claim email is not a valid tenant id")
			}
			return tenant, nil
		}
	}
	return "", Unauthorized("bearer token names no tenant: it needs a tenant claim or a verified email (email_verified: true)")
}

// tokenErrorDetail says why a token was rejected without echoing it;
// claims are the token's, as far as they could be read.
func tokenErrorDetail(err error, claims jwt.MapClaims) string {
	if errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		// The parser requires exp and, being configured with both, iss and
		// aud; name the one this token lacks.
		for _, name := range []string{"exp", "iss", "aud"} {
			if claimEmpty(claims[name]) {
				return fmt.Sprintf("bearer token lacks the required claim %s", name)
			}
		}
		return "bearer token lacks a required claim"
	}
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
		{jwt.ErrTokenUnverifiable, "bearer token cannot be verified (unknown key or algorithm)"},
	} {
		if errors.Is(err, c.err) {
			return c.detail
		}
	}
	return "bearer token is invalid"
}

// claimEmpty reports whether a claim's value is missing, null, "" or [].
func claimEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
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
