package hub

import "slices"

// CullerFlags are the settings of the idle culler that change what its
// token must be allowed to do.
//
// Rules that match on user_options.profile need nothing more: the server
// model shows user_options whenever it is shown (read:servers), in 3.0.0
// and 5.2.1 alike (apihandlers/base.py server_model).
type CullerFlags struct {
	CullUsers    bool // --cull-users: delete idle users once their servers are stopped
	GroupRules   bool // --rules with a rule that matches on a group
	CheckKernels bool // --check-kernels: ask single-user servers for busy kernels
}

// cullerNeed is one request the culler makes, and the scopes that allow it:
// any one will do, least privilege first.
type cullerNeed struct {
	scopes     []string
	cullUsers  bool // needed only with CullerFlags.CullUsers
	groupRules bool // needed only with CullerFlags.GroupRules
	// without, for a scope the culler can run without, says what it then
	// cannot do; empty for a scope it needs.
	without string
}

func (n *cullerNeed) applies(f CullerFlags) bool {
	return (!n.cullUsers || f.CullUsers) && (!n.groupRules || f.GroupRules)
}

// cullerNeeds is the one list of the culler's scopes. jupyterhub-idle-culler's
// README ("Permissions", @09be0aa0) asks for list:users, read:users:activity,
// servers and, with --cull-users, admin:users; hubctl asks for the
// subscopes it uses: servers is read:servers plus delete:servers, and
// admin:users includes delete:users (3.0.0 scopes.py:49-100). All of them
// exist from 2.0 on (2.0.0rc2 scopes.py).
var cullerNeeds = []cullerNeed{
	{scopes: []string{"list:users"}},                                   // GET /users
	{scopes: []string{"read:users:activity"}},                          // each user's last_activity
	{scopes: []string{"read:servers"}},                                 // each user's servers, with their user_options
	{scopes: []string{"delete:servers"}},                               // DELETE /users/NAME/server(s)
	{scopes: []string{"delete:users", "admin:users"}, cullUsers: true}, // DELETE /users/NAME
	// A user's groups (userModelAccess), which group rules match on; a
	// user whose reply has none is kept (cull.MatchUnknown).
	{scopes: []string{"read:users:groups", "read:users", "users", "admin:users"}, groupRules: true},
	// A user's created (userModelAccess) dates a user who was never active,
	// as jupyterhub-idle-culler does, whose admin:users includes read:users.
	{scopes: []string{"read:users", "users", "admin:users"}, cullUsers: true,
		without: "a user who was never active has no created time to be judged by and is kept, and --max-age does not apply to users"},
}

// CullerScopes returns what the culler's token needs with f on a Hub with
// scopes (2.0 and later; before 2.0 the token must be an admin's): one
// entry per need, each the scopes any one of which will do, least privilege
// first.
func CullerScopes(f CullerFlags) [][]string {
	var out [][]string
	for _, n := range cullerNeeds {
		if n.applies(f) && n.without == "" {
			out = append(out, n.scopes)
		}
	}
	if f.CheckKernels {
		out = append(out, kernelsNeed)
	}
	return out
}

// kernelsNeed is what --check-kernels needs: for each check the culler
// mints a token owned by the server's user, scoped to that server alone
// (access:servers!server=NAME/SERVER), and deletes it after the one
// GET {server}api/kernels. POST /users/{name}/tokens and DELETE
// /users/{name}/tokens/{id} need tokens (users.py, 3.0.0 and 5.2.1), and a
// service needs it unfiltered: the Hub checks the filter against the
// requester's kind. The minted scope must be held by the user, not the
// culler, so the culler needs no access:servers. Required, not wanted:
// without it every check fails and busy servers are culled as if unchecked.
var kernelsNeed = []string{"tokens"}

// WantedScopes are scopes the culler runs without, doing less.
type WantedScopes struct {
	Scopes  []string // any one will do, least privilege first
	Without string   // what the culler cannot do without them
}

// CullerWantedScopes returns what the culler's token should also hold with
// f on a Hub with scopes; CullerRoleScopes grants them.
func CullerWantedScopes(f CullerFlags) []WantedScopes {
	var out []WantedScopes
	for _, n := range cullerNeeds {
		if n.applies(f) && n.without != "" {
			out = append(out, WantedScopes{Scopes: n.scopes, Without: n.without})
		}
	}
	return out
}

