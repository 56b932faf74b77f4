package fakehub

import (
	"fmt"
	"maps"
	"sort"
	"strings"
)

// scopes30 mirrors scope_definitions in jupyterhub/scopes.py (3.0.0): each
// scope and the subscopes it implies. Scopes without subscopes map to nil.
var scopes30 = map[string][]string{
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

// scopes52 is scope_definitions at 5.2.1 (jupyterhub/scopes.py): 3.0.0's,
// whose subscopes did not change, plus admin:services and the sharing
// scopes of 5.0.
var scopes52 = func() map[string][]string {
	m := maps.Clone(scopes30)
	m["admin:services"] = []string{"list:services", "read:services", "read:roles:services"}
	m["users:shares"] = []string{"read:users:shares"}
	m["read:users:shares"] = nil
	m["groups:shares"] = []string{"read:groups:shares"}
	m["read:groups:shares"] = nil
	m["read:shares"] = nil
	m["shares"] = []string{"access:servers", "read:shares", "users:shares", "groups:shares"}
	return m
}()

// checkScopeNames panics on a scope name the Hub does not know, as
// scopes.py _check_scopes_exist refuses to create such a token, and on what
// the fake does not model: metascopes and filters.
func checkScopeNames(defs map[string][]string, scopes []string) {
	for _, s := range scopes {
		if _, ok := defs[s]; !ok {
			if strings.Contains(s, "!") {
				panic(fmt.Sprintf("fakehub: filtered scope %q: the fake models no filters on a token's scopes", s))
			}
			panic(fmt.Sprintf("fakehub: unknown scope %q", s))
		}
		switch s {
		case "self", "inherit", "(no_scope)":
			panic(fmt.Sprintf("fakehub: the fake does not model the metascope %q", s))
		}
	}
}

// subScope is one entry of scopes.parse_scopes: either Scope.ALL or the
// users the scope is filtered on (the only filter the fake has: a user's
// identify scopes).
type subScope struct {
	all   bool
	users map[string]bool
}

type parsedScopes map[string]*subScope

// expandTokenScopes turns a token's scopes into the reduced, expanded set
// the Hub computes in scopes.get_scopes_for(orm.APIToken): each scope and
// its subscopes (_expand_scope), plus a user owner's identify scopes
// (token_scopes.update(identify_scopes(owner))), then reduce_scopes.
func expandTokenScopes(defs map[string][]string, raw []string, owner Owner) map[string]bool {
	out := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		out[name] = true
		for _, sub := range defs[name] {
			add(sub)
		}
	}
	for _, s := range raw {
		add(s)
	}
	if owner.Kind == "user" {
		// scopes.identify_scopes(orm.User); reduce_scopes: an unfiltered
		// scope swallows the filtered variants of the same scope
		for _, s := range []string{"read:users:name", "read:users:groups"} {
			if !out[s] {
				out[s+"!user="+owner.Name] = true
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
			ss.all, ss.users = true, nil
			continue
		}
		if ss.all {
			continue
		}
		// only user= filters decide a request the fake answers; a minted
		// token's server= filter (tokens.go) shows in GET /user alone
		name, ok := strings.CutPrefix(filter, "user=")
		if !ok {
			continue
		}
		if ss.users == nil {
			ss.users = map[string]bool{}
		}
		ss.users[name] = true
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
	return ss.all || ss.users[u.name]
}
