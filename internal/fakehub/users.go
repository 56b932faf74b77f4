package fakehub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PaginationMediaType is apihandlers/base.py PAGINATION_MEDIA_TYPE.
const PaginationMediaType = "application/jupyterhub-pagination+json"

// user model keys, in the order of apihandlers/base.py APIHandler.user_model
const (
	kKind = 1 << iota
	kName
	kAdmin
	kRoles
	kGroups
	kServer
	kPending
	kCreated
	kLastActivity
	kAuthState
	kServers
)

// modelScopes are the parsed scopes user_model / server_model consult.
type modelScopes struct {
	readUsers, readUsersName, readUsersGroups, readUsersActivity,
	readServers, readRolesUsers, adminAuthState, adminServerState *subScope
}

func (c *reqCtx) modelScopes() *modelScopes {
	p := c.parsed
	return &modelScopes{
		readUsers:         p["read:users"],
		readUsersName:     p["read:users:name"],
		readUsersGroups:   p["read:users:groups"],
		readUsersActivity: p["read:users:activity"],
		readServers:       p["read:servers"],
		readRolesUsers:    p["read:roles:users"],
		adminAuthState:    p["admin:auth_state"],
		adminServerState:  p["admin:server_state"],
	}
}

// includeStopped mirrors base.py APIHandler.include_stopped_servers:
// get_argument("include_stopped_servers", "0").lower() not in {"0", "false"}.
func (c *reqCtx) includeStopped() bool {
	v, ok := c.arg("include_stopped_servers")
	if !ok {
		return false
	}
	v = strings.ToLower(v)
	return v != "0" && v != "false"
}

// appendUserFields writes the members of base.py user_model(user) (without
// braces), filtered like _filter_model with its access_map, and reports
// whether the model is non-empty (`if model:`).
func (h *Hub) appendUserFields(out []byte, u *urec, ms *modelScopes, includeStopped bool) ([]byte, bool) {
	var keys int
	// base.py user_model access_map
	if ms.readUsers.checkUser(u) {
		keys |= kKind | kName | kAdmin | kRoles | kGroups | kServer | kPending | kCreated | kLastActivity
	}
	if ms.readUsersName.checkUser(u) {
		keys |= kKind | kName | kAdmin
	}
	if ms.readUsersGroups.checkUser(u) {
		keys |= kKind | kName | kGroups
	}
	if ms.readUsersActivity.checkUser(u) {
		keys |= kKind | kName | kLastActivity
	}
	if ms.readServers.checkUser(u) {
		keys |= kKind | kName | kServers
	}
	if ms.readRolesUsers.checkUser(u) {
		keys |= kKind | kName | kRoles | kAdmin
	}
	if ms.adminAuthState.checkUser(u) {
		keys |= kKind | kName | kAuthState
	}
	if keys == 0 {
		// `if model:` - an empty model gets no servers either
		return out, false
	}
	n := 0
	key := func(k string) {
		if n > 0 {
			out = append(out, ", "...)
		}
		n++
		out = appendJSONString(out, k)
		out = append(out, ": "...)
	}
	def := u.servers[""]
	if keys&kKind != 0 {
		key("kind")
		out = append(out, `"user"`...)
	}
	if keys&kName != 0 {
		key("name")
		out = appendJSONString(out, u.name)
	}
	if keys&kAdmin != 0 {
		key("admin")
		out = strconv.AppendBool(out, u.admin)
	}
	if keys&kRoles != 0 {
		key("roles")
		roles := u.roles
		if roles == nil {
			roles = defaultRoles(u.admin)
		}
		out = appendStringList(out, roles)
	}
	if keys&kGroups != 0 {
		key("groups")
		out = appendStringList(out, u.groups)
	}
	if keys&kServer != 0 {
		// 'server': user.url if user.running else None
		// (user.py User.running: the default spawner is ready)
		key("server")
		if def != nil && def.isReady() {
			out = appendJSONString(out, userURL(u.name))
		} else {
			out = append(out, "null"...)
		}
	}
	if keys&kPending != 0 {
		// model['pending'] = user.spawners[''].pending
		key("pending")
		if def != nil && def.pending != "" {
			out = appendJSONString(out, def.pending)
		} else {
			out = append(out, "null"...)
		}
	}
	if keys&kCreated != 0 {
		key("created")
		out = appendIsoformat(out, &u.created)
	}
	if keys&kLastActivity != 0 {
		key("last_activity")
		out = appendIsoformat(out, u.lastActivity)
	}
	if keys&kAuthState != 0 {
		// 'auth_state': None (placeholder; no auth state is stored)
		key("auth_state")
		out = append(out, "null"...)
	}

	// servers: "include 'active' servers, not just ready", or all with
	// include_stopped_servers; each filtered by read:servers on the server.
	// The dict is present if the requester has read:servers on the user
	// ("leave present and empty") or if any server is included.
	ns := 0
	var sb []byte
	if keys&kServers != 0 || ms.readServers != nil {
		for _, name := range u.names {
			s := u.servers[name]
			if (s.isActive() || includeStopped) && ms.readServers.checkServer(u, name) {
				sb = h.appendServerEntry(sb, ns, u, name, s, ms)
				ns++
			}
		}
		if includeStopped && def == nil && ms.readServers.checkServer(u, "") {
			// every user has a default orm spawner (user.py User.__init__)
			sb = h.appendServerEntry(sb, ns, u, "", nil, ms)
			ns++
		}
	}
	if keys&kServers != 0 || ns > 0 {
		key("servers")
		out = append(out, '{')
		out = append(out, sb...)
		out = append(out, '}')
	}
	return out, true
}

