package fakehub

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubctl/hubctl/hub"
)

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

// appendUserFields writes the members of base.py user_model(user) (without
// braces), filtered like _filter_model with its access_map, and reports
// whether the model is non-empty (`if model:`): the scopes decide which keys
// there are, and a model without any is left out of a list.
//
// The keys hubctl does not read (roles, server, pending, auth_state; a
// server's stopped, url, progress_url, and 5.x's full_name, full_url,
// full_progress_url) are there so that hubctl decodes replies of the real
// Hub's shape and about its size (the benchmarks measure that); their
// values are approximate (the default roles, URLs escaped
// by url.PathEscape rather than the Hub's quote) and TestAgainstRealHub
// compares only that they are there.
func (c *reqCtx) appendUserFields(out []byte, u *urec) ([]byte, bool) {
	p := c.parsed
	var keys int
	// base.py user_model access_map
	if p["read:users"].checkUser(u) {
		keys |= kKind | kName | kAdmin | kRoles | kGroups | kServer | kPending | kCreated | kLastActivity
	}
	if p["read:users:name"].checkUser(u) {
		keys |= kKind | kName | kAdmin
	}
	if p["read:roles:users"].checkUser(u) {
		keys |= kKind | kName | kRoles | kAdmin
	}
	if p["read:users:groups"].checkUser(u) {
		keys |= kKind | kName | kGroups
	}
	if p["admin:auth_state"].checkUser(u) {
		keys |= kKind | kName | kAuthState
	}
	if p["read:users:activity"].checkUser(u) {
		keys |= kKind | kName | kLastActivity
	}
	if p["read:servers"].checkUser(u) {
		keys |= kKind | kName | kServers
	}
	if keys == 0 {
		return out, false
	}
	n := 0
	key := func(k string) {
		if n > 0 {
			out = append(out, ", "...)
		}
		n++
		out = appendString(out, k)
		out = append(out, ": "...)
	}
	if keys&kKind != 0 {
		key("kind")
		out = append(out, `"user"`...)
	}
	if keys&kName != 0 {
		key("name")
		out = appendString(out, u.name)
	}
	if keys&kAdmin != 0 {
		key("admin")
		out = strconv.AppendBool(out, u.admin)
	}
	if keys&kRoles != 0 {
		key("roles")
		if u.admin {
			out = append(out, `["admin", "user"]`...)
		} else {
			out = append(out, `["user"]`...)
		}
	}
	if keys&kGroups != 0 {
		// 'groups': [g.name for g in user.groups], for read:users and
		// read:users:groups alike in 3.0.0 and 5.2.1
		key("groups")
		out = append(out, '[')
		for i, g := range u.groups {
			if i > 0 {
				out = append(out, ", "...)
			}
			out = appendString(out, g)
		}
		out = append(out, ']')
	}
	def := u.servers[""]
	if keys&kServer != 0 {
		// 'server': user.url if user.running else None
		key("server")
		if def != nil && def.isReady() {
			out = appendString(out, serverURL(u.name, ""))
		} else {
			out = append(out, "null"...)
		}
	}
	if keys&kPending != 0 {
		key("pending")
		if def != nil && def.pending != "" {
			out = appendString(out, def.pending)
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
		key("auth_state")
		out = append(out, "null"...)
	}
	if keys&kServers != 0 {
		// "include 'active' servers, not just ready"
		key("servers")
		out = append(out, '{')
		ns := 0
		for _, name := range u.names {
			s := u.servers[name]
			if !s.isActive() {
				continue
			}
			if ns > 0 {
				out = append(out, ", "...)
			}
			ns++
			out = appendString(out, name)
			out = append(out, ": "...)
			out = c.h.appendServerModel(out, u.name, name, s)
		}
		out = append(out, '}')
	}
	return out, true
}

// appendServerModel writes base.py APIHandler.server_model of an active
// server (without admin:server_state's state); 5.2.1 adds full_name,
// full_url and full_progress_url.
func (h *Hub) appendServerModel(out []byte, user, name string, s *srec) []byte {
	out = append(out, `{"name": `...)
	out = appendString(out, name)
	if h.since(5, 0) {
		// 5.0.0 and 5.2.1 base.py server_model: f"{orm_spawner.user.name}/{orm_spawner.name}"
		out = append(out, `, "full_name": `...)
		out = appendString(out, user+"/"+name)
	}
	out = append(out, `, "last_activity": `...)
	out = appendIsoformat(out, s.lastActivity)
	out = append(out, `, "started": `...)
	out = appendIsoformat(out, s.started)
	out = append(out, `, "pending": `...)
	if s.pending != "" {
		out = appendString(out, s.pending)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, `, "ready": `...)
	out = strconv.AppendBool(out, s.isReady())
	out = append(out, `, "stopped": false, "url": `...)
	out = appendString(out, serverURL(user, name))
	// 'user_options': spawner.user_options, shown with the model in 3.0.0
	// and 5.2.1 alike (no scope of its own)
	out = append(out, `, "user_options": `...)
	out = append(out, s.userOptions...)
	out = append(out, `, "progress_url": `...)
	progress := "/hub/api/users/" + url.PathEscape(user) + "/server/progress"
	if name != "" {
		progress = "/hub/api/users/" + url.PathEscape(user) + "/servers/" + url.PathEscape(name) + "/progress"
	}
	out = appendString(out, progress)
	if h.since(5, 0) {
		// 5.0.0 and 5.2.1 base.py server_model: null without public_url or
		// subdomains, else public_url with the path replaced.
		if h.publicOrigin != "" {
			out = append(out, `, "full_url": `...)
			out = appendString(out, h.publicOrigin+serverURL(user, name))
			out = append(out, `, "full_progress_url": `...)
			out = appendString(out, h.publicOrigin+progress)
		} else {
			out = append(out, `, "full_url": null, "full_progress_url": null`...)
		}
	}
	return append(out, '}')
}

// serverURL is about user.py User.url and Spawner's url_path_join(user.url,
// name, '/').
func serverURL(user, name string) string {
	if name == "" {
		return "/user/" + url.PathEscape(user) + "/"
	}
	return "/user/" + url.PathEscape(user) + "/" + url.PathEscape(name) + "/"
}

// appendIsoformat mirrors utils.isoformat: naive UTC datetime.isoformat()+'Z',
// microseconds, the fraction omitted when it is zero. This format is kept
// byte for byte: hubctl parses these timestamps (cull.ParseTime). A nil time
// is JSON null.
func appendIsoformat(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	u := t.UTC()
	b = append(b, '"')
	b = u.AppendFormat(b, "2006-01-02T15:04:05")
	if us := u.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = append(b, strconv.Itoa(1000000 + us)[1:]...)
	}
	return append(b, 'Z', '"')
}

