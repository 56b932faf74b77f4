// Package fakehub is an in-process fake of the JupyterHub REST API, the
// part hubctl's culler and check talk to, for unit, fault and benchmark tests
// of cull and cmd/hubctl. It answers as the release Options.Version names:
// JupyterHub 3.0.0 by default, 5.2.1, or a release before 2.0.
//
// Where the facts come from: the handlers of JupyterHub 3.0.0 as Debian
// bookworm installs them (/usr/lib/python3/dist-packages/jupyterhub/:
// apihandlers/users.py, base.py, hub.py, scopes.py, user.py, spawner.py), each
// behaviour citing the code it mirrors, and for the endpoints and fields the
// REST API spec shared/jupyterhub/rest-api-3.0.yml (beside the repository; see
// testdata/jupyterhub-versions.md); for 5.x the same files at the tag 5.2.1 of
// github:jupyterhub/jupyterhub (identical to Debian trixie's), each
// difference gated on the first tag whose source has it. What it models:
//
//	GET    /hub/api/                          version (no auth)
//	GET    /hub/api/user                      the token owner and its scopes
//	GET    /hub/api/users                     list: pagination, state=active|ready|inactive
//	GET    /hub/api/users/{name}              one user
//	DELETE /hub/api/users/{name}              delete a user
//	DELETE /hub/api/users/{name}/server       stop the default server
//	DELETE /hub/api/users/{name}/servers/{s}  stop (and with {"remove": true} remove) a named server
//	GET    /hub/api/users/{name}/tokens       the user's tokens, {"api_tokens": [...]}
//	POST   /hub/api/users/{name}/tokens       a token for the user (scopes or inherit, expires_in, note; see tokens.go)
//	GET    /hub/api/users/{name}/tokens/{id}  one token
//	DELETE /hub/api/users/{name}/tokens/{id}  delete one (an OAuth token: all of its client's)
//
// and the behaviours of those that decide what the culler does:
//
//   - Paging as base.py paginated_model does it: the Accept header must name
//     the pagination media type exactly, limit defaults and clamps to
//     api_page_default_limit/api_page_max_limit, and for state=active|ready
//     offset, limit and total count one row per *active server*, with
//     "ready" a filter after the LIMIT: pages can be short, even empty,
//     while next is not null, and a user with two active servers can be on
//     two pages. _pagination.next.url carries the Hub's own address (here
//     an unreachable one), so a client must rebuild the next request.
//   - Scopes: 403 without the endpoint's scope, subscopes expanded as
//     scopes.py does (GET /user reports them), and a user model showing only
//     the keys the scopes allow (no last_activity without
//     read:users:activity, no servers without read:servers). A user-owned
//     token has its owner's identify scopes, filtered on that user, and
//     each request with it records activity on the owner (last_activity).
//   - Pending spawns and stops: a server pending spawn or check refuses a
//     stop (400); a stop with a delay answers 202 and leaves the server
//     pending "stop" for that long (Options.StopDelay, Server.StopDelay); a
//     finished stop sets the user's and the server's last_activity to now.
//   - The statuses of the deletes: 204, 202 while stopping, 404 for an
//     unknown named server or user, 400 for a user whose server is
//     stopping, 500 for a server of an unknown user (the handler does not
//     check find_user for None) and for a user with an active named server.
//   - Hubs before 2.0 (Options.Version): GET /users is a bare list of all users.
//   - What changed after 3.0.0, from the release that changed it: from 4.1.0
//     a request without credentials is refused with "Missing or invalid
//     credentials." and next.url keeps blank query values; from 5.0.0
//     state=active|ready counts one row per active *user* (grouped by user,
//     so no duplicates and no short pages but for "ready"), access is granted
//     by any of the endpoint's scopes (not the first one held), the sharing
//     scopes and admin:services exist, GET /user carries token_id, and a
//     server model full_name, full_url and full_progress_url; from 5.1.0 a
//     DELETE of a server pending spawn cancels the spawn and a second later
//     stops the server (204 or 202), and one still pending (a check) is a
//     500, where 3.0.0 refuses both with 400.
//   - Faults (Hub.Inject): a status with Retry-After, a reset connection, a
//     delay, a truncated body; and a record of every request (Hub.Requests).
//
// Timestamps are written as the Hub writes them (utils.isoformat), because
// hubctl parses them. Deliberately not modelled, as hubctl neither sends
// nor reads it: other endpoints and methods (501), filtered scopes given to a
// token with AddToken (!user=, !group=, !server=; it panics: only a token
// minted through POST /users/{name}/tokens carries a filter), the "admin",
// "inherit" and "self" metascopes, roles, the groups API (a user's groups
// are shown in the user model, as given to AddUser), name_filter, sort (5.x;
// its 400 for a bad value), include_stopped_servers, admin:server_state,
// the scopes 2.x lacks (the fake's 2.x has 3.0.0's), sessions (session_id
// is null), exact values for the model fields hubctl does not read (roles,
// server, urls: they are sent, for the shape and size of a reply, but
// approximate), and Python's byte-exact json.dumps (the keys and values are
// the Hub's; the bytes between them need not be). Key order is fixed and
// servers are ordered by name. A stop with a delay answers at once where the
// Hub first waits up to slow_stop_timeout.
//
// TestAgainstRealHub, TestAgainstRealHubPaging and TestAgainstRealHubTokens (testdata/realhub.py, in
// each of realhub.Releases: 3.0.0 and 5.2.1) send the same requests to the
// real Hub and to the fake asked to be its version, and compare what hubctl
// reads of the answers: statuses, Content-Type and the fields cull decodes.
package fakehub

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// Options configures a fake Hub.
type Options struct {
	// Version is the JupyterHub release the fake answers as: GET /hub/api/
	// and the X-JupyterHub-Version header report it, and it picks the
	// behaviours (see the package comment): before 2.0 the legacy list,
	// then 3.0.0's handlers with each later change from the release that
	// made it, up to 5.2.1's (checked against the real 3.0.0 and 5.2.1;
	// 6.x answers as 5.2.1). "3.0.0" if empty; a version hub.ParseVersion
	// cannot read is reported as given and answered as 3.0.0.
	Version string
	// DefaultLimit and MaxLimit are api_page_default_limit and
	// api_page_max_limit; 0 = the defaults (50 and 200, app.py, the same in
	// 3.0.0 and 5.2.1).
	DefaultLimit, MaxLimit int
	// StopDelay is the default time a running server takes to stop. > 0
	// makes DELETE answer 202 and the server sits in pending "stop" for that
	// long. 0 or < 0: servers stop at once.
	StopDelay time.Duration
	// PublicURL is c.JupyterHub.public_url: from 5.0 a server model's
	// full_url and full_progress_url are it with the model's url and
	// progress_url as the path (base.py server_model, 5.2.1); null without.
	PublicURL string
	// TokenExpiresInMaxSeconds is c.JupyterHub.token_expires_in_max_seconds
	// (5.1.0 on; 0 = no limit): POST /users/{name}/tokens gives a token
	// without expires_in that lifetime and refuses a longer one (users.py
	// UserTokenListAPIHandler.post, 5.2.1).
	TokenExpiresInMaxSeconds int
}

