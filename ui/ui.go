// Package ui is the curve workbench: a small web page, embedded in the
// binary, that the API serves at /ui. It draws forward curves, their
// day-over-day moves and strips, scenario runs and ISO and external series
// as SVG charts, fetching every number from the public API with the
// caller's own identity: the page is also an example client of the API.
//
// The page is plain HTML, CSS and JavaScript with no dependencies and no
// build step (static/). It learns how to authenticate its calls from
// attributes of its <html> element that Files fills in from Config.
package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"io/fs"
	"strings"
)

//go:embed static
var static embed.FS

// IndexName is the file of the page itself.
const IndexName = "index.html"

// Config tells the page how the API authenticates its calls.
type Config struct {
	// AuthMode is the API's authentication mode: none, forward or oidc.
	// Under oidc the page asks for a bearer token and sends it with every
	// call; under forward the proxy in front of both adds the identity.
	AuthMode string
	// Identity, when set, is the tenant, user and roles the page itself
	// sends as X-Aurum-Tenant, X-Aurum-User and X-Aurum-Roles in forward
	// or none mode. `aurum dev` sets it because no proxy stands in front
	// of it there; a production API leaves it empty.
	Identity *Identity
}

// Identity is who the page acts as when no proxy says it (Config.Identity).
type Identity struct {
	Tenant, User, Roles string
}

// Files returns the page's files by name (index.html, app.js, app.css),
// with cfg written into index.html.
func Files(cfg Config) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		name = strings.TrimPrefix(name, "static/")
		if name == IndexName {
			body = withConfig(body, cfg)
		}
		files[name] = body
		return nil
	})
	if err != nil {
		return nil, err
	}
	if files[IndexName] == nil {
		return nil, fmt.Errorf("ui: no %s embedded", IndexName)
	}
	return files, nil
}

// withConfig writes cfg as data- attributes of the page's <html> element,
// where the script reads them.
func withConfig(page []byte, cfg Config) []byte {
	attrs := []string{`data-auth-mode="` + html.EscapeString(cfg.AuthMode) + `"`}
	if id := cfg.Identity; id != nil {
		attrs = append(attrs,
			`data-tenant="`+html.EscapeString(id.Tenant)+`"`,
			`data-user="`+html.EscapeString(id.User)+`"`,
			`data-roles="`+html.EscapeString(id.Roles)+`"`)
	}
	return bytes.Replace(page, []byte(`<html lang="en">`),
		[]byte(`<html lang="en" `+strings.Join(attrs, " ")+`>`), 1)
}

// ContentSecurityPolicy is the policy the page is served with: everything
// from the page's own origin, nothing inline, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
