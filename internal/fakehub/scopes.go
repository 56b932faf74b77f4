package fakehub

import (
	"fmt"
	"sort"
	"strings"
)

// scopeSubscopes mirrors scope_definitions in jupyterhub/scopes.py (3.0):
// each scope and the subscopes it implies. Scopes without subscopes map to nil.
var scopeSubscopes = map[string][]string{
	"(no_scope)":          nil,
	"self":                nil,
	"inherit":             nil,
	"admin-ui":            nil,
	"admin:users":         {"admin:auth_state", "users", "read:roles:users", "delete:users"},
	"admin:auth_state":    nil,
	"users":               {"read:users", "list:users", "users:activity"},
	"delete:users":        nil,
	"list:users":          {"read:users:name"},
	"read:users":          {"read:users:name", "read:users:groups", "read:users:activity"},
	"read:users:name":     nil,
	"read:users:groups":   nil,
	"read:users:activity": nil,
	"read:roles":          {"read:roles:users", "read:roles:services", "read:roles:groups"},
	"read:roles:users":    nil,
	"read:roles:services": nil,
	"read:roles:groups":   nil,
	"users:activity":      {"read:users:activity"},
	"admin:servers":       {"admin:server_state", "servers"},
	"admin:server_state":  nil,
	"servers":             {"read:servers", "delete:servers"},
	"read:servers":        {"read:users:name"},
	"delete:servers":      nil,
	"tokens":              {"read:tokens"},
	"read:tokens":         nil,
	"admin:groups":        {"groups", "read:roles:groups", "delete:groups"},
	"groups":              {"read:groups", "list:groups"},
	"list:groups":         {"read:groups:name"},
	"read:groups":         {"read:groups:name"},
	"read:groups:name":    nil,
	"delete:groups":       nil,
	"list:services":       {"read:services:name"},
	"read:services":       {"read:services:name"},
	"read:services:name":  nil,
	"read:hub":            nil,
	"access:servers":      nil,
	"access:services":     nil,
	"proxy":               nil,
	"shutdown":            nil,
	"read:metrics":        nil,
}

// adminRoleScopes is the 'admin' default role of roles.py get_default_roles().
// 3.0 has no "admin" *scope*; the fake accepts "admin" (and "inherit", whose
// owner's roles the fake does not model) as this role's scopes.
var adminRoleScopes = []string{
	"admin-ui", "admin:users", "admin:servers", "tokens", "admin:groups",
	"list:services", "read:services", "read:hub", "proxy", "shutdown",
	"access:services", "access:servers", "read:roles", "read:metrics",
}

// selfScopes mirrors scopes.py _expand_self_scope: the 'self' metascope of a
// user, filtered on that user.
var selfScopes = []string{
	"read:users", "read:users:name", "read:users:groups", "users:activity",
	"read:users:activity", "servers", "delete:servers", "read:servers",
	"tokens", "read:tokens", "access:servers",
}

// checkScopeNames panics on a scope name the Hub does not know, as
// scopes.py _check_scopes_exist refuses to create such a token.
func checkScopeNames(scopes []string) {
	for _, s := range scopes {
		base, filter, hasFilter := strings.Cut(s, "!")
		if base == "admin" && !hasFilter {
			continue
		}
		if _, ok := scopeSubscopes[base]; !ok {
			panic(fmt.Sprintf("fakehub: unknown scope %q", s))
		}
		if hasFilter {
			switch {
			case filter == "user" || filter == "service" || filter == "server":
			case strings.HasPrefix(filter, "user="), strings.HasPrefix(filter, "service="),
				strings.HasPrefix(filter, "group="), strings.HasPrefix(filter, "server="):
			default:
				panic(fmt.Sprintf("fakehub: unknown scope filter in %q", s))
			}
		}
	}
}

// subScope is one entry of scopes.parse_scopes: either Scope.ALL or a map
// filter kind ("user", "server", "group", "service") -> names.
type subScope struct {
	all bool
	f   map[string]map[string]bool
}

type parsedScopes map[string]*subScope