// modelledVersion is the release the fake answers as when Options.Version
// is empty or unreadable.
var modelledVersion = hub.Version{Major: 3}

// since reports whether the Hub's release is major.minor or later: each
// behaviour that changed after 3.0.0 is gated on the release whose source
// first has it.
func (h *Hub) since(major, minor int) bool { return h.v.AtLeast(major, minor) }

// internalURL is the base the Hub puts in _pagination.next.url: it builds it
// from the request as it saw it, i.e. its own address behind the proxy.
// Here it is unreachable, so a client that follows next.url literally fails.
const internalURL = "http://127.0.0.1:1/hub/api"

// Owner is the owner of an API token.
type Owner struct {
	Kind  string // "service" or "user"
	Name  string
	Admin bool // a service's admin flag (service model); ignored for users
}

// User is a Hub user. The zero Created means "when added".
type User struct {
	Name         string
	Admin        bool
	Groups       []string // the names of the user's groups, in the order they were joined
	Created      time.Time
	LastActivity *time.Time
	Servers      map[string]*Server // key "" is the default server
}

// Server is one of a user's servers (a Spawner).
type Server struct {
	Ready        bool
	Pending      string // "", "spawn", "stop", "check"
	Started      *time.Time
	LastActivity *time.Time
	// StopDelay overrides Options.StopDelay for this server; -1 = stops at once.
	StopDelay time.Duration
	// UserOptions is what the spawn request carried (a KubeSpawner profile
	// is {"profile": "gpu"}); nil is {}, as for any server that has run.
	UserOptions map[string]any
}

