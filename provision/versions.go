package provision

// What JupyterHub accepts in c.JupyterHub.services and c.JupyterHub.load_roles,
// per version. Every fact here was read from JupyterHub's own source at (or
// next to) that version, or is marked "derived" where no source of that exact
// version could be read; testdata/jupyterhub-versions.md lists the sources,
// the commits and the Hub's fatal startup checks line by line.
//
// Sources, in short:
//   - 1.x: jupyterhub/jupyterhub services/service.py @0063752a (1.0-era; has
//     internal_ssl), the oauth_no_confirm docstring ".. versionadded: 1.1" and
//     changelog 1.2.0 "Control service display #3160". No roles, no scopes.
//   - 2.0: ekmixon/jupyterhub @56894926 (a fork at 2.0.0rc2): scopes.py,
//     roles.py, services/service.py. 2.1: changelog "Add missing read:metrics
//     scope" (#3770, 2.1.0).
//   - 3.0: Debian's jupyterhub 3.0.0 (/usr/lib/python3/dist-packages/jupyterhub),
//     cross-checked by the tests; REST API spec rest-api-3.0.yml.
//   - 3.1.0.dev: luong-komorebi/jupyterhub @64704de2 (same scopes as 3.0).
//   - 4.x: derived from 3.x plus changelog 4.0.0 (no scope or service-key
//     change is listed there).
//   - 5.x: manics/jupyterhub services/service.py @74273c4b and app.py
//     @55f30169 (forks of 5.1+ main); scopes from rest-api-5.5.1.yml.
//   - 6.0: scopes from rest-api-6.0.0b2.yml ("start:servers ... (added in
//     JupyterHub 6)"); the service key "timeout" is derived from the alembic
//     migration be8ecf03ddac_service_timeout.py (services.timeout column,
//     created 2025-11-24, after every 5.x migration).

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// HubVersion is a JupyterHub release; pre-release and dev suffixes are dropped.
type HubVersion struct{ Major, Minor, Patch int }

var hubVersionRE = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:(?:a|b|rc)\d{1,4})?(?:\.post\d{1,4})?(?:\.dev\d{1,4})?(?:\+[0-9A-Za-z.]+)?$`)

// ParseHubVersion reads versions as JupyterHub prints them: "3.0.0", "5.2.1",
// "6.0.0b2", "5.0.0rc1", "4.1.0.dev0", "3.0" (patch 0), "v5.2.1".
func ParseHubVersion(s string) (HubVersion, error) {
	m := hubVersionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return HubVersion{}, fmt.Errorf("%q is not a JupyterHub version (want e.g. 5.2.1 or 6.0.0b2)", s)
	}
	var v HubVersion
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		v.Patch, _ = strconv.Atoi(m[3])
	}
	return v, nil
}

func (v HubVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v is major.minor or later.
func (v HubVersion) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// NewestStable is the newest stable release whose source could be confirmed:
// rest-api-5.5.1.yml and the 5.5.1 changelog (6.0 is at 6.0.0b2, a beta).
var NewestStable = HubVersion{5, 5, 1}

// HasRBAC reports whether v has roles and scopes (c.JupyterHub.load_roles);
// they came with 2.0.
func HasRBAC(v HubVersion) bool { return v.AtLeast(2, 0) }

// added lists names that appear at a version. Keep in version order.
type added struct {
	major, minor int
	names        []string
}

// serviceKeyHistory: the traits of jupyterhub.services.service.Service
// tagged input=True. init_services (3.0.0 app.py:2334-2338; 5.x
// service_from_spec) raises AttributeError("No such service field: %s")
// for any other key, and the Hub exits.
var serviceKeyHistory = []added{
	// 1.0-era service.py @0063752a
	{1, 0, []string{"name", "admin", "url", "api_token", "info", "command", "cwd", "environment", "user", "oauth_client_id", "oauth_redirect_uri"}},
	{1, 1, []string{"oauth_no_confirm"}},            // ".. versionadded: 1.1"
	{1, 2, []string{"display"}},                     // changelog 1.2.0, #3160
	{2, 0, []string{"oauth_roles"}},                 // 2.0.0rc2 service.py
	{3, 0, []string{"oauth_client_allowed_scopes"}}, // 3.0.0 service.py:210
	{6, 0, []string{"timeout"}},                     // derived: migration be8ecf03ddac
}

// ServiceKeys returns, sorted, every key a c.JupyterHub.services entry may
// have at v. Versions before 1.0 are treated as 1.0.
func ServiceKeys(v HubVersion) []string { return collect(serviceKeyHistory, v) }

// DeprecatedServiceKeys maps the keys v still accepts but has deprecated to
// the reason.
func DeprecatedServiceKeys(v HubVersion) map[string]string {
	m := map[string]string{}
	if v.AtLeast(2, 0) {
		// 3.0.0 app.py:2311-2318 logs this for a new service with admin: True
		// and grants it the admin role; 5.x service_from_spec does the same.
		// Removing admin: True later does not revoke the admin role
		// (init_role_assignment, app.py:2189-2196) [ran 3.0.0].
		m["admin"] = "deprecated in JupyterHub 2.0: give the service a role in c.JupyterHub.load_roles instead (admin: True puts it in the whole admin role, and dropping the key later does not take it out)"
	}
	if v.AtLeast(3, 0) {
		// 3.0.0 services/service.py:203-208, app.py:2369-2387
		m["oauth_roles"] = "deprecated in JupyterHub 3.0: use oauth_client_allowed_scopes (oauth_roles is ignored when both are set)"
	}
	return m
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
func Scopes(v HubVersion) []string {
	if !HasRBAC(v) {
		return nil
	}
	return collect(scopeHistory, v)
}

func collect(h []added, v HubVersion) []string {
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
func scopeSince(scope string) (HubVersion, bool) {
	for _, a := range scopeHistory {
		if slices.Contains(a.names, scope) {
			return HubVersion{a.major, a.minor, 0}, true
		}
	}
	return HubVersion{}, false
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
func ValidateScope(v HubVersion, scope string) error {
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
func RoleNameRE(v HubVersion) *regexp.Regexp {
	if !HasRBAC(v) {
		return nil
	}
	return roleNameRE()
}

// DefaultRoles returns the roles every Hub at v defines (roles.get_default_roles),
// in the Hub's order. load_roles may override them, except that admin's
// description and scopes cannot change (3.0.0 roles.py:148-157).
func DefaultRoles(v HubVersion) []string {
	if !HasRBAC(v) {
		return nil
	}
	return []string{"user", "admin", "server", "token"}
}

// CullScopes returns the least-privilege scopes for jupyterhub-idle-culler at
// v: list users, read their activity and servers, stop servers, and with
// cullUsers delete users. delete:users exists from 2.0 on (2.0.0rc2 and 3.0.0
// scopes.py), so admin:users is only the fallback should it be missing.
// Before 2.0 there are no scopes: the culler needs admin: True.
func CullScopes(v HubVersion, cullUsers bool) []string {
	if !HasRBAC(v) {
		return nil
	}
	out := []string{"list:users", "read:users:activity", "read:servers", "delete:servers"}
	if cullUsers {
		if slices.Contains(Scopes(v), "delete:users") {
			out = append(out, "delete:users")
		} else {
			out = append(out, "admin:users")
		}
	}
	return out
}
