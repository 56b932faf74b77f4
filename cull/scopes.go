package cull

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hubctl/hubctl/hub"
)

// CullerFlags is what of a policy, its flags and its rules, changes the
// scopes the culler's token needs: the one source for the preset's role
// (`hubctl service add cull-idle`), the scope check a pass starts with and
// `hubctl check`.
func CullerFlags(p *Policy) hub.CullerFlags {
	return hub.CullerFlags{CullUsers: p.CullUsers, GroupRules: needsGroups(p.Rules), CheckKernels: p.CheckKernels}
}

// requiredScopes are the scopes a culler's token needs for a policy
// (hub.CullerScopes), each an alternative set: any one scope of a set will do.
func requiredScopes(p *Policy) [][]string {
	return hub.CullerScopes(CullerFlags(p))
}

// LackingScopes returns the scopes the culler runs without but should have
// for a policy (hub.CullerWantedScopes) that the token does not hold.
func LackingScopes(id *Identity, p *Policy) []hub.WantedScopes {
	if id.Scopes == nil {
		return nil // before 2.0 the token is an admin's, which sees everything
	}
	var out []hub.WantedScopes
	for _, w := range hub.CullerWantedScopes(CullerFlags(p)) {
		if !slices.ContainsFunc(w.Scopes, func(s string) bool { return slices.Contains(id.Scopes, s) }) {
			out = append(out, w)
		}
	}
	return out
}

// warnWanted logs, once while it lasts, what the culler cannot do for want
// of a scope.
func (c *Culler) warnWanted(id *Identity) {
	var now []string
	for _, w := range LackingScopes(id, &c.Policy) {
		now = append(now, strings.Join(w.Scopes, " or "))
		if c.lacking == "" {
			c.logger().Warn("the token lacks a scope the culler should have", "scopes", strings.Join(w.Scopes, " or "),
				"without", w.Without, "hint", "grant "+w.Scopes[0]+" to "+c.owner.Kind+" "+c.owner.Name+" (hubctl service add cull-idle --replace writes it)")
		}
	}
	c.lacking = strings.Join(now, ", ")
}

// MissingScopes returns, for each required set the token does not cover,
// the set's names joined with " or ".
func MissingScopes(id *Identity, p *Policy) []string {
	if id.Scopes == nil {
		// A Hub before 2.0 has no scopes: the token must be an admin's.
		if id.Admin {
			return nil
		}
		return []string{"admin"}
	}
	var missing []string
	for _, alts := range requiredScopes(p) {
		if !slices.ContainsFunc(alts, func(s string) bool { return slices.Contains(id.Scopes, s) }) {
			missing = append(missing, strings.Join(alts, " or "))
		}
	}
	return missing
}

// ScopeError says which scopes the culler's token lacks and how to grant them.
type ScopeError struct {
	Kind, Name string // whom the token belongs to (GET /user): "service" or "user", and a name
	Missing    []string
	Policy     *Policy
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("the API token (%s %s) lacks the scopes %s, which the culler needs", Escape(e.Kind), Escape(e.Name), strings.Join(e.Missing, ", "))
}

// Hint says how to grant the scopes to whoever owns the token, with the
// role name `hubctl service add` would write (hub.RoleName).
func (e *ScopeError) Hint() string {
	if len(e.Missing) == 1 && e.Missing[0] == "admin" {
		if e.Kind == "user" {
			return "on JupyterHub before 2.0 the token's user " + Escape(e.Name) + " must be an admin (c.Authenticator.admin_users), or run the culler as a service with 'admin': True"
		}
		return "on JupyterHub before 2.0 the service " + Escape(e.Name) + " needs 'admin': True in c.JupyterHub.services"
	}
	var scopes []string
	for _, alts := range requiredScopes(e.Policy) {
		scopes = append(scopes, alts[0])
	}
	switch e.Kind {
	case "service":
		return "grant them with a role in jupyterhub_config.py: " + RoleHint(e.Kind, e.Name, scopes) + ", then restart the Hub"
	case "user":
		return "the token is user " + Escape(e.Name) + "'s, not a service's: grant the scopes to the user with a role in jupyterhub_config.py: " + RoleHint(e.Kind, e.Name, scopes) +
			", then restart the Hub; or run the culler as a service with a token of its own (`hubctl service add cull-idle --admin`)"
	}
	return "grant them to the token's owner with a role in c.JupyterHub.load_roles, then restart the Hub"
}

// RoleHint is the c.JupyterHub.load_roles line to paste into
// jupyterhub_config.py that grants scopes to the token's owner, kind
// "user" or otherwise a service, under the role name `hubctl service add`
// would write (hub.RoleName). Every string in it is a Python literal with
// control characters escaped (pyStr).
func RoleHint(kind, name string, scopes []string) string {
	members := "services"
	if kind == "user" {
		members = "users"
	}
	quoted := make([]string, len(scopes))
	for i, s := range scopes {
		quoted[i] = pyStr(s)
	}
	return "c.JupyterHub.load_roles = [{'name': " + pyStr(hub.RoleName(name)) + ", 'scopes': [" + strings.Join(quoted, ", ") + "], '" + members + "': [" + pyStr(name) + "]}]"
}

// pyStr is s as a Python string literal, for a hint to paste into
// jupyterhub_config.py.
func pyStr(s string) string {
	return "'" + Escape(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)) + "'"
}