// Request is a request the fake saw.
type Request struct {
	Method     string
	Path       string // escaped, as sent
	Query      url.Values
	Accept     string
	Body       string
	Authorized bool // carried a known token whose owner exists
}

// Fault makes the fake misbehave on matching requests. See Hub.Inject.
type Fault struct {
	Method     string        // "" = any
	Path       string        // prefix of the unescaped path after /hub/api; "" = any
	Times      int           // how many matching requests it hits; 0 = every one
	Status     int           // answer this status with a JSON {"status":..,"message":..} body
	RetryAfter string        // Retry-After header with Status
	Reset      bool          // hijack and close the connection (RST) without answering; note Go's http.Transport silently retries an idempotent request that fails on a reused connection
	Delay      time.Duration // sleep before answering normally (or before the fault)
	Truncate   bool          // answer normally but cut the JSON body in half
}

// Hub is the fake JupyterHub.
type Hub struct {
	opts      Options
	v         hub.Version         // the release answered as
	scopeDefs map[string][]string // the release's scope_definitions
	roles     roleScopes          // the release's user and admin roles
	// publicOrigin is Options.PublicURL's scheme://host, "" without it
	publicOrigin string
	srv          *httptest.Server

	mu     sync.RWMutex
	users  []*urec // index = user id (insertion order); nil = deleted
	byName map[string]*urec
	// idx[c] holds, per user id, the number of SQL rows the user contributes
	// to the list query of category c (see categoryAll...).
	idx      [3]fenwick
	tokens   map[string]tokenRec
	tokenSeq int
	timers   map[*time.Timer]struct{}
	closed   bool

	reqMu sync.Mutex
	reqs  []Request

	faultMu sync.Mutex
	faults  []*faultState

	inFlight, maxInFlight atomic.Int64
}

type faultState struct {
	f    Fault
	left int // remaining hits when f.Times > 0
}

// list query categories (users.py UserListAPIHandler.get)
const (
	categoryAll      = iota // no state filter: one row per user
	categoryActive          // state=active|ready: JOIN spawners WHERE server != NULL, one row per active server (3.0), per active user (5.x)
	categoryInactive        // state=inactive: users with no active server, one row each
)

type urec struct {
	id           int
	live         bool
	name         string
	admin        bool
	groups       []string
	created      time.Time
	lastActivity *time.Time
	servers      map[string]*srec
	names        []string // server names, sorted ("" first)
	w            [3]int64 // weights currently in Hub.idx
}

type srec struct {
	ready        bool
	pending      string
	started      *time.Time
	lastActivity *time.Time
	stopDelay    time.Duration
	removeAfter  bool   // remove (named) server once the pending stop completes
	userOptions  []byte // JSON
}

// spawner.ready: not pending and has a server (spawner.py Spawner.ready)
func (s *srec) isReady() bool { return s.pending == "" && s.ready }

// spawner.active: pending or ready (spawner.py Spawner.active); also "has a
// server record", i.e. what the SQL `Spawner.server != None` selects.
func (s *srec) isActive() bool { return s.pending != "" || s.ready }

// New starts a fake Hub on an httptest.Server.
func New(opts Options) *Hub {
	if opts.Version == "" {
		opts.Version = "3.0.0"
	}
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = 50 // app.py api_page_default_limit
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 200 // app.py api_page_max_limit
	}
	h := &Hub{
		opts:      opts,
		v:         modelledVersion,
		scopeDefs: scopes30,
		byName:    map[string]*urec{},
		tokens:    map[string]tokenRec{},
		timers:    map[*time.Timer]struct{}{},
	}
	if v, err := hub.ParseVersion(opts.Version); err == nil {
		h.v = v
	}
	if pub, err := url.Parse(opts.PublicURL); err == nil && opts.PublicURL != "" {
		h.publicOrigin = pub.Scheme + "://" + pub.Host
	}
	h.roles = newRoleScopes(scopes30, selfScopes30, adminRoleScopes30)
	if h.since(5, 0) {
		h.scopeDefs = scopes52
		h.roles = newRoleScopes(scopes52, selfScopes52, adminRoleScopes52)
	}
	for c := range h.idx {
		h.idx[c].rebuild(1024, func(int) int64 { return 0 })
	}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serveHTTP))
	return h
}