func appendStringList(out []byte, l []string) []byte {
	out = append(out, '[')
	for i, s := range l {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = appendString(out, s)
	}
	return append(out, ']')
}

// getSelf mirrors users.py SelfAPIHandler.get: the owner's model (its
// identify scopes always show kind, name and admin) and the token's scopes.
func (c *reqCtx) getSelf() response {
	if c.owner == nil {
		return jsonError(http.StatusForbidden, "")
	}
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, '{')
	if c.owner.Kind == "service" {
		// base.py service_model, seen with read:services:name!service=<self>
		out = append(out, `"kind": "service", "name": `...)
		out = appendString(out, c.owner.Name)
		out = append(out, `, "admin": `...)
		out = strconv.AppendBool(out, c.owner.Admin)
	} else {
		out, _ = c.appendUserFields(out, c.h.byName[c.owner.Name])
	}
	// "add session_id associated with token, added in 2.0; token_id added
	// in 5.0" (5.2.1 users.py); an API token has no session
	if c.h.since(5, 0) {
		out = append(out, `, "token_id": "a`...)
		out = strconv.AppendInt(out, int64(c.token.id), 10)
		out = append(out, '"')
	}
	out = append(out, `, "session_id": null, "scopes": `...)
	out = appendStringList(out, sortedScopes(c.scopes))
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// getUser mirrors users.py UserAPIHandler.get.
func (c *reqCtx) getUser(name string) response {
	if st, msg := c.needsScope([]string{
		"read:users", "read:users:name", "read:servers",
		"read:users:groups", "read:users:activity", "read:roles:users",
	}, &name); st != 0 {
		return jsonError(st, msg)
	}
	u := c.h.byName[name]
	if u == nil {
		return jsonError(http.StatusNotFound, "")
	}
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, '{')
	out, _ = c.appendUserFields(out, u)
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// acceptsPagination mirrors base.py APIHandler.accepts_pagination: the
// comma-separated Accept values, stripped and lower-cased, must contain the
// media type exactly (no parameters such as ";q=1").
func (c *reqCtx) acceptsPagination() bool {
	for _, s := range strings.Split(strings.Join(c.r.Header.Values("Accept"), ","), ",") {
		if strings.ToLower(strings.TrimSpace(s)) == hub.PaginationMediaType {
			return true
		}
	}
	return false
}

