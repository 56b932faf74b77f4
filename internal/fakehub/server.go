package fakehub

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// response is a finished answer, written by serveHTTP.
type response struct {
	status int
	ctype  string
	body   *bytes.Buffer // nil = no body
	header http.Header   // extra headers
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b != nil && b.Cap() <= 4<<20 {
		bufPool.Put(b)
	}
}

// jsonError mirrors apihandlers/base.py APIHandler.write_error:
// {"status": code, "message": message or the reason phrase}.
func jsonError(status int, message string) response {
	if message == "" {
		message = http.StatusText(status)
	}
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, `{"status": `...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, `, "message": `...)
	out = appendJSONString(out, message)
	out = append(out, '}')
	b.Write(out)
	return response{status: status, ctype: "application/json", body: b}
}

// emptyResponse is how users.py answers DELETE server: status set, no body,
// Content-Type text/plain (self.set_header('Content-Type', 'text/plain')).
func emptyResponse(status int, ctype string) response {
	return response{status: status, ctype: ctype}
}

func jsonResponse(status int, b *bytes.Buffer) response {
	return response{status: status, ctype: "application/json", body: b}
}

// authToken mirrors handlers/base.py get_auth_token and auth_header_pat
// r'^(?:token|bearer)\s+([^\s]+)$' (case-insensitive) on the Authorization
// header (several header lines are joined with "," as tornado's
// HTTPHeaders.get does, which then never matches).
func authToken(hdr http.Header) string {
	vals := hdr.Values("Authorization")
	if len(vals) == 0 {
		return ""
	}
	v := strings.Join(vals, ",")
	v = strings.TrimSuffix(v, "\n") // Python '$' also matches before a final newline
	var rest string
	switch {
	case len(v) >= 5 && strings.EqualFold(v[:5], "token"):
		rest = v[5:]
	case len(v) >= 6 && strings.EqualFold(v[:6], "bearer"):
		rest = v[6:]
	default:
		return ""
	}
	tok := strings.TrimLeftFunc(rest, unicode.IsSpace)
	if len(tok) == len(rest) || tok == "" || strings.IndexFunc(tok, unicode.IsSpace) >= 0 {
		return ""
	}
	return tok
}

func (h *Hub) serveHTTP(w http.ResponseWriter, r *http.Request) {
	cur := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for {
		m := h.maxInFlight.Load()
		if cur <= m || h.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}

	body, _ := io.ReadAll(r.Body)
	escPath := r.URL.EscapedPath()
	tok := authToken(r.Header)

	authorized := false
	if tok != "" {
		h.mu.RLock()
		if t, ok := h.tokens[tok]; ok {
			authorized = t.owner.Kind == "service" || h.byName[t.owner.Name] != nil
		}
		h.mu.RUnlock()
	}
	h.reqMu.Lock()
	h.reqs = append(h.reqs, Request{
		Method:     r.Method,
		Path:       escPath,
		Query:      r.URL.Query(),
		Accept:     strings.Join(r.Header.Values("Accept"), ","),
		Body:       string(body),
		Authorized: authorized,
	})
	h.reqMu.Unlock()

	faultPath := r.URL.Path
	if faultPath == "/hub/api" || strings.HasPrefix(faultPath, "/hub/api/") {
		faultPath = faultPath[len("/hub/api"):]
	}
	f := h.takeFault(r.Method, faultPath)
	if f != nil && f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f != nil && f.Reset {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST rather than FIN
				}
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	var resp response
	if f != nil && f.Status != 0 {
		resp = jsonError(f.Status, "")
		if f.RetryAfter != "" {
			resp.header = http.Header{"Retry-After": {f.RetryAfter}}
		}
	} else {
		resp = h.handle(r, escPath, body, tok)
	}
	defer putBuf(resp.body)

	hdr := w.Header()
	// handlers/base.py set_default_headers
	hdr.Set("X-JupyterHub-Version", h.opts.Version)
	if resp.ctype != "" && resp.status != http.StatusNoContent {
		// tornado RequestHandler.finish drops the representation headers
		// (Content-Type) of a 204
		hdr.Set("Content-Type", resp.ctype)
	}
	for k, v := range resp.header {
		hdr[k] = v
	}
	var out []byte
	if resp.body != nil {
		out = resp.body.Bytes()
	}
	if f != nil && f.Truncate {
		out = out[:len(out)/2]
	}
	if resp.status != http.StatusNoContent {
		hdr.Set("Content-Length", strconv.Itoa(len(out)))
	}
	w.WriteHeader(resp.status)
	if len(out) > 0 && resp.status != http.StatusNoContent && r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

// route identifies the handler of jupyterhub/apihandlers/*.py default_handlers
// (tornado matches the patterns against the escaped path and unescapes the
// groups; anything else under /hub/api/ is API404, app.py init_handlers).
type route int

const (
	routeNotFound      route = iota
	routeRoot                // hub.py (r"/api/?", RootAPIHandler)
	routeSelf                // users.py (r"/api/user", SelfAPIHandler)
	routeUsers               // users.py (r"/api/users", UserListAPIHandler)
	routeUser                // users.py (r"/api/users/([^/]+)", UserAPIHandler)
	routeServer              // users.py (r"/api/users/([^/]+)/server", ...) and servers/([^/]*)
	routeUnimplemented       // an endpoint the real Hub has but the fake does not
)

// methods each handler class implements (others are 405, tornado's
// RequestHandler._unimplemented_method); false marks methods the real
// handler has but the fake does not implement (501).
var routeMethods = map[route]map[string]bool{
	routeRoot:   {"GET": true},
	routeSelf:   {"GET": true},
	routeUsers:  {"GET": true, "POST": false},
	routeUser:   {"GET": true, "DELETE": true, "POST": false, "PATCH": false},
	routeServer: {"DELETE": true, "POST": false},
}

var tornadoMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "DELETE": true, "PATCH": true, "PUT": true, "OPTIONS": true}