func (h *Hub) appendServerEntry(out []byte, i int, u *urec, name string, s *srec, ms *modelScopes) []byte {
	if i > 0 {
		out = append(out, ", "...)
	}
	out = appendJSONString(out, name)
	out = append(out, ": "...)
	return h.appendServerModel(out, u, name, s, ms)
}

// appendServerModel mirrors base.py APIHandler.server_model. s == nil is a
// default spawner that never ran (an orm.Spawner with no state).
func (h *Hub) appendServerModel(out []byte, u *urec, name string, s *srec, ms *modelScopes) []byte {
	var lastActivity, started *time.Time
	pending, ready, active := "", false, false
	if s != nil {
		lastActivity, started = s.lastActivity, s.started
		pending, ready, active = s.pending, s.isReady(), s.isActive()
	}
	out = append(out, `{"name": `...)
	out = appendJSONString(out, name)
	out = append(out, `, "last_activity": `...)
	out = appendIsoformat(out, lastActivity)
	out = append(out, `, "started": `...)
	out = appendIsoformat(out, started)
	out = append(out, `, "pending": `...)
	if pending != "" {
		out = appendJSONString(out, pending)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, `, "ready": `...)
	out = strconv.AppendBool(out, ready)
	out = append(out, `, "stopped": `...)
	out = strconv.AppendBool(out, !active)
	out = append(out, `, "url": `...)
	out = appendJSONString(out, serverURL(u.name, name))
	out = append(out, `, "user_options": `...)
	if s == nil {
		out = append(out, "null"...)
	} else {
		out = append(out, "{}"...)
	}
	out = append(out, `, "progress_url": `...)
	out = appendJSONString(out, progressURL(u.name, name))
	if h.major >= 5 {
		// added in 5.0 (rest-api-5.5.1.yml Server): null unless
		// JupyterHub.public_url or subdomains are configured
		out = append(out, `, "full_url": null, "full_progress_url": null`...)
	}
	if ms.adminServerState.checkServer(u, name) {
		// model['state'] with admin:server_state
		out = append(out, `, "state": `...)
		if s == nil {
			out = append(out, "null"...)
		} else {
			out = append(out, "{}"...)
		}
	}
	return append(out, '}')
}

