package api

import (
	"context"
	"slices"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	// Tenant scopes every tenant-owned row the request touches.
	Tenant string
	// Subject identifies the user (X-Aurum-User, or the token's sub/email).
	Subject string
	// Roles as presented by the proxy or token.
	Roles []string
	// Permissions granted, from the roles (see PermissionsForRoles).
	Permissions []Permission
}

// Can reports whether the principal holds p.
func (p Principal) Can(perm Permission) bool {
	return slices.Contains(p.Permissions, perm)
}

type principalKey struct{}

// ContextWithPrincipal returns ctx carrying p.
func ContextWithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the authenticated caller of the request ctx belongs
// to; ok is false on open routes.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
