package hub

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// The scopes and roles of each JupyterHub version. Sources, in short
// (testdata/jupyterhub-versions.md has them in full):
//   - 2.0: ekmixon/jupyterhub scopes.py, roles.py @56894926 (a fork at
//     2.0.0rc2). 2.1: changelog "Add missing read:metrics scope" (#3770, 2.1.0).
//   - 3.0: Debian's jupyterhub 3.0.0 (/usr/lib/python3/dist-packages/jupyterhub),
//     cross-checked by the tests; REST API spec rest-api-3.0.yml.
//   - 3.1.0.dev: luong-komorebi/jupyterhub @64704de2 (same scopes as 3.0).
//   - 4.x: derived from 3.x plus changelog 4.0.0 (no scope change listed).
//   - 5.x: scopes from rest-api-5.5.1.yml.
//   - 6.0: scopes from rest-api-6.0.0b2.yml ("start:servers ... (added in
//     JupyterHub 6)").

// added lists scope names that appear at a version. Keep in version order.
type added struct {
	major, minor int
	names        []string
}

// scopeHistory: the keys of jupyterhub.scopes.scope_definitions.
var scopeHistory = []added{
	// 2.0.0rc2 scopes.py (ekmixon/jupyterhub @56894926)
	{2, 0, []string{
		"(no_scope)", "self", "inherit",
		"admin:users", "admin:auth_state", "users", "delete:users", "list:users",
		"read:users", "read:users:name", "read:users:groups", "read:users:activity",
		"read:roles", "read:roles:users", "read:roles:services", "read:roles:groups",
		"users:activity",
		"admin:servers", "admin:server_state", "servers", "read:servers", "delete:servers",
		"tokens", "read:tokens",
		"admin:groups", "groups", "list:groups", "read:groups", "read:groups:name", "delete:groups",
		"list:services", "read:services", "read:services:name",
		"read:hub", "access:servers", "access:services", "proxy", "shutdown",
	}},
	{2, 1, []string{"read:metrics"}}, // changelog 2.1.0 #3770
	{3, 0, []string{"admin-ui"}},     // changelog 3.0.0 #3878; 3.0.0 scopes.py
	// Present in rest-api-5.5.1.yml. Placed at 5.0 (derived): sharing is
	// #4594 in the 5.0.0 changelog, and the services-API migration
	// 3c2384c5aae1 (from_config) precedes 5.0's 4621fec11365 (manage_roles).
	{5, 0, []string{"admin:services", "shares", "read:shares", "users:shares", "read:users:shares", "groups:shares", "read:groups:shares"}},
	{6, 0, []string{"start:servers"}}, // rest-api-6.0.0b2.yml
}

// Scopes returns, sorted, every scope name (without filters) that v defines;
// nil before 2.0. Custom scopes (3.0+, c.JupyterHub.custom_scopes) are not
// included.
func Scopes(v Version) []string {
	if !HasRBAC(v) {
		return nil
	}
	return collect(scopeHistory, v)
}

func collect(h []added, v Version) []string {
	var out []string
	for i, a := range h {
		if i == 0 || v.AtLeast(a.major, a.minor) {
			out = append(out, a.names...)
		}
	}
	slices.Sort(out)
	return out
}

// scopeSince returns the first version that defines scope, if any.
func scopeSince(scope string) (Version, bool) {
	for _, a := range scopeHistory {
		if slices.Contains(a.names, scope) {
			return Version{a.major, a.minor, 0}, true
		}
	}
	return Version{}, false
}

