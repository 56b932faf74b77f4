// Package fakehub is an in-process fake of the JupyterHub 3.0 REST API for
// unit, fault and benchmark tests of an idle culler.
//
// It answers as the real Hub does: the behaviours are transcribed from the
// Hub's handlers (jupyterhub/apihandlers/users.py, base.py, hub.py,
// jupyterhub/scopes.py, handlers/base.py, user.py, spawner.py, utils.py of
// JupyterHub 3.0.0), and each one cites the code it mirrors. The test
// TestAgainstRealHub (FAKEHUB_REALHUB=1) replays requests against the real
// Hub (testdata/realhub.py) and compares the answers. Implemented endpoints:
//
//	GET    /hub/api/                          version (no auth)
//	GET    /hub/api/user                      the token owner's model
//	GET    /hub/api/users                     list (pagination, state, name_filter)
//	GET    /hub/api/users/{name}              one user
//	DELETE /hub/api/users/{name}              delete a user
//	DELETE /hub/api/users/{name}/server       stop the default server
//	DELETE /hub/api/users/{name}/servers/{s}  stop (and remove) a named server
//
// Other endpoints the real Hub has answer 501; unknown paths 404.
//
// Real-Hub quirks that are reproduced on purpose: state=ready pages can be
// short (even empty) while next is not null, and total/offset/limit count
// one row per *active server* for state=active|ready, so a user with two
// active servers can appear on two consecutive pages; _pagination.next.url
// carries the Hub's own address (Options.InternalURL); DELETE of a server of
// an unknown user is a 500 (find_user is not checked for None); deleting a
// user with an active named server is a 500 after its default server was
// stopped; a request with a user-owned token records activity on that user;
// stopping a server sets the user's and the server's last_activity to now;
// JSON is written like Python's json.dumps (", " and ": " separators,
// non-ASCII as \uXXXX).
//
// Deliberate differences from the real Hub:
//
//   - Token scopes are taken as given (expanded like the Hub does) and not
//     intersected with the owner's roles; "admin" and "inherit" mean the
//     admin role's scopes. Service owners have no roles ("roles": []).
//   - A stop with a delay > 0 is answered at once (202, or 400 for DELETE
//     user); the Hub first waits up to slow_stop_timeout (10s). A delay <= 0
//     stops at once (204). Stops never fail and poll() never finds a dead
//     server.
//   - Spawner state is {} and user_options {} (null for a default server
//     that never ran); auth_state is null.
//   - Key order in objects is fixed (the Hub's depends on Python set order);
//     servers are ordered by name.
//   - name_filter follows SQLite (ASCII case folding, '%' and '_' are
//     wildcards); it and group-filtered list:users scan all users.
//   - No ETag, Content-Security-Policy or CORS headers.
//   - Legacy only changes GET /users (bare list of all users, offset, limit
//     and state ignored); models and scopes stay 3.0's.
//   - Version >= 5 only adds the 5.x model fields (server full_url and
//     full_progress_url, token_id in /user). Upstream 5.x also groups the
//     active/ready query by user (total counts users), answers 404 for
//     DELETE on an unknown user, interrupts a pending spawn on DELETE and
//     has a sort parameter; the fake keeps the 3.0 behaviour there.
package fakehub

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a fake Hub.
type Options struct {
	// Version is answered by GET /hub/api/ and in the X-JupyterHub-Version
	// header; "3.0.0" if empty. Versions >= 5 add the model fields 5.x has
	// (server full_url and full_progress_url, token_id in /user).
	Version string
	// Legacy behaves like a Hub before 2.0: GET /users ignores the
	// pagination Accept header, offset and limit, and the state filter, and
	// returns a bare JSON list of all users.
	Legacy bool
	// DefaultLimit and MaxLimit are api_page_default_limit and
	// api_page_max_limit; 0 = the Hub 3.0 defaults (50 and 200, app.py).
	DefaultLimit, MaxLimit int
	// InternalURL is the base the Hub puts in _pagination.next.url (the
	// Hub builds it from the request as it saw it, i.e. its own address).
	// Default "http://127.0.0.1:1/hub/api": another, unreachable address, so
	// a client that follows next.url literally fails (connection refused).
	InternalURL string
	// StopDelay is the default time a running server takes to stop. > 0
	// makes DELETE answer 202 and the server sits in pending "stop" for that
	// long. 0 or < 0: servers stop at once.
	StopDelay time.Duration
	// Now is the clock (stop times, token activity, default Created);
	// time.Now if nil.
	Now func() time.Time
	// ActivityResolution is JupyterHub.activity_resolution: a request with a
	// user-owned token records activity on the owner when the last record is
	// older than this. 0 = the default 30s; < 0 disables the recording.
	ActivityResolution time.Duration
}

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
	Created      time.Time
	LastActivity *time.Time
	Servers      map[string]*Server // key "" is the default server
	// Roles and Groups as the user model lists them. nil Roles means the
	// default roles: ["user"], plus "admin" for an admin.
	Roles  []string
	Groups []string
}

