package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"auth mode", Config{Auth: AuthConfig{Mode: "ldap"}}, "AURUM_AUTH_MODE"},
		{"oidc issuer", Config{Auth: AuthConfig{Mode: AuthOIDC, Audience: "a", JWKSURL: "http://x/jwks"}}, "AURUM_OIDC_ISSUER"},
		{"oidc audience", Config{Auth: AuthConfig{Mode: AuthOIDC, Issuer: "http://x", JWKSURL: "http://x/jwks"}}, "AURUM_OIDC_AUDIENCE"},
		{"jwks url", Config{Auth: AuthConfig{Mode: AuthOIDC, Issuer: "i", Audience: "a", JWKSURL: "ftp://x"}}, "AURUM_OIDC_JWKS_URL"},
		{"rate", Config{RateLimit: RateLimitConfig{RequestsPerSecond: -1}}, "rate limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, Deps{Logger: discardLogger()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Addr: "127.0.0.1:0", Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	started := make(chan struct{})
	s.echo.GET("/test/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "done")
	})

	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); {
		if a := s.Addr(); a != nil {
			addr = a.String()
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if addr == "" {
		t.Fatal("server never listened")
	}

	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		resp.Body.Close()
		got <- result{status: resp.StatusCode}
	}()
	<-started
	cancel()

	r := <-got
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: status %d, err %v; want it to finish with 200", r.status, r.err)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if resp, err := http.Get("http://" + addr + "/health"); err == nil {
		resp.Body.Close()
		t.Fatal("server still accepts connections after shutdown")
	}
}