// URL is the API base: the server URL + "/hub/api" (no trailing slash).
func (h *Hub) URL() string { return h.srv.URL + "/hub/api" }

// Close shuts the server down and cancels pending stops.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for t := range h.timers {
		t.Stop()
	}
	h.timers = nil
	h.mu.Unlock()
	h.srv.CloseClientConnections()
	h.srv.Close()
}

// AddToken registers an API token with the scopes its owner's roles give it
// (subscopes are expanded as the Hub does). It panics on a scope the Hub does
// not know, as the Hub refuses to create such a token, and on a metascope or
// filter the fake does not model.
func (h *Hub) AddToken(token string, owner Owner, scopes ...string) {
	checkScopeNames(h.scopeDefs, scopes)
	if owner.Kind != "service" && owner.Kind != "user" {
		panic("fakehub: Owner.Kind must be \"service\" or \"user\"")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// keep the raw scopes; they are expanded per request, as
	// handlers/base.py _resolve_roles_and_scopes calls get_scopes_for
	h.tokenSeq++
	h.tokens[token] = tokenRec{id: h.tokenSeq, owner: owner, scopes: append([]string(nil), scopes...), created: time.Now()}
}

type tokenRec struct {
	id        int // orm.APIToken.id: GET /user on 5.x reports "a<id>" as token_id
	owner     Owner
	scopes    []string
	note      string
	created   time.Time
	expiresAt *time.Time // nil = never (expires_in)
	// lastActivity is set by each request the token authenticates
	// (handlers/base.py _record_activity); nil = never used.
	lastActivity *time.Time
	// oauthClient is the token's client description; "" = the Hub's own,
	// "JupyterHub" (an API token, not an OAuth one).
	oauthClient string
}

// AddUser adds a user, or replaces the user of that name (keeping its id,
// i.e. its place in the list order).
func (h *Hub) AddUser(u User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := &urec{
		live:         true,
		name:         u.Name,
		admin:        u.Admin,
		groups:       slices.Clone(u.Groups),
		created:      u.Created,
		lastActivity: copyTime(u.LastActivity),
		servers:      map[string]*srec{},
	}
	if r.created.IsZero() {
		r.created = time.Now()
	}
	for name, s := range u.Servers {
		if s == nil {
			continue
		}
		r.servers[name] = &srec{
			ready:        s.Ready,
			pending:      s.Pending,
			started:      copyTime(s.Started),
			lastActivity: copyTime(s.LastActivity),
			stopDelay:    s.StopDelay,
			userOptions:  []byte("{}"),
		}
		if s.UserOptions != nil {
			opts, err := json.Marshal(s.UserOptions)
			if err != nil {
				panic("fakehub: UserOptions: " + err.Error())
			}
			r.servers[name].userOptions = opts
		}
	}
	r.sortNames()
	if old := h.byName[u.Name]; old != nil {
		r.id = old.id
		r.w = old.w
		old.live = false
		h.users[r.id] = r
	} else {
		r.id = len(h.users)
		h.users = append(h.users, r)
		if r.id >= h.idx[0].n() {
			n := 2 * h.idx[0].n()
			for c := range h.idx {
				c := c
				h.idx[c].rebuild(n, func(i int) int64 {
					if i < len(h.users) && h.users[i] != nil {
						return h.users[i].w[c]
					}
					return 0
				})
			}
		}
	}
	h.byName[u.Name] = r
	h.reindex(r)
}

// User returns a deep copy of the current state of a user.
func (h *Hub) User(name string) (User, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	r := h.byName[name]
	if r == nil {
		return User{}, false
	}
	return r.export(), true
}

// Requests returns every request seen since the last ResetRequests.
func (h *Hub) Requests() []Request {
	h.reqMu.Lock()
	defer h.reqMu.Unlock()
	out := make([]Request, len(h.reqs))
	copy(out, h.reqs)
	return out
}

// ResetRequests forgets the recorded requests and resets MaxInFlight.
func (h *Hub) ResetRequests() {
	h.reqMu.Lock()
	h.reqs = nil
	h.reqMu.Unlock()
	h.maxInFlight.Store(h.inFlight.Load())
}

// MaxInFlight is the highest number of requests handled at the same time.
func (h *Hub) MaxInFlight() int { return int(h.maxInFlight.Load()) }

// Inject adds a fault. For each request the first matching fault that is
// not used up applies (faults are tried in the order they were injected).
func (h *Hub) Inject(f Fault) {
	h.faultMu.Lock()
	defer h.faultMu.Unlock()
	h.faults = append(h.faults, &faultState{f: f, left: f.Times})
}

func (h *Hub) takeFault(method, path string) *Fault {
	h.faultMu.Lock()
	defer h.faultMu.Unlock()
	for _, fs := range h.faults {
		if fs.f.Method != "" && !strings.EqualFold(fs.f.Method, method) {
			continue
		}
		if !strings.HasPrefix(path, fs.f.Path) {
			continue
		}
		if fs.f.Times > 0 {
			if fs.left <= 0 {
				continue
			}
			fs.left--
		}
		f := fs.f
		return &f
	}
	return nil
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func (r *urec) sortNames() {
	r.names = r.names[:0]
	for n := range r.servers {
		r.names = append(r.names, n)
	}
	sort.Strings(r.names)
}

func (r *urec) export() User {
	u := User{
		Name:         r.name,
		Admin:        r.admin,
		Groups:       slices.Clone(r.groups),
		Created:      r.created,
		LastActivity: copyTime(r.lastActivity),
		Servers:      make(map[string]*Server, len(r.servers)),
	}
	for n, s := range r.servers {
		u.Servers[n] = &Server{
			Ready:        s.ready,
			Pending:      s.pending,
			Started:      copyTime(s.started),
			LastActivity: copyTime(s.lastActivity),
			StopDelay:    s.stopDelay,
		}
		if string(s.userOptions) != "{}" {
			_ = json.Unmarshal(s.userOptions, &u.Servers[n].UserOptions)
		}
	}
	return u
}

func (r *urec) activeCount() int64 {
	var n int64
	for _, s := range r.servers {
		if s.isActive() {
			n++
		}
	}
	return n
}

// reindex updates the list-query index after r changed (h.mu held).
func (h *Hub) reindex(r *urec) {
	var w [3]int64
	if r.live {
		a := r.activeCount()
		w[categoryAll] = 1
		w[categoryActive] = a
		if h.since(5, 0) {
			// 5.0.0 and 5.2.1 users.py UserListAPIHandler.get: the JOIN on spawners
			// is grouped by user ("group-by ensures the count is correct"):
			// one row per active user
			w[categoryActive] = min(a, 1)
		}
		if a == 0 {
			w[categoryInactive] = 1
		}
	}
	for c := range w {
		if d := w[c] - r.w[c]; d != 0 {
			h.idx[c].add(r.id, d)
		}
	}
	r.w = w
}

// removeUser deletes r (h.mu held), and the tokens it owns
// (api_tokens are deleted with their user: orm.py ondelete='CASCADE').
func (h *Hub) removeUser(r *urec) {
	r.live = false
	h.reindex(r)
	h.users[r.id] = nil
	delete(h.byName, r.name)
	for tok, t := range h.tokens {
		if t.owner.Kind == "user" && t.owner.Name == r.name {
			delete(h.tokens, tok)
		}
	}
}

// fenwick is a binary indexed tree of per-user row counts, so that the
// k-th row of a list query is found in O(log n).
type fenwick struct {
	t     []int64 // 1-based
	total int64
}

func (f *fenwick) n() int { return len(f.t) - 1 }

func (f *fenwick) rebuild(n int, w func(i int) int64) {
	f.t = make([]int64, n+1)
	f.total = 0
	for i := 1; i <= n; i++ {
		v := w(i - 1)
		f.total += v
		f.t[i] += v
		if j := i + i&-i; j <= n {
			f.t[j] += f.t[i]
		}
	}
}

func (f *fenwick) add(i int, d int64) {
	f.total += d
	for i++; i < len(f.t); i += i & -i {
		f.t[i] += d
	}
}

// find returns the id holding row k (0 <= k < total) and the row's index
// within that id's rows.
func (f *fenwick) find(k int64) (int, int64) {
	pos := 0
	step := 1
	for step*2 <= f.n() {
		step *= 2
	}
	for ; step > 0; step /= 2 {
		if next := pos + step; next <= f.n() && f.t[next] <= k {
			pos = next
			k -= f.t[next]
		}
	}
	return pos, k
}