// Server is one of a user's servers (a Spawner).
type Server struct {
	Ready        bool
	Pending      string // "", "spawn", "stop", "check"
	Started      *time.Time
	LastActivity *time.Time
	// StopDelay overrides Options.StopDelay for this server; -1 = stops at once.
	StopDelay time.Duration
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
	opts   Options
	major  int
	srv    *httptest.Server
	now    func() time.Time
	actRes time.Duration

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
	categoryActive          // state=active|ready: JOIN spawners WHERE server != NULL, one row per active server
	categoryInactive        // state=inactive: users with no active server, one row each
)

type urec struct {
	id           int
	live         bool
	name         string
	admin        bool
	created      time.Time
	lastActivity *time.Time
	roles        []string
	groups       []string
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
	removeAfter  bool // remove (named) server once the pending stop completes
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
	if opts.InternalURL == "" {
		opts.InternalURL = "http://127.0.0.1:1/hub/api"
	}
	opts.InternalURL = strings.TrimRight(opts.InternalURL, "/")
	h := &Hub{
		opts:   opts,
		now:    opts.Now,
		byName: map[string]*urec{},
		tokens: map[string]tokenRec{},
		timers: map[*time.Timer]struct{}{},
		actRes: opts.ActivityResolution,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.actRes == 0 {
		h.actRes = 30 * time.Second // app.py activity_resolution
	}
	major, _ := strconv.Atoi(strings.SplitN(opts.Version, ".", 2)[0])
	h.major = major
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

// AddToken registers an API token. scopes are the token's scopes (expanded
// or not: subscopes, "self", "!user" filters are expanded as the Hub does;
// "admin" and "inherit" mean the admin role's scopes). It panics on a scope
// the Hub does not know, as the Hub refuses to create such a token.
func (h *Hub) AddToken(token string, owner Owner, scopes ...string) {
	checkScopeNames(scopes)
	if owner.Kind != "service" && owner.Kind != "user" {
		panic("fakehub: Owner.Kind must be \"service\" or \"user\"")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// keep the raw scopes; they are expanded per request, as
	// handlers/base.py _resolve_roles_and_scopes calls get_scopes_for
	h.tokenSeq++
	h.tokens[token] = tokenRec{owner: owner, scopes: append([]string(nil), scopes...), id: h.tokenSeq}
}

type tokenRec struct {
	owner  Owner
	scopes []string
	id     int // orm.APIToken.id; api_id is "a<id>"
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
		created:      u.Created,
		lastActivity: copyTime(u.LastActivity),
		roles:        append([]string(nil), u.Roles...),
		groups:       append([]string(nil), u.Groups...),
		servers:      map[string]*srec{},
	}
	if u.Roles == nil {
		r.roles = nil
	}
	if r.created.IsZero() {
		r.created = h.now()
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

// Users returns deep copies of all users, in id (insertion) order.
func (h *Hub) Users() []User {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]User, 0, len(h.byName))
	for _, r := range h.users {
		if r != nil {
			out = append(out, r.export())
		}
	}
	return out
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

// ClearFaults removes all faults.
func (h *Hub) ClearFaults() {
	h.faultMu.Lock()
	defer h.faultMu.Unlock()
	h.faults = nil
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
		Created:      r.created,
		LastActivity: copyTime(r.lastActivity),
		Servers:      make(map[string]*Server, len(r.servers)),
		Roles:        append([]string(nil), r.roles...),
		Groups:       append([]string(nil), r.groups...),
	}
	if r.roles == nil {
		u.Roles = nil
	}
	for n, s := range r.servers {
		u.Servers[n] = &Server{
			Ready:        s.ready,
			Pending:      s.pending,
			Started:      copyTime(s.started),
			LastActivity: copyTime(s.lastActivity),
			StopDelay:    s.stopDelay,
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