// CullerRoleScopes returns the scopes a role for the culler grants at v,
// which `hubctl service add cull-idle` writes: for each need and each
// wanted scope, the first of its scopes that v defines. It is nil before
// 2.0, which has no scopes: there the culler needs admin: True.
func CullerRoleScopes(v Version, f CullerFlags) []string {
	if !HasRBAC(v) {
		return nil
	}
	defined := Scopes(v)
	all := CullerScopes(f)
	for _, w := range CullerWantedScopes(f) {
		all = append(all, w.Scopes)
	}
	var out []string
	for _, alts := range all {
		for _, s := range alts {
			if slices.Contains(defined, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// userModelAccess is the access_map of APIHandler.user_model: for each
// scope, the keys of a user in GET /users that it shows. It is the same at
// every tag from 2.0.0 (apihandlers/base.py:237) to 5.5.1; 6.0.0b1 adds
// user_info under read:users and read:users:name. "servers" is the dict of
// server models, shown for read:servers; it is there (maybe empty) whenever
// the token may read servers.
var userModelAccess = map[string][]string{
	"read:users":          {"kind", "name", "admin", "roles", "groups", "server", "pending", "created", "last_activity"},
	"read:users:name":     {"kind", "name", "admin"},
	"read:users:groups":   {"kind", "name", "groups"},
	"read:users:activity": {"kind", "name", "last_activity"},
	"read:servers":        {"kind", "name", "servers"},
	"read:roles:users":    {"kind", "name", "roles", "admin"},
	"admin:auth_state":    {"kind", "name", "auth_state"},
}

// userModelKeys1x is what GET /users shows at 1.x, where only admins may
// list users (1.5.0 apihandlers/base.py:184 user_model with
// include_servers=True, users.py:99).
var userModelKeys1x = []string{"kind", "name", "admin", "groups", "server", "pending", "created", "last_activity", "servers"}

// UserModelKeys returns, sorted, the keys a user in GET /users carries at v
// for a token that holds scopes (each with its subscopes, unfiltered).
// Before 2.0 the token must be an admin's, and every user carries every key.
func UserModelKeys(v Version, scopes []string) []string {
	if !HasRBAC(v) {
		return slices.Sorted(slices.Values(userModelKeys1x))
	}
	held := ExpandScopes(v, scopes)
	seen := map[string]bool{}
	for scope, keys := range userModelAccess {
		if !slices.Contains(held, scope) {
			continue
		}
		for _, k := range keys {
			seen[k] = true
		}
		if v.AtLeast(6, 0) && (scope == "read:users" || scope == "read:users:name") {
			seen["user_info"] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ServerModelKeys returns, sorted, the keys of each server in a user's
// "servers" at v (APIHandler.server_model). 1.5.0 (apihandlers/base.py:134)
// has name, last_activity, started, pending, ready, state (null unless
// asked), url, user_options, progress_url; 2.0.0 shows state only with
// admin:server_state; 3.0.0 adds stopped; 5.0.0 adds full_name, full_url and
// full_progress_url; 6.0.0b1 adds display_name. state is left out here: it
// needs admin:server_state from 2.0.
func ServerModelKeys(v Version) []string {
	out := []string{"name", "last_activity", "started", "pending", "ready", "url", "user_options", "progress_url"}
	if !HasRBAC(v) {
		out = append(out, "state")
	}
	if v.AtLeast(3, 0) {
		out = append(out, "stopped")
	}
	if v.AtLeast(5, 0) {
		out = append(out, "full_name", "full_url", "full_progress_url")
	}
	if v.AtLeast(6, 0) {
		out = append(out, "display_name")
	}
	slices.Sort(out)
	return out
}

// CullerUserKeys and CullerServerKeys are the keys of GET /users that
// hubctl's culler reads (cull/record.go apiUser and apiServer). Under the
// culler's own role (CullerRoleScopes) a user carries every one of
// CullerUserKeys, but created only with --cull-users, whose role adds
// read:users for it: without, a user that has never been active has no
// time to be judged by and is kept.
var (
	CullerUserKeys   = []string{"name", "admin", "created", "last_activity", "servers"}
	CullerServerKeys = []string{"name", "ready", "pending", "started", "last_activity"}
)
