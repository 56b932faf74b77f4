package fakehub

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// response is a finished answer, written by serveHTTP.
type response struct {
	status int
	ctype  string
	body   *bytes.Buffer // nil = no body
	header http.Header   // extra headers
	// then, if set, is the rest of the handler: it runs interruptWait
	// later with h.mu held, and its response is the answer
	then func() response
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
	out = appendString(out, message)
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

// authToken mirrors handlers/base.py get_auth_token: "token <t>" or
// "bearer <t>", either case.
func authToken(hdr http.Header) string {
	f := strings.Fields(hdr.Get("Authorization"))
	if len(f) != 2 || !strings.EqualFold(f[0], "token") && !strings.EqualFold(f[0], "bearer") {
		return ""
	}
	return f[1]
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
		_, authorized = h.liveToken(tok)
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
	if len(out) > 0 && resp.status != http.StatusNoContent {
		_, _ = w.Write(out)
	}
}

// route is the handler of jupyterhub/apihandlers/*.py default_handlers a
// path goes to.
type route int

const (
	routeNotFound      route = iota // outside /hub/api, or an empty name (API404)
	routeRoot                       // hub.py (r"/api/?", RootAPIHandler)
	routeSelf                       // users.py (r"/api/user", SelfAPIHandler)
	routeUsers                      // users.py (r"/api/users", UserListAPIHandler)
	routeUser                       // users.py (r"/api/users/([^/]+)", UserAPIHandler)
	routeServer                     // users.py (r"/api/users/([^/]+)/server", ...) and servers/([^/]+)
	routeTokens                     // users.py (r"/api/users/([^/]+)/tokens", UserTokenListAPIHandler)
	routeToken                      // users.py (r"/api/users/([^/]+)/tokens/([^/]*)", UserTokenAPIHandler)
	routeUnimplemented              // anything else under /hub/api: not modelled
)

// routeMethods are the methods the fake implements per route; the others
// answer 501 (the real handlers implement more of them, e.g. POST).
var routeMethods = map[route]map[string]bool{
	routeRoot:   {"GET": true},
	routeSelf:   {"GET": true},
	routeUsers:  {"GET": true},
	routeUser:   {"GET": true, "DELETE": true},
	routeServer: {"DELETE": true},
	routeTokens: {"GET": true, "POST": true},
	routeToken:  {"GET": true, "DELETE": true},
}

type routed struct {
	route      route
	userName   string
	serverName string
	tokenID    string
}

// matchRoute matches the escaped path, as tornado does, and unescapes the
// names in it (a name may hold an escaped "/").
func matchRoute(escPath string) routed {
	rel, ok := strings.CutPrefix(escPath, "/hub/api")
	if !ok || rel != "" && rel[0] != '/' {
		return routed{route: routeNotFound}
	}
	rel = strings.TrimPrefix(rel, "/")
	if rel == "" {
		return routed{route: routeRoot}
	}
	segs := strings.Split(rel, "/")
	name := func(i int) (string, bool) {
		v, err := url.PathUnescape(segs[i])
		return v, err == nil && v != ""
	}
	switch {
	case len(segs) == 1 && segs[0] == "user":
		return routed{route: routeSelf}
	case len(segs) == 1 && segs[0] == "users":
		return routed{route: routeUsers}
	case segs[0] != "users" || len(segs) > 4:
		return routed{route: routeUnimplemented}
	}
	user, ok := name(1)
	if !ok {
		return routed{route: routeNotFound}
	}
	switch {
	case len(segs) == 2:
		return routed{route: routeUser, userName: user}
	case len(segs) == 3 && segs[2] == "server":
		return routed{route: routeServer, userName: user}
	case len(segs) == 3 && segs[2] == "tokens":
		return routed{route: routeTokens, userName: user}
	case len(segs) == 4 && segs[2] == "tokens":
		id, err := url.PathUnescape(segs[3])
		if err == nil {
			return routed{route: routeToken, userName: user, tokenID: id}
		}
	case len(segs) == 4 && segs[2] == "servers":
		if server, ok := name(3); ok {
			return routed{route: routeServer, userName: user, serverName: server}
		}
	}
	return routed{route: routeUnimplemented}
}

// reqCtx is one request being handled, with the requester's scopes.
type reqCtx struct {
	h      *Hub
	r      *http.Request
	query  url.Values
	owner  *Owner    // nil: no current user (handlers/base.py current_user None)
	token  *tokenRec // the token of owner
	parsed parsedScopes
	scopes map[string]bool // expanded scopes
}

func (h *Hub) handle(r *http.Request, escPath string, body []byte, tok string) response {
	rt := matchRoute(escPath)
	switch rt.route {
	case routeNotFound:
		// base.py API404
		return jsonError(http.StatusNotFound, "")
	case routeUnimplemented:
		return jsonError(http.StatusNotImplemented, "fakehub: "+r.Method+" "+escPath+" is not implemented")
	}
	if !routeMethods[rt.route][r.Method] {
		return jsonError(http.StatusNotImplemented, "fakehub: "+r.Method+" "+escPath+" is not implemented")
	}
	if tok != "" {
		h.recordTokenActivity(tok)
	}

	resp := h.dispatch(r, rt, body, tok)
	if resp.then != nil {
		// the handler awaits without holding the Hub: others are answered
		time.Sleep(interruptWait)
		h.mu.Lock()
		resp = resp.then()
		h.mu.Unlock()
	}
	return resp
}

// dispatch runs the route's handler with h.mu held.
func (h *Hub) dispatch(r *http.Request, rt routed, body []byte, tok string) response {
	if r.Method == http.MethodGet {
		h.mu.RLock()
		defer h.mu.RUnlock()
	} else {
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	c := &reqCtx{h: h, r: r, query: r.URL.Query()}
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
	case routeTokens:
		if r.Method == http.MethodGet {
			return c.listTokens(rt.userName)
		}
		return c.postToken(rt.userName, body)
	case routeToken:
		if r.Method == http.MethodGet {
			return c.getToken(rt.userName, rt.tokenID)
		}
		return c.deleteToken(rt.userName, rt.tokenID)
	}
	return c.deleteServer(rt.userName, rt.serverName, body)
}

// activityResolution is app.py JupyterHub.activity_resolution.
const activityResolution = 30 * time.Second

// recordTokenActivity mirrors handlers/base.py get_current_user_token ->
// _record_activity: a request with a user-owned token sets the owner's
// last_activity (once per activityResolution). Kept because that is a
// last_activity hubctl reads: a culler run with a user's token keeps its
// owner active.
func (h *Hub) recordTokenActivity(tok string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.liveToken(tok)
	if !ok {
		return
	}
	if now := time.Now(); t.lastActivity == nil || now.Sub(*t.lastActivity) > activityResolution {
		t.lastActivity = &now
		h.tokens[tok] = t
	}
	if t.owner.Kind != "user" {
		return
	}
	u := h.byName[t.owner.Name]
	if now := time.Now(); u != nil && (u.lastActivity == nil || now.Sub(*u.lastActivity) > activityResolution) {
		u.lastActivity = &now
	}
}

// resolveScopes mirrors handlers/base.py _resolve_roles_and_scopes (h.mu held).
func (c *reqCtx) resolveScopes(tok string) {
	c.scopes = map[string]bool{}
	if tok != "" {
		if t, ok := c.h.liveToken(tok); ok {
			o := t.owner
			c.owner = &o
			c.token = &t
			c.scopes = c.h.tokenScopes(&t)
		}
	}
	c.parsed = parseScopes(c.scopes)
}

// arg mirrors tornado get_argument: the last value, stripped.
func (c *reqCtx) arg(name string) (string, bool) {
	v, ok := c.query[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return strings.TrimSpace(v[len(v)-1]), true
}

// needsScope mirrors scopes.py needs_scope. It returns a non-zero status
// when access is refused: 403 when no scope is held, 404 when a held scope
// is filtered and the filter does not match the requested user. 3.0.0
// (_check_scope_access) decides on the first scope held; from 5.0.0
// (has_scope; 5.2.1 scopes.py) any scope that allows it grants access. From
// 4.1.0 a request without credentials gets a message of its own.
func (c *reqCtx) needsScope(scopes []string, user *string) (int, string) {
	if c.h.since(4, 1) && c.owner == nil {
		// 4.1.0 and 5.2.1 scopes.py needs_scope: "not authenticated at all, fail
		// with more generic message"
		return http.StatusForbidden, "Missing or invalid credentials."
	}
	const notFound = "No access to resources or resources not found"
	filtered := false
	for _, s := range scopes {
		ss := c.parsed[s]
		if ss == nil {
			continue
		}
		if ss.all || user == nil || ss.users[*user] {
			// user == nil: "Client has restricted access ... Internal
			// filtering may apply" (3.0.0), post_filter (5.2.1)
			return 0, ""
		}
		if !c.h.since(5, 0) {
			return http.StatusNotFound, notFound
		}
		filtered = true
	}
	if filtered {
		return http.StatusNotFound, notFound
	}
	return http.StatusForbidden, "Action is not authorized with current scopes; requires any of [" + strings.Join(scopes, ", ") + "]"
}

// getRoot mirrors hub.py RootAPIHandler.get (no authentication).
func (h *Hub) getRoot() response {
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, `{"version": `...)
	out = appendString(out, h.opts.Version)
	out = append(out, '}')
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// appendString writes s as a JSON string. (The Hub's json.dumps escapes
// every non-ASCII character; encoding/json does not. No client tells.)
// Printable ASCII without quotes or backslashes, i.e. most names, skips
// encoding/json: the benchmarks list 100 000 users a pass.
func appendString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b, _ := json.Marshal(s)
			return append(out, b...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}
