package api

import (
	"slices"
	"strings"
)

// Permission is one capability a caller may hold.
type Permission string

// The permissions of docs/CONTRACTS.md#permissions.
const (
	PermCurvesRead      Permission = "curves:read"
	PermScenariosRead   Permission = "scenarios:read"
	PermScenariosWrite  Permission = "scenarios:write"
	PermScenariosRun    Permission = "scenarios:run"
	PermScenariosDelete Permission = "scenarios:delete"
)

// AllPermissions lists every permission.
var AllPermissions = []Permission{
	PermCurvesRead, PermScenariosRead, PermScenariosWrite, PermScenariosRun, PermScenariosDelete,
}

// Roles grant permissions. A role or scope that is itself a permission name
// (e.g. "scenarios:run") grants exactly that permission; these named roles
// grant bundles:
//
//	viewer   curves:read scenarios:read
//	analyst  viewer + scenarios:run
//	editor   analyst + scenarios:write scenarios:delete
//	admin    every permission
//
// Role names are matched case-insensitively; unknown roles grant nothing.
var rolePermissions = map[string][]Permission{
	"viewer":  {PermCurvesRead, PermScenariosRead},
	"analyst": {PermCurvesRead, PermScenariosRead, PermScenariosRun},
	"editor":  {PermCurvesRead, PermScenariosRead, PermScenariosRun, PermScenariosWrite, PermScenariosDelete},
	"admin":   AllPermissions,
}

// PermissionsForRoles returns the permissions granted by roles (role names,
// permission names or OAuth scopes), sorted and without duplicates.
func PermissionsForRoles(roles []string) []Permission {
	var out []Permission
	for _, r := range roles {
		r = strings.ToLower(strings.TrimSpace(r))
		if perms, ok := rolePermissions[r]; ok {
			out = append(out, perms...)
			continue
		}
		if slices.Contains(AllPermissions, Permission(r)) {
			out = append(out, Permission(r))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// splitList splits a comma- or space-separated header or claim value.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}