type routed struct {
	route      route
	userName   string
	serverName string
}

func matchRoute(escPath string) (routed, bool, string) {
	var rel string
	switch {
	case escPath == "/hub/api":
		return routed{route: routeRoot}, true, ""
	case strings.HasPrefix(escPath, "/hub/api/"):
		rel = escPath[len("/hub/api/"):]
	default:
		return routed{}, false, ""
	}
	if rel == "" {
		return routed{route: routeRoot}, true, ""
	}
	segs := strings.Split(rel, "/")
	unesc := func(s string) (string, string) {
		// tornado routing: url_unescape(group, plus=False) then utf-8 decode
		v := pyUnquote(s)
		raw := unquoteBytes(s)
		if !utf8.ValidString(raw) {
			return "", "Invalid unicode in url: " + pyRepr(raw)
		}
		return v, ""
	}
	switch segs[0] {
	case "user":
		if len(segs) == 1 {
			return routed{route: routeSelf}, true, ""
		}
	case "users":
		if len(segs) == 1 {
			return routed{route: routeUsers}, true, ""
		}
		if segs[1] == "" {
			break
		}
		name, bad := unesc(segs[1])
		if bad != "" {
			return routed{}, true, bad
		}
		switch {
		case len(segs) == 2:
			return routed{route: routeUser, userName: name}, true, ""
		case len(segs) == 3 && segs[2] == "server":
			return routed{route: routeServer, userName: name}, true, ""
		case len(segs) == 4 && segs[2] == "servers":
			srv, bad := unesc(segs[3])
			if bad != "" {
				return routed{}, true, bad
			}
			return routed{route: routeServer, userName: name, serverName: srv}, true, ""
		case len(segs) == 4 && segs[2] == "server" && segs[3] == "progress",
			len(segs) == 5 && segs[2] == "servers" && segs[4] == "progress",
			len(segs) == 3 && (segs[2] == "tokens" || segs[2] == "activity" || segs[2] == "admin-access"),
			len(segs) == 4 && segs[2] == "tokens":
			return routed{route: routeUnimplemented}, true, ""
		}
	case "info", "shutdown", "groups", "services", "proxy", "authorizations", "oauth2":
		return routed{route: routeUnimplemented}, true, ""
	}
	return routed{route: routeNotFound}, true, ""
}

// unquoteBytes is pyUnquote without the UTF-8 repair.
func unquoteBytes(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		buf = append(buf, s[i])
	}
	return string(buf)
}

// reqCtx is one request being handled, with the requester's scopes.
type reqCtx struct {
	h      *Hub
	r      *http.Request
	args   []qsPair
	owner  *Owner // nil: no current user (handlers/base.py current_user None)
	tokID  int    // the token's orm id, when owner != nil
	parsed parsedScopes
	scopes map[string]bool // expanded scopes
}