func defaultRoles(admin bool) []string {
	if admin {
		return []string{"admin", "user"}
	}
	return []string{"user"}
}

func appendStringList(out []byte, l []string) []byte {
	out = append(out, '[')
	for i, s := range l {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = appendJSONString(out, s)
	}
	return append(out, ']')
}

// userURL is user.py User.url: url_path_join(base_url, 'user', escaped_name) + '/'.
func userURL(name string) string { return "/user/" + urlEscapePath(name) + "/" }

// serverURL is url_path_join(user.url, url_escape_path(spawner.name), '/').
func serverURL(user, server string) string {
	if server == "" {
		return userURL(user)
	}
	return userURL(user) + urlEscapePath(server) + "/"
}

// progressURL is user.py User.progress_url.
func progressURL(user, server string) string {
	if server == "" {
		return "/hub/api/users/" + urlEscapePath(user) + "/server/progress"
	}
	return "/hub/api/users/" + urlEscapePath(user) + "/servers/" + urlEscapePath(server) + "/progress"
}

// getSelf mirrors users.py SelfAPIHandler.get.
func (c *reqCtx) getSelf() response {
	if c.owner == nil {
		return jsonError(http.StatusForbidden, "")
	}
	// "ensure we have permission to identify ourselves": add the identify
	// scopes the token lacks, but do not report them in "scopes"
	var identify string
	if c.owner.Kind == "service" {
		identify = "read:services:name!service=" + c.owner.Name
	} else {
		identify = "read:users:name!user=" + c.owner.Name // always held: see expandTokenScopes
	}
	reported := c.scopes
	if !c.scopes[identify] {
		all := make(map[string]bool, len(c.scopes)+1)
		for s := range c.scopes {
			all[s] = true
		}
		all[identify] = true
		c.parsed = parseScopes(all)
	}
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, '{')
	var nonEmpty bool
	if c.owner.Kind == "service" {
		out, nonEmpty = c.appendServiceFields(out, *c.owner)
	} else {
		u := c.h.byName[c.owner.Name]
		out, nonEmpty = c.h.appendUserFields(out, u, c.modelScopes(), c.includeStopped())
	}
	if nonEmpty {
		out = append(out, ", "...)
	}
	if c.h.major >= 5 {
		// "token_id added in 5.0": token.api_id
		out = append(out, `"token_id": "a`...)
		out = strconv.AppendInt(out, int64(c.tokID), 10)
		out = append(out, `", `...)
	}
	// session_id: API tokens have none (added in 2.0)
	out = append(out, `"session_id": null, "scopes": `...)
	out = appendStringList(out, sortedScopes(reported))
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// appendServiceFields mirrors base.py service_model for the orm.Service a
// service token resolves to: an orm.Service has no url/command/info/display
// attributes, so getattr() gives the empty string (pid 0; prefix empty without a server).
func (c *reqCtx) appendServiceFields(out []byte, o Owner) ([]byte, bool) {
	all := c.parsed["read:services"].checkService(o.Name)
	name := c.parsed["read:services:name"].checkService(o.Name)
	roles := c.parsed["read:roles:services"].checkService(o.Name)
	if !all && !name && !roles {
		return out, false
	}
	out = append(out, `"kind": "service", "name": `...)
	out = appendJSONString(out, o.Name)
	if roles {
		out = append(out, `, "roles": []`...)
	}
	out = append(out, `, "admin": `...)
	out = strconv.AppendBool(out, o.Admin)
	if all {
		out = append(out, `, "url": "", "prefix": "", "command": "", "pid": 0, "info": "", "display": ""`...)
	}
	return out, true
}

