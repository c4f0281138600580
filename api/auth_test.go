package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthNone(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	s.addTestRoutes()

	rec := s.do(t, http.MethodGet, "/v1/test/curves", nil)
	if got := firstRow(t, rec)["tenant"]; got != DefaultTenant {
		t.Fatalf("tenant = %v, want %s", got, DefaultTenant)
	}
	rec = s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "acme"})
	if got := firstRow(t, rec)["tenant"]; got != "acme" {
		t.Fatalf("tenant = %v, want acme", got)
	}
	if rec := s.do(t, http.MethodDelete, "/v1/test/scenarios/1", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("none mode grants every permission; DELETE = %d %s", rec.Code, rec.Body)
	}
}

func TestAuthForward(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthForward}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	s.addTestRoutes()

	for _, tc := range []struct {
		name   string
		method string
		path   string
		header map[string]string
		status int
	}{
		{"no tenant", http.MethodGet, "/v1/test/curves", map[string]string{HeaderRoles: "admin"}, http.StatusUnauthorized},
		{"bad tenant", http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "../x", HeaderRoles: "admin"}, http.StatusUnauthorized},
		{"no roles", http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "acme"}, http.StatusForbidden},
		{"viewer reads", http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "acme", HeaderUser: "ann", HeaderRoles: "viewer"}, http.StatusOK},
		{"permission as role", http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "acme", HeaderRoles: "scenarios:read, curves:read"}, http.StatusOK},
		{"analyst cannot delete", http.MethodDelete, "/v1/test/scenarios/1", map[string]string{HeaderTenant: "acme", HeaderRoles: "analyst"}, http.StatusForbidden},
		{"editor deletes", http.MethodDelete, "/v1/test/scenarios/1", map[string]string{HeaderTenant: "acme", HeaderRoles: "Editor"}, http.StatusNoContent},
		{"open routes need nothing", http.MethodGet, "/health", nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.method, tc.path, tc.header)
			if tc.status >= 400 {
				p := problemOf(t, rec, tc.status)
				if tc.status == http.StatusForbidden && !strings.Contains(p["detail"].(string), "permission") {
					t.Errorf("403 detail = %v", p["detail"])
				}
				return
			}
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
	rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "acme", HeaderUser: "ann", HeaderRoles: "viewer"})
	if row := firstRow(t, rec); row["tenant"] != "acme" || row["subject"] != "ann" {
		t.Fatalf("principal = %v", row)
	}
}

// issuer is a test OIDC issuer: an RSA and an EC signing key published as a
// JWKS by a local HTTP server.
type issuer struct {
	url    string
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
			"n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
			"x": b64(pad(ecKey.X.Bytes())), "y": b64(pad(ecKey.Y.Bytes()))},
	}})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/jwks.json"})
	})
	return &issuer{url: srv.URL, rsaKey: rsaKey, ecKey: ecKey}
}

const testAudience = "aurum-api"

// claims returns valid claims that a case then spoils.
func (iss *issuer) claims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": iss.url, "aud": testAudience, "sub": "user-1",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"tenant": "acme", "roles": []string{"viewer"},
	}
}

