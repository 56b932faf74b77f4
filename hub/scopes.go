package hub

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// The scopes and roles of each JupyterHub version, read from
// jupyterhub/scopes.py (the keys of scope_definitions and their subscopes)
// and roles.py (get_default_roles, _role_name_pattern) at every release tag
// from 2.0.0 to 6.0.0b2 of github:jupyterhub/jupyterhub; 1.5.0 has neither
// file. The scopes change only at 2.1.0, 3.0.0, 5.0.0 (first in 5.0.0b1) and
// 6.0.0 (first in 6.0.0b1); main after 6.0.0b2 (2841153d) has the same 48.
// testdata/jupyterhub-versions.md lists the tags and lines.

// added lists scope names that appear at a version. Keep in version order.
type added struct {
	major, minor int
	names        []string
}

// scopeHistory: the keys of jupyterhub.scopes.scope_definitions.
var scopeHistory = []added{
	// 2.0.0 scopes.py:27-134 (2.0.0b1 still had the draft "all" and no
	// delete:users, delete:servers, delete:groups, inherit)
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
	{2, 1, []string{"read:metrics"}}, // 2.1.0 scopes.py:27-137
	{3, 0, []string{"admin-ui"}},     // 3.0.0 scopes.py:35-149
	// 5.0.0 scopes.py:36-184 (first in 5.0.0b1; 4.1.6 has the 40 of 3.0.0)
	{5, 0, []string{"admin:services", "shares", "read:shares", "users:shares", "read:users:shares", "groups:shares", "read:groups:shares"}},
	{6, 0, []string{"start:servers"}}, // 6.0.0b1 and 6.0.0b2 scopes.py:39-190
}

// subscopeHistory: scope_definitions[scope]["subscopes"], for the scopes
// that have any; a later entry replaces an earlier one's list. A token
// holding a scope holds its subscopes, transitively (scopes.expand_scopes).
var subscopeHistory = []struct {
	major, minor int
	subscopes    map[string][]string
}{
	// 2.0.0 scopes.py; the same through 4.1.6
	{2, 0, map[string][]string{
		"admin:users":    {"admin:auth_state", "users", "read:roles:users", "delete:users"},
		"users":          {"read:users", "list:users", "users:activity"},
		"list:users":     {"read:users:name"},
		"read:users":     {"read:users:name", "read:users:groups", "read:users:activity"},
		"read:roles":     {"read:roles:users", "read:roles:services", "read:roles:groups"},
		"users:activity": {"read:users:activity"},
		"admin:servers":  {"admin:server_state", "servers"},
		"servers":        {"read:servers", "delete:servers"},
		"read:servers":   {"read:users:name"},
		"tokens":         {"read:tokens"},
		"admin:groups":   {"groups", "read:roles:groups", "delete:groups"},
		"groups":         {"read:groups", "list:groups"},
		"list:groups":    {"read:groups:name"},
		"read:groups":    {"read:groups:name"},
		"list:services":  {"read:services:name"},
		"read:services":  {"read:services:name"},
	}},
	// 5.0.0 scopes.py
	{5, 0, map[string][]string{
		"admin:services": {"list:services", "read:services", "read:roles:services"},
		"users:shares":   {"read:users:shares"},
		"groups:shares":  {"read:groups:shares"},
		"shares":         {"access:servers", "read:shares", "users:shares", "groups:shares"},
	}},
	// 6.0.0b1 scopes.py: servers also grants start:servers
	{6, 0, map[string][]string{
		"servers": {"read:servers", "start:servers", "delete:servers"},
	}},
}

// Subscopes returns the scopes that holding scope (a name, without a
// filter) also grants at v, directly: nil when it grants nothing more.
func Subscopes(v Version, scope string) []string {
	var out []string
	if !HasRBAC(v) {
		return nil
	}
	for _, h := range subscopeHistory {
		if v.AtLeast(h.major, h.minor) {
			if subs, ok := h.subscopes[scope]; ok {
				out = subs
			}
		}
	}
	return slices.Clone(out)
}

// ExpandScopes returns, sorted and without filters, every scope that
// holding scopes grants at v: the scopes themselves and, transitively,
// their subscopes. A filtered scope ("read:servers!user=alice") counts as
// its name, so the result says what kinds of access are held, not for whom.
func ExpandScopes(v Version, scopes []string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(s string) {
		if seen[s] {
			return
		}
		seen[s] = true
		for _, sub := range Subscopes(v, s) {
			walk(sub)
		}
	}
	for _, s := range scopes {
		name, _, _ := strings.Cut(s, "!")
		walk(name)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
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
// oauth_client_allowed_scopes entry at v, the way the Hub does: the name
// must exist, and a filter must be !user, !user=NAME, !group=NAME,
// !service=NAME or !server=USER/NAME. 2.x (roles._check_scopes, 2.0.0
// roles.py:209-240, the same in 2.3.1) accepts a filter when any of
// '!user=', '!service=', '!group=', '!server=', '!user' is a substring of the
// scope; 3.0 (scopes._check_scopes_exist, 3.0.0 scopes.py:636-667, the same
// through 6.0.0b2 scopes.py:816-848) wants one of the exact filters !user,
// !service, !server or a prefix !user=, !service=, !group=, !server=. From
// 5.0 the error is ScopeNotFound, a KeyError (5.0.0b1 scopes.py).
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

// roleNameRE is roles._role_name_pattern, the same at every tag from 2.0.0
// (roles.py:262) through 3.0.0 (roles.py:114), 4.1.6 (roles.py:115) and
// 5.0.0 to 6.0.0b2 (roles.py:117).
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

// DefaultRoles returns the roles every Hub at v defines, in the Hub's order
// (roles.get_default_roles: 2.0.0 roles.py:14, 3.0.0 roles.py:13, 5.2.1 and
// 6.0.0b2 roles.py:14). load_roles may override them, except that admin's
// description and scopes cannot change (3.0.0 roles.py:148-157, 5.2.1
// roles.py:167-176).
func DefaultRoles(v Version) []string {
	if !HasRBAC(v) {
		return nil
	}
	return []string{"user", "admin", "server", "token"}
}