func (h *Hub) handle(r *http.Request, escPath string, body []byte, tok string) response {
	rt, under, bad := matchRoute(escPath)
	if !under {
		return jsonError(http.StatusNotFound, "")
	}
	// tornado web.py RequestHandler._execute: unsupported method (405), then
	// decode_argument on the path groups (400), then prepare().
	if !tornadoMethods[r.Method] {
		return jsonError(http.StatusMethodNotAllowed, "")
	}
	if bad != "" {
		return jsonError(http.StatusBadRequest, bad)
	}
	// handlers/base.py prepare -> get_current_user_token: a request with a
	// user-owned token records activity on that user (_record_activity,
	// activity_resolution).
	if tok != "" && h.actRes > 0 {
		h.recordTokenActivity(tok)
	}
	switch rt.route {
	case routeNotFound:
		// base.py API404
		return jsonError(http.StatusNotFound, "")
	case routeUnimplemented:
		if r.Method == http.MethodOptions {
			return emptyResponse(http.StatusOK, "application/json")
		}
		return jsonError(http.StatusNotImplemented, "fakehub: "+r.Method+" "+escPath+" is not implemented")
	}
	if r.Method == http.MethodOptions {
		// base.py APIHandler.options: self.finish()
		return emptyResponse(http.StatusOK, "application/json")
	}
	impl, ok := routeMethods[rt.route][r.Method]
	if !ok {
		return jsonError(http.StatusMethodNotAllowed, "")
	}
	if !impl {
		return jsonError(http.StatusNotImplemented, "fakehub: "+r.Method+" "+escPath+" is not implemented")
	}

	if r.Method == http.MethodGet {
		h.mu.RLock()
		defer h.mu.RUnlock()
	} else {
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	c := &reqCtx{h: h, r: r, args: parseQSL(r.URL.RawQuery, true)}
	c.resolveScopes(tok)

	switch rt.route {
	case routeRoot:
		return h.getRoot()
	case routeSelf:
		return c.getSelf()
	case routeUsers:
		return c.listUsers()
	case routeUser:
		if r.Method == http.MethodGet {
			return c.getUser(rt.userName)
		}
		return c.deleteUser(rt.userName)
	case routeServer:
		return c.deleteServer(rt.userName, rt.serverName, body)
	}
	return jsonError(http.StatusNotFound, "")
}

func (h *Hub) recordTokenActivity(tok string) {
	h.mu.RLock()
	t, ok := h.tokens[tok]
	var u *urec
	if ok && t.owner.Kind == "user" {
		u = h.byName[t.owner.Name]
	}
	now := h.now()
	need := u != nil && (u.lastActivity == nil || now.Sub(*u.lastActivity) > h.actRes)
	h.mu.RUnlock()
	if !need {
		return
	}
	h.mu.Lock()
	if u2 := h.byName[t.owner.Name]; u2 == u && (u.lastActivity == nil || now.Sub(*u.lastActivity) > h.actRes) {
		u.lastActivity = &now
	}
	h.mu.Unlock()
}

// resolveScopes mirrors handlers/base.py _resolve_roles_and_scopes (h.mu held).
func (c *reqCtx) resolveScopes(tok string) {
	c.scopes = map[string]bool{}
	if tok != "" {
		if t, ok := c.h.tokens[tok]; ok {
			if t.owner.Kind == "service" || c.h.byName[t.owner.Name] != nil {
				o := t.owner
				c.owner = &o
				c.tokID = t.id
				c.scopes = expandTokenScopes(t.scopes, o)
			}
		}
	}
	c.parsed = parseScopes(c.scopes)
}

// arg mirrors tornado get_argument: the last value, control characters
// replaced by a space, stripped.
func (c *reqCtx) arg(name string) (string, bool) {
	for i := len(c.args) - 1; i >= 0; i-- {
		if c.args[i].k == name {
			v := strings.Map(func(r rune) rune {
				if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
					return ' '
				}
				return r
			}, c.args[i].v)
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// needsScope mirrors scopes.py needs_scope / _check_scope_access. It
// returns a non-zero status when access is refused: 403 when no scope is
// held, 404 when the first held scope is filtered and the filter does not
// match the requested user/server.
func (c *reqCtx) needsScope(scopes []string, user *string, server *string) (int, string) {
	for _, s := range scopes {
		ss := c.parsed[s]
		if ss == nil {
			continue
		}
		if ss.all {
			return 0, ""
		}
		if user == nil {
			// "Client has restricted access ... Internal filtering may apply"
			return 0, ""
		}
		if server != nil && ss.f["server"][*user+"/"+*server] {
			return 0, ""
		}
		if ss.f["user"][*user] {
			return 0, ""
		}
		if len(ss.f["group"]) > 0 {
			// _needs_scope_expansion / _check_user_in_expanded_scope
			u := c.h.byName[*user]
			if u == nil {
				return http.StatusNotFound, "No access to resources or resources not found"
			}
			if ss.inGroup(u) {
				return 0, ""
			}
		}
		return http.StatusNotFound, "No access to resources or resources not found"
	}
	return http.StatusForbidden, "Action is not authorized with current scopes; requires any of [" + strings.Join(scopes, ", ") + "]"
}

// getRoot mirrors hub.py RootAPIHandler.get (no authentication).
func (h *Hub) getRoot() response {
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, `{"version": `...)
	out = appendJSONString(out, h.opts.Version)
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}