func (iss *issuer) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "rsa-1"
	s, err := tok.SignedString(iss.rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthOIDC(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t)
	s := newTestServer(t, Config{
		Auth:      AuthConfig{Mode: AuthOIDC, Issuer: iss.url, Audience: testAudience}, // JWKS URL discovered
		RateLimit: RateLimitConfig{Disabled: true},
	}, Deps{})
	s.addTestRoutes()

	spoil := func(f func(jwt.MapClaims)) string {
		c := iss.claims()
		f(c)
		return iss.sign(t, c)
	}
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims())
		tok.Header["kid"] = "rsa-1"
		s, _ := tok.SignedString(otherKey)
		return s
	}()
	es256 := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, iss.claims())
		tok.Header["kid"] = "ec-1"
		s, _ := tok.SignedString(iss.ecKey)
		return s
	}()
	hs256 := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, iss.claims())
		tok.Header["kid"] = "rsa-1"
		s, _ := tok.SignedString([]byte("secret"))
		return s
	}()

	for _, tc := range []struct {
		name       string
		token      string
		header     map[string]string
		status     int
		tenant     string
		detailWant string
	}{
		{name: "valid RS256", token: iss.sign(t, iss.claims()), status: 200, tenant: "acme"},
		{name: "valid ES256", token: es256, status: 200, tenant: "acme"},
		{name: "tenant from verified email domain", token: spoil(func(c jwt.MapClaims) {
			delete(c, "tenant")
			c["email"] = "bob@Example.COM"
			c["email_verified"] = true
		}), status: 200, tenant: "example.com"},
		{name: "unverified email chooses no tenant", token: spoil(func(c jwt.MapClaims) {
			delete(c, "tenant")
			c["email"] = "bob@victim.example"
			c["email_verified"] = false
		}), status: 401, detailWant: "tenant"},
		{name: "email without email_verified chooses no tenant", token: spoil(func(c jwt.MapClaims) {
			delete(c, "tenant")
			c["email"] = "bob@victim.example"
		}), status: 401, detailWant: "tenant"},
		{name: "header never names the tenant", token: spoil(func(c jwt.MapClaims) { delete(c, "tenant") }),
			header: map[string]string{HeaderTenant: "hdr-tenant"}, status: 401, detailWant: "tenant"},
		{name: "claim beats header", token: iss.sign(t, iss.claims()),
			header: map[string]string{HeaderTenant: "other"}, status: 200, tenant: "acme"},
		{name: "no tenant at all", token: spoil(func(c jwt.MapClaims) { delete(c, "tenant") }), status: 401, detailWant: "tenant"},
		{name: "tenant as a list", token: spoil(func(c jwt.MapClaims) { c["tenant"] = []string{"acme"} }),
			header: map[string]string{HeaderTenant: "hdr-tenant"}, status: 401, detailWant: "claim tenant"},
		{name: "tenant as a number", token: spoil(func(c jwt.MapClaims) { c["tenant"] = 42 }),
			header: map[string]string{HeaderTenant: "hdr-tenant"}, status: 401, detailWant: "claim tenant"},
		{name: "empty tenant", token: spoil(func(c jwt.MapClaims) {
			c["tenant"] = ""
			c["email"] = "bob@example.com"
			c["email_verified"] = true
		}), header: map[string]string{HeaderTenant: "hdr-tenant"}, status: 401, detailWant: "claim tenant"},
		{name: "missing token", status: 401, detailWant: "bearer token is required"},
		{name: "bad signature", token: forged, status: 401, detailWant: "signature"},
		{name: "HS256 rejected", token: hs256, status: 401},
		{name: "expired", token: spoil(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), status: 401, detailWant: "expired"},
		{name: "no exp", token: spoil(func(c jwt.MapClaims) { delete(c, "exp") }), status: 401, detailWant: "required claim exp"},
		{name: "no aud", token: spoil(func(c jwt.MapClaims) { delete(c, "aud") }), status: 401, detailWant: "required claim aud"},
		{name: "no iss", token: spoil(func(c jwt.MapClaims) { delete(c, "iss") }), status: 401, detailWant: "required claim iss"},
		{name: "nbf in future", token: spoil(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), status: 401, detailWant: "not valid yet"},
		{name: "wrong audience", token: spoil(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), status: 401, detailWant: "audience"},
		{name: "wrong issuer", token: spoil(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), status: 401, detailWant: "issuer"},
		{name: "garbage", token: "not.a.jwt", status: 401, detailWant: "malformed"},
		{name: "no permission", token: spoil(func(c jwt.MapClaims) { c["roles"] = []string{"guest"} }), status: 403},
		{name: "permission as role", token: spoil(func(c jwt.MapClaims) { c["roles"] = "openid curves:read" }),
			status: 200, tenant: "acme"},
		{name: "scope grants nothing", token: spoil(func(c jwt.MapClaims) {
			delete(c, "roles")
			c["scope"] = "openid curves:read"
			c["scp"] = []string{"curves:read"}
			c["permissions"] = []string{"curves:read"}
		}), status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			for k, v := range tc.header {
				h[k] = v
			}
			if tc.token != "" {
				h["Authorization"] = "Bearer " + tc.token
			}
			rec := s.do(t, http.MethodGet, "/v1/test/curves", h)
			if tc.status != http.StatusOK {
				p := problemOf(t, rec, tc.status)
				if !strings.Contains(p["detail"].(string), tc.detailWant) {
					t.Errorf("detail = %q, want it to mention %q", p["detail"], tc.detailWant)
				}
				return
			}
			if got := firstRow(t, rec)["tenant"]; got != tc.tenant {
				t.Fatalf("tenant = %v, want %s", got, tc.tenant)
			}
		})
	}

	// Roles grant per-route permissions: a viewer token cannot delete.
	rec := s.do(t, http.MethodDelete, "/v1/test/scenarios/1", map[string]string{"Authorization": "Bearer " + iss.sign(t, iss.claims())})
	problemOf(t, rec, http.StatusForbidden)
}

func TestAuthOIDCRolesClaim(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t)
	s := newTestServer(t, Config{
		Auth:      AuthConfig{Mode: AuthOIDC, Issuer: iss.url, Audience: testAudience, RolesClaim: "groups"},
		RateLimit: RateLimitConfig{Disabled: true},
	}, Deps{})
	s.addTestRoutes()
	get := func(claims jwt.MapClaims) *httptest.ResponseRecorder {
		return s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{"Authorization": "Bearer " + iss.sign(t, claims)})
	}
	c := iss.claims()
	c["groups"] = []string{"viewer"}
	delete(c, "roles")
	if rec := get(c); rec.Code != http.StatusOK {
		t.Fatalf("roles from the configured claim: status %d %s", rec.Code, rec.Body)
	}
	// The default claim grants nothing once another is configured.
	problemOf(t, get(iss.claims()), http.StatusForbidden)
}

// TestAuthDuplicateIdentityHeaders: a header sent twice is refused, so
// that a proxy appending its own value cannot be overridden by the
// client's, which would come first.
func TestAuthDuplicateIdentityHeaders(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{AuthNone, AuthForward} {
		s := newTestServer(t, Config{Auth: AuthConfig{Mode: mode}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
		s.addTestRoutes()
		for _, name := range []string{HeaderTenant, HeaderRoles, HeaderUser} {
			t.Run(mode+"/"+name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/v1/test/curves", nil)
				req.Header.Set(HeaderTenant, "acme")
				req.Header.Set(HeaderRoles, "viewer")
				req.Header.Set(HeaderUser, "ann")
				req.Header.Add(name, "other")
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != name {
					t.Errorf("invalid param %q, want %s: %s", got, name, rec.Body)
				}
			})
		}
	}
}

// firstRow returns data[0] of a 200 list envelope.
func firstRow(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	data, _ := decodeJSON(t, rec)["data"].([]any)
	if len(data) == 0 {
		t.Fatalf("no rows: %s", rec.Body)
	}
	return data[0].(map[string]any)
}