// pagination mirrors base.py APIHandler.get_api_pagination.
func (c *reqCtx) pagination(accepts bool) (offset, limit int64, ok bool) {
	maxLimit := int64(c.h.opts.MaxLimit)
	limit = int64(c.h.opts.DefaultLimit)
	if !accepts {
		// "default to the higher max page limit"
		limit = maxLimit
	}
	for _, a := range []struct {
		name string
		into *int64
	}{{"offset", &offset}, {"limit", &limit}} {
		if v, has := c.arg(a.name); has {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, 0, false
			}
			*a.into = max(n, -n) // abs()
		}
	}
	return offset, min(max(limit, 1), maxLimit), true
}

// listUsers mirrors users.py UserListAPIHandler.get (lines 83-175).
func (c *reqCtx) listUsers() response {
	if st, msg := c.needsScope([]string{"list:users"}, nil); st != 0 {
		return jsonError(st, msg)
	}
	if !c.h.since(2, 0) {
		// Hub < 2.0: GET /users returned every user as a bare list
		users, _ := c.rows(categoryAll, 0, 1<<62)
		return c.writeList(users, false, false, 0, 0, 0)
	}
	accepts := c.acceptsPagination()
	offset, limit, ok := c.pagination(accepts)
	if !ok {
		return jsonError(http.StatusBadRequest, "Invalid argument type, offset and limit must be integers")
	}
	cat, ready := categoryAll, false
	switch state, _ := c.arg("state"); state {
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
		return jsonError(http.StatusBadRequest, "Unrecognized state filter: '"+state+"'")
	}
	users, total := c.rows(cat, offset, limit)
	return c.writeList(users, ready, accepts, offset, limit, total)
}

// rows runs the list query: the users holding rows [offset, offset+limit)
// ordered by user id, each once, and the total row count
// (full_query.count()). In the active/ready query (a JOIN on spawners with
// a server) a user has one row per active server: OFFSET/LIMIT and count()
// count those rows, while the legacy Query returns each User once.
func (c *reqCtx) rows(cat int, offset, limit int64) ([]*urec, int64) {
	h := c.h
	var out []*urec
	f := &h.idx[cat]
	total := f.total
	k, remaining := offset, limit
	for remaining > 0 && k < total {
		i, intra := f.find(k)
		u := h.users[i]
		take := min(u.w[cat]-intra, remaining)
		out = append(out, u)
		remaining -= take
		k += take
	}
	return out, total
}