// getUser mirrors users.py UserAPIHandler.get.
func (c *reqCtx) getUser(name string) response {
	if st, msg := c.needsScope([]string{
		"read:users", "read:users:name", "read:servers",
		"read:users:groups", "read:users:activity", "read:roles:users",
	}, &name, nil); st != 0 {
		return jsonError(st, msg)
	}
	u := c.h.byName[name]
	if u == nil {
		return jsonError(http.StatusNotFound, "")
	}
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, '{')
	out, _ = c.h.appendUserFields(out, u, c.modelScopes(), c.includeStopped())
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// acceptsPagination mirrors base.py APIHandler.accepts_pagination: the
// comma-separated Accept values, stripped and lower-cased, must contain the
// media type exactly (no parameters such as ";q=1").
func (c *reqCtx) acceptsPagination() bool {
	v := strings.Join(c.r.Header.Values("Accept"), ",")
	if v == "" {
		return false
	}
	for _, s := range strings.Split(strings.TrimSpace(v), ",") {
		if strings.ToLower(strings.TrimSpace(s)) == PaginationMediaType {
			return true
		}
	}
	return false
}

// pagination mirrors base.py APIHandler.get_api_pagination.
func (c *reqCtx) pagination(accepts bool) (offset, limit int64, ok bool) {
	defLimit := int64(c.h.opts.DefaultLimit)
	maxLimit := int64(c.h.opts.MaxLimit)
	if !accepts {
		// "default to the higher max page limit"
		defLimit = maxLimit
	}
	limit = defLimit
	if v, has := c.arg("offset"); has {
		n, good := pyParseInt(v)
		if !good {
			return 0, 0, false
		}
		offset = abs64(n)
	}
	if v, has := c.arg("limit"); has {
		n, good := pyParseInt(v)
		if !good {
			return 0, 0, false
		}
		limit = abs64(n)
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	if limit < 1 {
		limit = 1
	}
	return offset, limit, true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// listUsers mirrors users.py UserListAPIHandler.get (lines 83-175).
func (c *reqCtx) listUsers() response {
	if st, msg := c.needsScope([]string{"list:users"}, nil, nil); st != 0 {
		return jsonError(st, msg)
	}
	h := c.h
	sub := c.parsed["list:users"]
	ms := c.modelScopes()
	incl := c.includeStopped()

	if h.opts.Legacy {
		// Hub < 2.0: GET /users returned every user as a bare list
		if !sub.all && !validListFilter(sub) {
			return jsonError(http.StatusForbidden, "")
		}
		users, _ := c.rows(categoryAll, sub, "", 0, 1<<62)
		return c.writeList(users, false, ms, incl, false, 0, 0, 0)
	}

	stateFilter, _ := c.arg("state")
	nameFilter, _ := c.arg("name_filter")
	accepts := c.acceptsPagination()
	offset, limit, ok := c.pagination(accepts)
	if !ok {
		return jsonError(http.StatusBadRequest, "Invalid argument type, offset and limit must be integers")
	}
	cat, ready := categoryAll, false
	switch stateFilter {
	case "active":
		cat = categoryActive
	case "ready":
		// the SQL query selects *active* users (any spawner with a server
		// record); "ready" is a post-filter applied after OFFSET/LIMIT
		cat, ready = categoryActive, true
	case "inactive":
		cat = categoryInactive
	case "":
	default:
		return jsonError(http.StatusBadRequest, "Unrecognized state filter: "+pyRepr(stateFilter))
	}
	if !sub.all && !validListFilter(sub) {
		// "don't expand invalid !server=x filter to all users!"
		return jsonError(http.StatusForbidden, "")
	}
	users, total := c.rows(cat, sub, nameFilter, offset, limit)
	return c.writeList(users, ready, ms, incl, accepts, offset, limit, total)
}

func validListFilter(sub *subScope) bool {
	for k := range sub.f {
		if k != "user" && k != "group" {
			return false
		}
	}
	return true
}

// rows runs the list query: the users holding rows [offset, offset+limit)
// ordered by user id, each once, and the total row count
// (full_query.count()). In the active/ready query (a JOIN on spawners with
// a server) a user has one row per active server: OFFSET/LIMIT and count()
// count those rows, while the legacy Query returns each User once.
func (c *reqCtx) rows(cat int, sub *subScope, nameFilter string, offset, limit int64) ([]*urec, int64) {
	h := c.h
	var out []*urec
	if sub.all && nameFilter == "" {
		f := &h.idx[cat]
		total := f.total
		k, remaining := offset, limit
		for remaining > 0 && k < total {
			i, intra := f.find(k)
			u := h.users[i]
			take := u.w[cat] - intra
			if take > remaining {
				take = remaining
			}
			out = append(out, u)
			remaining -= take
			k += take
		}
		return out, total
	}
	// filtered query: list:users!user=/!group= (User.name.in_ / User.groups.any)
	// and name_filter (User.name.ilike('%x%')), scanned in id order
	var cands []*urec
	if !sub.all && len(sub.f["group"]) == 0 {
		for name := range sub.f["user"] {
			if u := h.byName[name]; u != nil {
				cands = append(cands, u)
			}
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].id < cands[j].id })
	} else {
		cands = make([]*urec, 0, len(h.byName))
		for _, u := range h.users {
			if u != nil && (sub.all || sub.f["user"][u.name] || sub.inGroup(u)) {
				cands = append(cands, u)
			}
		}
	}
	var total int64
	remaining := limit
	for _, u := range cands {
		w := u.w[cat]
		if w == 0 || (nameFilter != "" && !ilike(u.name, nameFilter)) {
			continue
		}
		// rows [total, total+w) belong to u
		if remaining > 0 && total+w > offset {
			start := max(offset, total)
			take := min(total+w-start, remaining)
			out = append(out, u)
			remaining -= take
		}
		total += w
	}
	return out, total
}