// ValidateScope checks one scope as a role's "scopes" entry or an
// oauth_client_allowed_scopes entry at v, the way _check_scopes_exist
// (3.0.0 scopes.py:636-667; roles._check_scopes in 2.0) does: the name
// must exist, and a filter must be !user, !user=NAME, !group=NAME,
// !service=NAME or !server=USER/NAME (exact !service and !server from 3.0).
// It is stricter than the Hub in one way: an empty filter value
// ("read:users!user=") is refused, since it matches nothing.
// Custom scopes ("custom:...") are refused: they exist only once defined
// in c.JupyterHub.custom_scopes, which this package does not see.
func ValidateScope(v Version, scope string) error {
	if !HasRBAC(v) {
		return fmt.Errorf("scope %q: JupyterHub %s has no scopes (they came with 2.0)", scope, v)
	}
	name, filter, hasFilter := strings.Cut(scope, "!")
	if name == "" {
		return fmt.Errorf("scope %q has no name (JupyterHub %s)", scope, v)
	}
	if !slices.Contains(Scopes(v), name) {
		switch {
		case name == "all":
			return fmt.Errorf("scope %q: the draft scope 'all' is now called 'inherit'; JupyterHub %s refuses 'all'", scope, v)
		case strings.HasPrefix(name, "custom:"):
			if !v.AtLeast(3, 0) {
				return fmt.Errorf("scope %q: custom scopes need JupyterHub 3.0 or later, not %s", scope, v)
			}
			return fmt.Errorf("scope %q: a custom scope exists only once defined in c.JupyterHub.custom_scopes (JupyterHub %s)", scope, v)
		}
		if since, ok := scopeSince(name); ok {
			return fmt.Errorf("scope %q does not exist in JupyterHub %s (it was added in %d.%d)", scope, v, since.Major, since.Minor)
		}
		return fmt.Errorf("scope %q does not exist in JupyterHub %s", scope, v)
	}
	if !hasFilter {
		return nil
	}
	kind, value, hasValue := strings.Cut(filter, "=")
	switch kind {
	case "user", "group", "service", "server":
	default:
		return fmt.Errorf("scope %q: unknown filter %q (JupyterHub %s knows !user, !group=, !service=, !server=)", scope, "!"+filter, v)
	}
	if !hasValue {
		switch {
		case kind == "user":
			return nil
		case (kind == "service" || kind == "server") && v.AtLeast(3, 0):
			return nil
		case kind == "group":
			return fmt.Errorf("scope %q: the !group filter needs a group name (!group=NAME) in JupyterHub %s", scope, v)
		default:
			return fmt.Errorf("scope %q: a bare !%s filter needs JupyterHub 3.0 or later, not %s; write !%s=NAME", scope, kind, v, kind)
		}
	}
	if value == "" {
		return fmt.Errorf("scope %q: the !%s= filter has an empty name, which matches nothing", scope, kind)
	}
	return nil
}

// roleNameRE is roles._role_name_pattern, the same from 2.0.0rc2 through
// 3.0.0 (roles.py:114); 4.x-6.0 derived (no change in any changelog).
// Python's re.match with a trailing $ also accepts one final "\n"; the
// \n? keeps that quirk so the pattern answers exactly as the Hub does.
// It is compiled on first use: the {1,253} repetition makes a large
// program, too slow to build at every start of hubctl.
var roleNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z][a-z0-9\-_~.]{1,253}[a-z0-9]\n?$`)
})

// RoleNameRE returns the Hub's role-name check at v (3-255 characters,
// lowercase ASCII letters, digits and -_~. , starting with a letter and
// ending with a letter or digit); nil before 2.0, which has no roles.
// roles.create_role raises ValueError("Invalid role name: ...") otherwise.
func RoleNameRE(v Version) *regexp.Regexp {
	if !HasRBAC(v) {
		return nil
	}
	return roleNameRE()
}

// DefaultRoles returns the roles every Hub at v defines (roles.get_default_roles),
// in the Hub's order. load_roles may override them, except that admin's
// description and scopes cannot change (3.0.0 roles.py:148-157).
func DefaultRoles(v Version) []string {
	if !HasRBAC(v) {
		return nil
	}
	return []string{"user", "admin", "server", "token"}
}