// writeList writes the user list: each user's model (skipping users the
// "ready" post-filter drops - users.py _user_has_ready_spawner - and empty
// models), then base.py paginated_model, or the bare list.
func (c *reqCtx) writeList(users []*urec, ready, paginated bool, offset, limit, total int64) response {
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
		out, ok = c.appendUserFields(out, u)
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
			out = appendString(out, c.nextURL(next, limit))
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

// nextURL mirrors base.py paginated_model: the request's own URL at the
// Hub's address (internalURL), its query with blank values dropped
// (parse_qs; 5.2.1 keeps them) and offset and limit set. The Hub keeps the query's order;
// the fake sorts it.
func (c *reqCtx) nextURL(next, limit int64) string {
	q := c.r.URL.Query()
	for k, vs := range q {
		if c.h.since(4, 1) {
			// 4.1.0 and 5.2.1 base.py: parse_qs(..., keep_blank_values=True)
			break
		}
		vs = slices.DeleteFunc(vs, func(v string) bool { return v == "" })
		if len(vs) == 0 {
			delete(q, k)
		} else {
			q[k] = vs
		}
	}
	q.Set("offset", strconv.FormatInt(next, 10))
	q.Set("limit", strconv.FormatInt(limit, 10))
	return internalURL + strings.TrimPrefix(c.r.URL.EscapedPath(), "/hub/api") + "?" + q.Encode()
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
	if st, msg := c.needsScope([]string{"delete:servers"}, &userName); st != 0 {
		return jsonError(st, msg)
	}
	h := c.h
	u := h.byName[userName] // find_user; not checked for None by the handler
	// remove = (options or {}).get('remove', False), from get_json_body
	var opts struct {
		Remove any `json:"remove"`
	}
	if len(body) > 0 && json.Unmarshal(body, &opts) != nil {
		return jsonError(http.StatusBadRequest, "Invalid JSON in body of request")
	}
	remove := opts.Remove == true
	if serverName != "" {
		if u == nil {
			// user.orm_spawners on None: AttributeError -> 500
			return jsonError(http.StatusInternalServerError, "")
		}
		if _, ok := u.servers[serverName]; !ok {
			return jsonError(http.StatusNotFound, userName+" has no server named '"+serverName+"'")
		}
	}
	if serverName == "" && remove {
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
		if !h.since(5, 1) {
			return jsonError(http.StatusBadRequest, logName(userName, serverName)+" is pending "+s.pending+", please wait")
		}
		// 5.1.0 and 5.2.1 users.py: "we are interrupting a pending start"
		// (c65e48b2 "allow stop while start is pending"): the spawn
		// is cancelled (its done callback clears _spawn_pending; the
		// server record stays, so the spawner is ready), then
		// `await asyncio.sleep(1)` and stop_single_user, which refuses a
		// spawner still pending (a check) with RuntimeError: 500
		if s.pending == "spawn" {
			s.pending, s.ready = "", true
			h.reindex(u)
		}
		return response{then: func() response { return h.stopInterrupted(userName, serverName, u, s, remove) }}
	}
	stopPending := false
	if s != nil && s.isReady() {
		stopPending = h.stopServer(u, serverName, s)
	}
	return h.stopped(u, serverName, s, stopPending, remove)
}

// interruptWait is how long 5.2.1 users.py UserServerAPIHandler.delete
// waits after cancelling a pending spawn ("Give cancel a chance to
// resolve?").
const interruptWait = time.Second

// stopInterrupted is the rest of 5.2.1's DELETE of a server that was
// pending: stop_single_user, whether or not the spawner is ready (h.mu
// held).
func (h *Hub) stopInterrupted(userName, serverName string, u *urec, s *srec, remove bool) response {
	if h.closed || h.byName[userName] != u || u.servers[serverName] != s || s.pending != "" {
		// stop_single_user: KeyError for a spawner gone, RuntimeError
		// for one pending
		return jsonError(http.StatusInternalServerError, "")
	}
	return h.stopped(u, serverName, s, h.stopServer(u, serverName, s), remove)
}

// stopped answers a DELETE of a server that was stopped, or is stopping if
// stopPending, and removes it if asked (h.mu held).
func (h *Hub) stopped(u *urec, serverName string, s *srec, stopPending, remove bool) response {
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
	if st, msg := c.needsScope([]string{"delete:users"}, &name); st != 0 {
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
	now := time.Now()
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
