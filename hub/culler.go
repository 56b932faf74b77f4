package hub

import "slices"

// CullerFlags are the settings of the idle culler that change what its
// token must be allowed to do.
type CullerFlags struct {
	CullUsers bool // --cull-users: delete idle users once their servers are stopped
}

// cullerNeed is one request the culler makes, and the scopes that allow it:
// any one will do, least privilege first.
type cullerNeed struct {
	scopes    []string
	cullUsers bool // needed only with CullerFlags.CullUsers
}

// cullerNeeds is the one list of the culler's scopes. jupyterhub-idle-culler's
// README ("Permissions", @09be0aa0) asks for list:users, read:users:activity,
// servers and, with --cull-users, admin:users; hubctl asks for the
// subscopes it uses: servers is read:servers plus delete:servers, and
// admin:users includes delete:users (3.0.0 scopes.py:49-100). All of them
// exist from 2.0 on (2.0.0rc2 scopes.py).
var cullerNeeds = []cullerNeed{
	{[]string{"list:users"}, false},                 // GET /users
	{[]string{"read:users:activity"}, false},        // each user's last_activity
	{[]string{"read:servers"}, false},               // each user's servers
	{[]string{"delete:servers"}, false},             // DELETE /users/NAME/server(s)
	{[]string{"delete:users", "admin:users"}, true}, // DELETE /users/NAME
}

// CullerScopes returns what the culler's token needs with f on a Hub with
// scopes (2.0 and later; before 2.0 the token must be an admin's): one
// entry per need, each the scopes any one of which will do, least privilege
// first.
func CullerScopes(f CullerFlags) [][]string {
	var out [][]string
	for _, n := range cullerNeeds {
		if !n.cullUsers || f.CullUsers {
			out = append(out, n.scopes)
		}
	}
	return out
}

// CullerRoleScopes returns the scopes a role for the culler grants at v,
// which `hubctl service add cull-idle` writes: for each need, the first of
// its scopes that v defines. It is nil before 2.0, which has no scopes:
// there the culler needs admin: True.
func CullerRoleScopes(v Version, f CullerFlags) []string {
	if !HasRBAC(v) {
		return nil
	}
	defined := Scopes(v)
	var out []string
	for _, alts := range CullerScopes(f) {
		for _, s := range alts {
			if slices.Contains(defined, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