// expandTokenScopes turns a token's raw scopes into the reduced, expanded set
// the Hub computes in scopes.get_scopes_for(orm.APIToken): expand_scopes
// (subscopes, !user/!service filter replacement, 'self'), plus the owner's
// identify scopes (scopes.py get_scopes_for: token_scopes.update(identify_scopes(owner))),
// then reduce_scopes. The fake does not intersect with the owner's roles.
func expandTokenScopes(raw []string, owner Owner) map[string]bool {
	out := map[string]bool{}
	// scopes.py _expand_scope: a scope and all its subscopes, with the
	// !filter reapplied to each
	var names func(name string, into map[string]bool)
	names = func(name string, into map[string]bool) {
		into[name] = true
		for _, sub := range scopeSubscopes[name] {
			names(sub, into)
		}
	}
	add := func(base, filter string) {
		local := map[string]bool{}
		names(base, local)
		anyRead := false
		for n := range local {
			if filter != "" {
				out[n+"!"+filter] = true
			} else {
				out[n] = true
			}
			anyRead = anyRead || strings.HasPrefix(n, "read:")
		}
		// special handling of server filter: any read access via a server
		// filter includes permission to read the user's name
		if res, val, ok := strings.Cut(filter, "="); ok && res == "server" && anyRead {
			u, _, _ := strings.Cut(val, "/")
			out["read:users:name!user="+u] = true
		}
	}
	isUser := owner.Kind != "service"
	for _, s := range raw {
		base, filter, _ := strings.Cut(s, "!")
		if base == "admin" || base == "inherit" {
			for _, a := range adminRoleScopes {
				add(a, "")
			}
			if base == "inherit" && isUser {
				// a user's own roles always include 'self' (default 'user' role)
				add("self", "")
			}
			continue
		}
		add(base, filter)
	}
	// expand_scopes: translate !user / !service / !server without a value
	for k := range out {
		n, f, ok := strings.Cut(k, "!")
		if !ok {
			continue
		}
		switch f {
		case "user":
			delete(out, k)
			if isUser {
				out[n+"!user="+owner.Name] = true
			}
		case "service":
			delete(out, k)
			if !isUser {
				out[n+"!service="+owner.Name] = true
			}
		case "server":
			delete(out, k) // no oauth client spawner for API tokens
		}
	}
	if out["self"] {
		delete(out, "self")
		if isUser {
			for _, s := range selfScopes {
				out[s+"!user="+owner.Name] = true
			}
		}
	}
	if isUser {
		// scopes.identify_scopes(orm.User)
		out["read:users:name!user="+owner.Name] = true
		out["read:users:groups!user="+owner.Name] = true
	}
	return reduceScopes(out)
}

// reduceScopes mirrors scopes.reduce_scopes (parse then unparse): an
// unfiltered scope swallows the filtered variants of the same scope.
func reduceScopes(in map[string]bool) map[string]bool {
	p := parseScopes(in)
	out := make(map[string]bool, len(in))
	for base, ss := range p {
		if ss.all {
			out[base] = true
			continue
		}
		for kind, names := range ss.f {
			for name := range names {
				out[base+"!"+kind+"="+name] = true
			}
		}
	}
	return out
}

// parseScopes mirrors scopes.parse_scopes.
func parseScopes(expanded map[string]bool) parsedScopes {
	p := parsedScopes{}
	for s := range expanded {
		base, filter, _ := strings.Cut(s, "!")
		ss := p[base]
		if ss == nil {
			ss = &subScope{}
			p[base] = ss
		}
		if filter == "" {
			ss.all = true
			ss.f = nil
			continue
		}
		if ss.all {
			continue
		}
		kind, val, _ := strings.Cut(filter, "=")
		if ss.f == nil {
			ss.f = map[string]map[string]bool{}
		}
		if ss.f[kind] == nil {
			ss.f[kind] = map[string]bool{}
		}
		ss.f[kind][val] = true
	}
	return p
}

func sortedScopes(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// checkUser mirrors scopes.check_scope_filter(sub_scope, user, kind='user').
func (ss *subScope) checkUser(u *urec) bool {
	if ss == nil {
		return false // handlers/base.py get_scope_filter: no_access
	}
	if ss.all {
		return true
	}
	if ss.f["user"][u.name] {
		return true
	}
	return ss.inGroup(u)
}

// checkServer mirrors scopes.check_scope_filter(sub_scope, spawner, kind='server').
func (ss *subScope) checkServer(u *urec, server string) bool {
	if ss == nil {
		return false
	}
	if ss.all {
		return true
	}
	// `orm_resource.name in sub_scope['server']` compares the bare spawner name
	if ss.f["server"][server] || ss.f["server"][u.name+"/"+server] {
		return true
	}
	if ss.f["user"][u.name] {
		return true
	}
	return ss.inGroup(u)
}

// checkService mirrors check_scope_filter(sub_scope, service, kind='service').
func (ss *subScope) checkService(name string) bool {
	if ss == nil {
		return false
	}
	return ss.all || ss.f["service"][name]
}

func (ss *subScope) inGroup(u *urec) bool {
	groups := ss.f["group"]
	if len(groups) == 0 {
		return false
	}
	for _, g := range u.groups {
		if groups[g] {
			return true
		}
	}
	return false
}