// ilike is SQLite's `lower(name) LIKE lower('%' || f || '%')`: ASCII-only
// case folding, '%' and '_' in the filter are wildcards.
func ilike(name, filter string) bool {
	p := []rune("%" + asciiLower(filter) + "%")
	s := asciiLower(name)
	// dp over pattern positions
	cur := make([]bool, len(p)+1)
	cur[0] = true
	for j := 1; j <= len(p) && p[j-1] == '%'; j++ {
		cur[j] = true
	}
	next := make([]bool, len(p)+1)
	for _, ch := range s {
		next[0] = false
		for j := 1; j <= len(p); j++ {
			switch p[j-1] {
			case '%':
				next[j] = next[j-1] || cur[j]
			case '_':
				next[j] = cur[j-1]
			default:
				next[j] = cur[j-1] && p[j-1] == ch
			}
		}
		cur, next = next, cur
	}
	return cur[len(p)]
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// writeList writes the user list: each user's model (skipping users the
// "ready" post-filter drops - users.py _user_has_ready_spawner - and empty
// models), then base.py paginated_model, or the bare list.
func (c *reqCtx) writeList(users []*urec, ready bool, ms *modelScopes, incl, paginated bool, offset, limit, total int64) response {
	h := c.h
	b := getBuf()
	out := b.AvailableBuffer()
	if paginated {
		out = append(out, `{"items": `...)
	}
	out = append(out, '[')
	n := 0
	for _, u := range users {
		if ready && !hasReadyServer(u) {
			continue
		}
		mark := len(out)
		if n > 0 {
			out = append(out, ", "...)
		}
		out = append(out, '{')
		var ok bool
		out, ok = h.appendUserFields(out, u, ms, incl)
		if !ok {
			out = out[:mark]
			continue
		}
		out = append(out, '}')
		n++
		if len(out) > 64<<10 {
			b.Write(out)
			out = b.AvailableBuffer()
		}
	}
	out = append(out, ']')
	if paginated {
		out = append(out, `, "_pagination": {"offset": `...)
		out = strconv.AppendInt(out, offset, 10)
		out = append(out, `, "limit": `...)
		out = strconv.AppendInt(out, limit, 10)
		out = append(out, `, "total": `...)
		out = strconv.AppendInt(out, total, 10)
		out = append(out, `, "next": `...)
		if next := offset + limit; next < total {
			out = append(out, `{"offset": `...)
			out = strconv.AppendInt(out, next, 10)
			out = append(out, `, "limit": `...)
			out = strconv.AppendInt(out, limit, 10)
			out = append(out, `, "url": `...)
			out = appendJSONString(out, c.nextURL(next, limit))
			out = append(out, '}')
		} else {
			out = append(out, "null"...)
		}
		out = append(out, "}}"...)
	}
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

func hasReadyServer(u *urec) bool {
	for _, s := range u.servers {
		if s.isReady() {
			return true
		}
	}
	return false
}

// nextURL mirrors base.py paginated_model: the request's own full URL
// (with InternalURL as the Hub's address) with the query re-encoded by
// parse_qs (blank values dropped) and offset/limit replaced or appended.
func (c *reqCtx) nextURL(next, limit int64) string {
	var keys []string
	vals := map[string][]string{}
	for _, p := range parseQSL(c.r.URL.RawQuery, false) {
		if _, ok := vals[p.k]; !ok {
			keys = append(keys, p.k)
		}
		vals[p.k] = append(vals[p.k], p.v)
	}
	for _, kv := range [2]struct {
		k string
		v int64
	}{{"offset", next}, {"limit", limit}} {
		if _, ok := vals[kv.k]; !ok {
			keys = append(keys, kv.k)
		}
		vals[kv.k] = []string{strconv.FormatInt(kv.v, 10)}
	}
	var pairs []qsPair
	for _, k := range keys {
		for _, v := range vals[k] {
			pairs = append(pairs, qsPair{k, v})
		}
	}
	rel := strings.TrimPrefix(c.r.URL.EscapedPath(), "/hub/api")
	return c.h.opts.InternalURL + rel + "?" + pyURLEncode(pairs)
}

// parseJSONBody mirrors base.py APIHandler.get_json_body: no body is None,
// bytes are stripped and decoded as UTF-8 (outside the try: a decode error
// is a 500), then json.loads (400 on error).
func parseJSONBody(body []byte) (any, int, string) {
	if len(body) == 0 {
		return nil, 0, ""
	}
	t := bytes.Trim(body, " \t\n\r\x0b\x0c")
	if !utf8.Valid(t) {
		return nil, http.StatusInternalServerError, ""
	}
	var v any
	if err := json.Unmarshal(t, &v); err != nil {
		return nil, http.StatusBadRequest, "Invalid JSON in body of request"
	}
	return v, 0, ""
}

func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func logName(user, server string) string {
	// spawner.py Spawner._log_name
	if server != "" {
		return user + ":" + server
	}
	return user
}

// deleteServer mirrors users.py UserServerAPIHandler.delete (lines 544-608).
func (c *reqCtx) deleteServer(userName, serverName string, body []byte) response {
	if st, msg := c.needsScope([]string{"delete:servers"}, &userName, &serverName); st != 0 {
		return jsonError(st, msg)
	}
	h := c.h
	u := h.byName[userName] // find_user; not checked for None by the handler
	opts, st, msg := parseJSONBody(body)
	if st != 0 {
		return jsonError(st, msg)
	}
	// remove = (options or {}).get('remove', False)
	remove := false
	if pyTruthy(opts) {
		m, ok := opts.(map[string]any)
		if !ok {
			return jsonError(http.StatusInternalServerError, "") // AttributeError: no .get
		}
		remove = pyTruthy(m["remove"])
	}
	if serverName != "" {
		if u == nil {
			// user.orm_spawners on None: AttributeError -> 500
			return jsonError(http.StatusInternalServerError, "")
		}
		if _, ok := u.servers[serverName]; !ok {
			return jsonError(http.StatusNotFound, userName+" has no server named '"+serverName+"'")
		}
	} else if remove {
		return jsonError(http.StatusBadRequest, "Cannot delete the default server")
	}
	if u == nil {
		// user.spawners on None: AttributeError -> 500
		return jsonError(http.StatusInternalServerError, "")
	}
	s := u.servers[serverName] // nil: a default spawner that never ran
	if s != nil && s.pending == "stop" {
		// "already stopping": 202, and schedule the removal after the stop
		if remove {
			s.removeAfter = true
		}
		return emptyResponse(http.StatusAccepted, "text/plain")
	}
	if s != nil && s.pending != "" {
		return jsonError(http.StatusBadRequest, logName(userName, serverName)+" is pending "+s.pending+", please wait")
	}
	stopPending := false
	if s != nil && s.isReady() {
		stopPending = h.stopServer(u, serverName, s)
	}
	if remove {
		if stopPending {
			s.removeAfter = true
		} else {
			h.removeServer(u, serverName)
		}
	}
	// status = 202 if spawner._stop_pending else 204
	if stopPending {
		return emptyResponse(http.StatusAccepted, "text/plain")
	}
	return emptyResponse(http.StatusNoContent, "text/plain")
}

// deleteUser mirrors users.py UserAPIHandler.delete (lines 280-308).
func (c *reqCtx) deleteUser(name string) response {
	if st, msg := c.needsScope([]string{"delete:users"}, &name, nil); st != 0 {
		return jsonError(st, msg)
	}
	h := c.h
	u := h.byName[name]
	if u == nil {
		return jsonError(http.StatusNotFound, "")
	}
	if u.name == c.owner.Name {
		return jsonError(http.StatusBadRequest, "Cannot delete yourself!")
	}
	stopping := name + "'s server is in the process of stopping, please wait."
	// only the *default* spawner is looked at (user.spawner)
	def := u.servers[""]
	if def != nil && def.pending == "stop" {
		return jsonError(http.StatusBadRequest, stopping)
	}
	if def != nil && def.isReady() {
		// user.running: stop_single_user waits for the stop (up to
		// slow_stop_timeout); a slow stop leaves it pending -> 400
		if h.stopServer(u, "", def) {
			return jsonError(http.StatusBadRequest, stopping)
		}
	}
	// user.delete_spawners -> _delete_spawner raises RuntimeError for an
	// active spawner ("is active and cannot be deleted"): 500, user kept
	for _, s := range u.servers {
		if s.isActive() {
			return jsonError(http.StatusInternalServerError, "")
		}
	}
	h.removeUser(u)
	return emptyResponse(http.StatusNoContent, "application/json")
}

// stopServer stops a ready server (h.mu held). It reports whether the stop
// is still pending: with a stop delay > 0 the server sits in pending "stop"
// for that long; otherwise it stops at once.
func (h *Hub) stopServer(u *urec, name string, s *srec) bool {
	delay := s.stopDelay
	if delay == 0 {
		delay = h.opts.StopDelay
	}
	if delay <= 0 {
		h.finishStop(u, name, s)
		return false
	}
	s.pending = "stop"
	s.ready = false
	h.reindex(u)
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.closed {
			return
		}
		delete(h.timers, t)
		if h.users[u.id] == u && u.live && u.servers[name] == s && s.pending == "stop" {
			h.finishStop(u, name, s)
		}
	})
	h.timers[t] = struct{}{}
	return true
}

// finishStop mirrors user.py User.stop: the user's and the server's
// last_activity are set to now, started is cleared, the server record is
// removed (server not active any more). h.mu held.
func (h *Hub) finishStop(u *urec, name string, s *srec) {
	now := h.now()
	u.lastActivity = &now
	la := now
	s.lastActivity = &la
	s.started = nil
	s.ready = false
	s.pending = ""
	if s.removeAfter {
		s.removeAfter = false
		h.removeServer(u, name)
	}
	h.reindex(u)
}

// removeServer deletes a (stopped) named server: _remove_spawner. h.mu held.
func (h *Hub) removeServer(u *urec, name string) {
	if name == "" {
		return
	}
	if _, ok := u.servers[name]; ok {
		delete(u.servers, name)
		u.sortNames()
		h.reindex(u)
	}
}
