package fakehub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
)

const (
	cullerToken = "culler-secret"
	pag         = hub.PaginationMediaType
)

var t0 = time.Date(2026, 11, 28, 18, 50, 36, 123456789, time.UTC)

func tp(t time.Time) *time.Time { return &t }

// cullerScopes are what jupyterhub-idle-culler's README grants its service
// (admin:users for --cull-users), so the tests see admin:users expanded;
// hubctl's own, narrower list is hub.CullerScopes.
var cullerScopes = []string{"list:users", "read:users:activity", "read:servers", "delete:servers", "admin:users"}

func newHub(t testing.TB, opts Options) *Hub {
	t.Helper()
	h := New(opts)
	t.Cleanup(h.Close)
	h.AddToken(cullerToken, Owner{Kind: "service", Name: "culler"}, cullerScopes...)
	return h
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t testing.TB) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", r.body, err)
	}
	return v
}

func (r result) obj(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", r.body)
	}
	return m
}

func do(t testing.TB, client *http.Client, method, u, token, accept, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, u, err)
	}
	return result{resp.StatusCode, resp.Header, b}
}

func get(t testing.TB, h *Hub, path, accept string) result {
	t.Helper()
	return do(t, nil, "GET", h.URL()+path, cullerToken, accept, "")
}

func del(t testing.TB, h *Hub, path, body string) result {
	t.Helper()
	return do(t, nil, "DELETE", h.URL()+path, cullerToken, "", body)
}

func wantStatus(t testing.TB, r result, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	if message != "" {
		m := r.obj(t)
		if m["status"] != float64(status) || m["message"] != message {
			t.Fatalf("body %s, want status %d message %q", r.body, status, message)
		}
	}
}

func names(t testing.TB, v any) []string {
	t.Helper()
	var out []string
	for _, it := range v.([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return out
}

func addUsers(h *Hub, n int, servers func(i int) map[string]*Server) {
	for i := 0; i < n; i++ {
		u := User{Name: fmt.Sprintf("user%03d", i), Created: t0}
		if servers != nil {
			u.Servers = servers(i)
		}
		h.AddUser(u)
	}
}

func TestRootVersion(t *testing.T) {
	h := newHub(t, Options{})
	for _, p := range []string{"", "/"} {
		r := do(t, nil, "GET", h.URL()+p, "", "", "")
		if r.status != 200 || string(r.body) != `{"version": "3.0.0"}` {
			t.Fatalf("GET %q: %d %s", p, r.status, r.body)
		}
		if r.header.Get("X-JupyterHub-Version") != "3.0.0" {
			t.Fatalf("missing X-JupyterHub-Version: %v", r.header)
		}
	}
	h5 := newHub(t, Options{Version: "5.5.1"})
	if r := do(t, nil, "GET", h5.URL()+"/", "", "", ""); string(r.body) != `{"version": "5.5.1"}` || r.header.Get("X-JupyterHub-Version") != "5.5.1" {
		t.Fatalf("5.x version: %s %v", r.body, r.header)
	}
	if !strings.HasSuffix(h.URL(), "/hub/api") {
		t.Fatalf("URL %q", h.URL())
	}
}

func TestPaginationShapeAndNext(t *testing.T) {
	h := newHub(t, Options{})
	addUsers(h, 7, nil)

	r := get(t, h, "/users?limit=3&state=&x=1+2", pag)
	wantStatus(t, r, 200, "")
	m := r.obj(t)
	if got := names(t, m["items"]); !reflect.DeepEqual(got, []string{"user000", "user001", "user002"}) {
		t.Fatalf("items %v", got)
	}
	p := m["_pagination"].(map[string]any)
	next := p["next"].(map[string]any)
	if p["offset"] != 0.0 || p["limit"] != 3.0 || p["total"] != 7.0 || next["offset"] != 3.0 || next["limit"] != 3.0 {
		t.Fatalf("pagination %v", p)
	}
	// base.py paginated_model: the request's own URL at the Hub's address,
	// parse_qs drops blank values, offset and limit set
	if next["url"] != internalURL+"/users?limit=3&offset=3&x=1+2" {
		t.Fatalf("next.url %v", next["url"])
	}

	// a client must rebuild next from offset/limit: the literal url is the
	// Hub's internal address
	r = get(t, h, "/users?limit=3&offset=3", pag)
	if got := names(t, r.obj(t)["items"]); !reflect.DeepEqual(got, []string{"user003", "user004", "user005"}) {
		t.Fatalf("page 2 %v", got)
	}
	r = get(t, h, "/users?limit=3&offset=6", pag)
	m = r.obj(t)
	if got := names(t, m["items"]); !reflect.DeepEqual(got, []string{"user006"}) {
		t.Fatalf("page 3 %v", got)
	}
	if m["_pagination"].(map[string]any)["next"] != nil {
		t.Fatalf("last page next %v", m["_pagination"])
	}

	// the next.url host is unreachable
	nu := next["url"].(string)
	if strings.HasPrefix(nu, h.URL()) {
		t.Fatalf("next.url %q points at the test server", nu)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(nu); err == nil {
		resp.Body.Close()
		t.Fatalf("following next.url %q literally should fail", nu)
	}

	// limits: default 50, clamp to max, abs(), 0 -> 1, bad -> 400
	h3 := newHub(t, Options{})
	addUsers(h3, 250, nil)
	for q, want := range map[string]float64{"": 50, "?limit=1000": 200, "?limit=-7": 7, "?limit=0": 1} {
		p := get(t, h3, "/users"+q, pag).obj(t)["_pagination"].(map[string]any)
		if p["limit"] != want {
			t.Errorf("%q: limit %v, want %v", q, p["limit"], want)
		}
	}
	if p := get(t, h3, "/users?offset=-240", pag).obj(t)["_pagination"].(map[string]any); p["offset"] != 240.0 || p["next"] != nil {
		t.Errorf("abs(offset): %v", p)
	}
	for _, q := range []string{"?limit=abc", "?offset=", "?limit=1.5"} {
		wantStatus(t, get(t, h3, "/users"+q, pag), 400, "Invalid argument type, offset and limit must be integers")
	}
	h4 := newHub(t, Options{DefaultLimit: 5, MaxLimit: 20})
	addUsers(h4, 30, nil)
	if p := get(t, h4, "/users", pag).obj(t)["_pagination"].(map[string]any); p["limit"] != 5.0 {
		t.Errorf("DefaultLimit: %v", p)
	}
	if n := len(get(t, h4, "/users", "").json(t).([]any)); n != 20 {
		t.Errorf("bare list uses MaxLimit: %d items", n)
	}
}

func TestExactAcceptRule(t *testing.T) {
	h := newHub(t, Options{})
	addUsers(h, 260, nil)
	cases := []struct {
		accept    string
		paginated bool
	}{
		{"", false},
		{"application/json", false},
		{pag, true},
		{"  " + strings.ToUpper(pag) + "  ", true},
		{"application/json, " + pag, true},
		{pag + "; q=1", false}, // parameters are not stripped
		{pag + ";q=0.9, application/json", false},
		{"application/*", false},
	}
	for _, c := range cases {
		r := get(t, h, "/users", c.accept)
		wantStatus(t, r, 200, "")
		v := r.json(t)
		if _, isObj := v.(map[string]any); isObj != c.paginated {
			t.Errorf("Accept %q: paginated=%v, want %v", c.accept, isObj, c.paginated)
		}
		if !c.paginated && len(v.([]any)) != 200 {
			// without the header the Hub uses api_page_max_limit
			t.Errorf("Accept %q: %d users in bare list, want 200", c.accept, len(v.([]any)))
		}
	}
	// several Accept header lines are joined with ","
	req, _ := http.NewRequest("GET", h.URL()+"/users?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+cullerToken)
	req.Header.Add("Accept", "text/html")
	req.Header.Add("Accept", pag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), `{"items": [`) {
		t.Errorf("two Accept lines: %s", b)
	}
}

func TestStateFilters(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "ready", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	h.AddUser(User{Name: "stopped", Created: t0, Servers: map[string]*Server{"": {}}})
	h.AddUser(User{Name: "spawning", Created: t0, Servers: map[string]*Server{"": {Pending: "spawn"}}})
	h.AddUser(User{Name: "none", Created: t0})
	h.AddUser(User{Name: "named", Created: t0, Servers: map[string]*Server{"": {}, "a": {Ready: true}, "b": {Pending: "stop"}}})
	for state, want := range map[string][]string{
		"":         {"ready", "stopped", "spawning", "none", "named"},
		"active":   {"ready", "spawning", "named"},
		"ready":    {"ready", "named"},
		"inactive": {"stopped", "none"},
	} {
		got := names(t, get(t, h, "/users?state="+state, "").json(t))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("state=%q: %v, want %v", state, got, want)
		}
	}
	wantStatus(t, get(t, h, "/users?state=running", pag), 400, "Unrecognized state filter: 'running'")
	// active counts SQL rows: one per active server
	if p := get(t, h, "/users?state=active", pag).obj(t)["_pagination"].(map[string]any); p["total"] != 4.0 {
		t.Errorf("state=active total %v, want 4 (active servers)", p["total"])
	}
}

// users.py lines 98-108 and 155-166: state=ready runs the *active* query
// (JOIN spawners WHERE server IS NOT NULL, one row per active server) with
// OFFSET/LIMIT, then drops users without a ready server; total is the count
// of that query.
func TestReadyShortPageQuirk(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "a", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	h.AddUser(User{Name: "b", Created: t0, Servers: map[string]*Server{"": {Pending: "spawn"}}})
	h.AddUser(User{Name: "c", Created: t0, Servers: map[string]*Server{"": {Pending: "stop"}}})
	h.AddUser(User{Name: "d", Created: t0, Servers: map[string]*Server{"": {Ready: true}, "x": {Ready: true}}})
	h.AddUser(User{Name: "e", Created: t0})
	h.AddUser(User{Name: "f", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})

	type page struct {
		items  []string
		total  float64
		next   any
		offset float64
	}
	read := func(q string) page {
		m := get(t, h, "/users?state=ready&"+q, pag).obj(t)
		p := m["_pagination"].(map[string]any)
		var next any
		if n, ok := p["next"].(map[string]any); ok {
			next = n["offset"]
		}
		return page{names(t, m["items"]), p["total"].(float64), next, p["offset"].(float64)}
	}
	// rows: a, b, c, d, d, f  (total 6 = active servers, only 3 users ready)
	p := read("limit=2")
	if !reflect.DeepEqual(p.items, []string{"a"}) || p.total != 6 || p.next != 2.0 {
		t.Fatalf("page 1: %+v (want short page [a], total 6, next 2)", p)
	}
	p = read("limit=2&offset=2")
	if !reflect.DeepEqual(p.items, []string{"d"}) || p.next != 4.0 {
		t.Fatalf("page 2: %+v (want [d], next 4)", p)
	}
	// d's second row starts the next page: d is listed twice
	p = read("limit=2&offset=4")
	if !reflect.DeepEqual(p.items, []string{"d", "f"}) || p.next != nil {
		t.Fatalf("page 3: %+v (want [d f], no next)", p)
	}
	// a page can even be empty while next is not null
	p = read("limit=1&offset=1")
	if len(p.items) != 0 || p.next != 2.0 {
		t.Fatalf("empty page: %+v", p)
	}
	// the same row counting for state=active
	m := get(t, h, "/users?state=active&limit=4", pag).obj(t)
	if got := names(t, m["items"]); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("active page: %v", got)
	}
	m = get(t, h, "/users?state=active&limit=4&offset=4", pag).obj(t)
	if got := names(t, m["items"]); !reflect.DeepEqual(got, []string{"d", "f"}) {
		t.Fatalf("active page 2: %v", got)
	}
}

func TestUserModelAndTimestamps(t *testing.T) {
	h := newHub(t, Options{})
	whole := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h.AddUser(User{Name: "alice", Admin: true, Created: whole, LastActivity: tp(t0),
		Servers: map[string]*Server{
			"":  {Ready: true, Started: tp(whole), LastActivity: tp(t0)},
			"n": {Pending: "spawn"},
			"s": {}, // stopped named server: not listed
		}})
	r := get(t, h, "/users/alice", "")
	wantStatus(t, r, 200, "")
	want := `{"kind": "user", "name": "alice", "admin": true, "roles": ["admin", "user"], "groups": [], ` +
		`"server": "/user/alice/", "pending": null, "created": "2026-01-02T03:04:05Z", ` +
		`"last_activity": "2026-11-28T18:50:36.123456Z", "auth_state": null, "servers": {` +
		`"": {"name": "", "last_activity": "2026-11-28T18:50:36.123456Z", "started": "2026-01-02T03:04:05Z", "pending": null, "ready": true, "stopped": false, "url": "/user/alice/", "user_options": {}, "progress_url": "/hub/api/users/alice/server/progress"}, ` +
		`"n": {"name": "n", "last_activity": null, "started": null, "pending": "spawn", "ready": false, "stopped": false, "url": "/user/alice/n/", "user_options": {}, "progress_url": "/hub/api/users/alice/servers/n/progress"}}}`
	if string(r.body) != want {
		t.Fatalf("model\n got %s\nwant %s", r.body, want)
	}
}

func TestScopesAndAuth(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "alice", Created: t0, LastActivity: tp(t0), Servers: map[string]*Server{"": {Ready: true}}})
	h.AddUser(User{Name: "bob", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	h.AddToken("names", Owner{Kind: "service", Name: "names"}, "list:users")
	h.AddToken("activity", Owner{Kind: "service", Name: "act"}, "list:users", "read:users:activity")
	h.AddToken("servers", Owner{Kind: "service", Name: "srv"}, "list:users", "read:servers")
	h.AddToken("noscope", Owner{Kind: "service", Name: "none"}, "read:hub")

	keys := func(token string) []string {
		t.Helper()
		r := do(t, nil, "GET", h.URL()+"/users", token, "", "")
		wantStatus(t, r, 200, "")
		var ks []string
		for k := range r.json(t).([]any)[0].(map[string]any) {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for token, want := range map[string][]string{
		"names":    {"admin", "kind", "name"},
		"activity": {"admin", "kind", "last_activity", "name"},
		"servers":  {"admin", "kind", "name", "servers"},
		cullerToken: {"admin", "auth_state", "created", "groups", "kind", "last_activity",
			"name", "pending", "roles", "server", "servers"},
	} {
		if got := keys(token); !reflect.DeepEqual(got, want) {
			t.Errorf("token %s: keys %v, want %v", token, got, want)
		}
	}

	// 403s
	msg := "Action is not authorized with current scopes; requires any of [list:users]"
	for _, tok := range []string{"", "unknown-token", "noscope"} {
		wantStatus(t, do(t, nil, "GET", h.URL()+"/users", tok, "", ""), 403, msg)
	}
	wantStatus(t, do(t, nil, "GET", h.URL()+"/user", "", "", ""), 403, "Forbidden")
	wantStatus(t, do(t, nil, "DELETE", h.URL()+"/users/alice/server", "names", "", ""), 403,
		"Action is not authorized with current scopes; requires any of [delete:servers]")
	wantStatus(t, do(t, nil, "DELETE", h.URL()+"/users/alice", "names", "", ""), 403,
		"Action is not authorized with current scopes; requires any of [delete:users]")
	// a malformed Authorization header is no token at all
	req, _ := http.NewRequest("GET", h.URL()+"/users", nil)
	req.Header.Set("Authorization", "token a b")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("'token a b': %d", resp.StatusCode)
	}

	// GET /user: the owner's model, the token's scopes
	m := do(t, nil, "GET", h.URL()+"/user", cullerToken, "", "").obj(t)
	if m["kind"] != "service" || m["name"] != "culler" || m["admin"] != false {
		t.Fatalf("whoami: %v", m)
	}
	var scopes []string
	for _, s := range m["scopes"].([]any) {
		scopes = append(scopes, s.(string))
	}
	wantScopes := []string{"admin:auth_state", "admin:users", "delete:servers", "delete:users", "list:users",
		"read:roles:users", "read:servers", "read:users", "read:users:activity", "read:users:groups",
		"read:users:name", "users", "users:activity"}
	if !reflect.DeepEqual(scopes, wantScopes) {
		t.Errorf("scopes %v\nwant %v", scopes, wantScopes)
	}
	// a user-owned token: kind user, identify scopes included
	h.AddToken("alice-token", Owner{Kind: "user", Name: "alice"}, "read:users:activity")
	m = do(t, nil, "GET", h.URL()+"/user", "alice-token", "", "").obj(t)
	if m["kind"] != "user" || m["name"] != "alice" {
		t.Fatalf("user whoami: %v", m)
	}
	if got := fmt.Sprint(m["scopes"]); got != "[read:users:activity read:users:groups!user=alice read:users:name!user=alice]" {
		t.Errorf("user token scopes %s", got)
	}
	// its identify scopes are filtered on alice: other users are out of
	// reach (scopes.py _check_scope_access: 404)
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users/bob", "alice-token", "", ""), 404, "No access to resources or resources not found")
	if m := do(t, nil, "GET", h.URL()+"/users/alice", "alice-token", "", "").obj(t); m["name"] != "alice" || m["last_activity"] == nil {
		t.Errorf("alice's own model: %v", m)
	}
	// the token of a user that does not exist is no token
	h.AddToken("ghost-token", Owner{Kind: "user", Name: "ghost"}, "admin:users")
	wantStatus(t, do(t, nil, "GET", h.URL()+"/user", "ghost-token", "", ""), 403, "Forbidden")
}

// A request with a user's token is activity of that user (handlers/base.py
// _record_activity), at most once per activity_resolution.
func TestTokenActivity(t *testing.T) {
	h := newHub(t, Options{})
	hourAgo := time.Now().Add(-time.Hour)
	h.AddUser(User{Name: "admin", Admin: true, LastActivity: &hourAgo})
	h.AddToken("user-admin", Owner{Kind: "user", Name: "admin"}, "admin:users")
	before := time.Now()
	do(t, nil, "GET", h.URL()+"/users", "user-admin", "", "")
	u, _ := h.User("admin")
	if u.LastActivity.Before(before) {
		t.Fatalf("token owner activity not recorded: %v", u.LastActivity)
	}
	first := *u.LastActivity
	do(t, nil, "GET", h.URL()+"/users", "user-admin", "", "")
	if u, _ := h.User("admin"); !u.LastActivity.Equal(first) {
		t.Fatalf("activity recorded again within the resolution: %v, then %v", first, u.LastActivity)
	}
	// a service's token records nothing
	do(t, nil, "GET", h.URL()+"/users", cullerToken, "", "")
	if u, _ := h.User("admin"); !u.LastActivity.Equal(first) {
		t.Fatalf("a service's request moved the activity: %v", u.LastActivity)
	}
}

func TestDeleteServerStatuses(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "u", Created: t0, Servers: map[string]*Server{
		"":      {Ready: true, Started: tp(t0)},
		"run":   {Ready: true},
		"rm":    {Ready: true},
		"spawn": {Pending: "spawn"},
		"check": {Pending: "check"},
		"stop":  {Pending: "stop"},
		"off":   {},
	}})
	h.AddUser(User{Name: "v", Created: t0, Servers: map[string]*Server{"": {Pending: "spawn"}}})

	wantStatus(t, del(t, h, "/users/u/servers/nope", ""), 404, "u has no server named 'nope'")
	// users.py delete does not check find_user() for None: AttributeError, 500
	wantStatus(t, del(t, h, "/users/ghost/server", ""), 500, "Internal Server Error")
	wantStatus(t, del(t, h, "/users/ghost/servers/x", ""), 500, "Internal Server Error")
	wantStatus(t, del(t, h, "/users/u/servers/spawn", ""), 400, "u:spawn is pending spawn, please wait")
	wantStatus(t, del(t, h, "/users/u/servers/check", ""), 400, "u:check is pending check, please wait")
	wantStatus(t, del(t, h, "/users/v/server", ""), 400, "v is pending spawn, please wait")
	wantStatus(t, del(t, h, "/users/u/servers/stop", ""), 202, "")
	wantStatus(t, del(t, h, "/users/u/server", `{bad json`), 400, "Invalid JSON in body of request")

	// stopped at once: 204; stop sets last_activity (user.py User.stop)
	r := del(t, h, "/users/u/server", "")
	wantStatus(t, r, 204, "")
	if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
		t.Fatalf("204 with body %q / Content-Type %q", r.body, r.header.Get("Content-Type"))
	}
	u, _ := h.User("u")
	if d := u.Servers[""]; d == nil || d.Ready || d.Pending != "" || d.Started != nil || d.LastActivity == nil {
		t.Fatalf("default server after stop: %+v", d)
	}
	if u.LastActivity == nil {
		t.Fatal("user last_activity not set by the stop")
	}
	// the stopped default server is omitted from servers, server is null
	m := get(t, h, "/users/u", "").obj(t)
	if _, ok := m["servers"].(map[string]any)[""]; ok {
		t.Fatalf("stopped default still listed: %v", m)
	}
	wantStatus(t, del(t, h, "/users/u/server", ""), 204, "") // already stopped
	wantStatus(t, del(t, h, "/users/u/servers/off", ""), 204, "")
	wantStatus(t, del(t, h, "/users/u/servers/run", ""), 204, "")
	if u, _ := h.User("u"); u.Servers["run"] == nil || u.Servers["run"].Ready {
		t.Fatal("stopped named server without remove must stay (stopped)")
	}
	wantStatus(t, del(t, h, "/users/u/servers/rm", `{"remove": true}`), 204, "")
	wantStatus(t, del(t, h, "/users/u/servers/off", `{"remove": true}`), 204, "")
	if u, _ := h.User("u"); u.Servers["rm"] != nil || u.Servers["off"] != nil {
		t.Fatal("removed servers still there")
	}
	wantStatus(t, del(t, h, "/users/u/servers/rm", ""), 404, "u has no server named 'rm'")
}

func TestStopDelay(t *testing.T) {
	// long enough that the checks made during the stops are done before
	// they end, even on a loaded machine under the race detector
	h := newHub(t, Options{StopDelay: time.Second})
	h.AddUser(User{Name: "u", Created: t0, Servers: map[string]*Server{
		"":     {Ready: true},
		"n":    {Ready: true},
		"fast": {Ready: true, StopDelay: -1},
	}})
	wantStatus(t, del(t, h, "/users/u/servers/fast", ""), 204, "")
	wantStatus(t, del(t, h, "/users/u/server", ""), 202, "")
	wantStatus(t, del(t, h, "/users/u/servers/n", `{"remove": true}`), 202, "")
	m := get(t, h, "/users/u", "").obj(t)
	srv := m["servers"].(map[string]any)[""].(map[string]any)
	if srv["pending"] != "stop" || srv["ready"] != false {
		t.Fatalf("default server during stop: %v", srv)
	}
	// pending stop still counts as active
	if got := names(t, get(t, h, "/users?state=active", "").json(t)); !reflect.DeepEqual(got, []string{"u"}) {
		t.Fatalf("active during stop: %v", got)
	}
	wantStatus(t, del(t, h, "/users/u/server", ""), 202, "") // already stopping
	wantStatus(t, del(t, h, "/users/u", ""), 400, "u's server is in the process of stopping, please wait.")

	// The two stops began a moment apart and end a moment apart (more so
	// under the race detector): wait for both.
	deadline := time.Now().Add(10 * time.Second)
	for {
		u, _ := h.User("u")
		d, n := u.Servers[""], u.Servers["n"]
		if d.Pending == "" && n == nil {
			if d.Ready {
				t.Fatalf("after stop: default %+v", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the servers never stopped: default %+v, n %+v", d, n)
		}
		time.Sleep(10 * time.Millisecond) // polling interval of the deadline above
	}
	m = get(t, h, "/users/u", "").obj(t)
	if len(m["servers"].(map[string]any)) != 0 {
		t.Fatalf("after stop: %v", m)
	}
	if got := names(t, get(t, h, "/users?state=inactive", "").json(t)); !reflect.DeepEqual(got, []string{"u"}) {
		t.Fatalf("inactive after stop: %v", got)
	}
}

func TestDeleteUser(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "plain", Created: t0})
	h.AddUser(User{Name: "running", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	h.AddUser(User{Name: "named", Created: t0, Servers: map[string]*Server{"": {Ready: true}, "x": {Ready: true}}})
	h.AddUser(User{Name: "stopping", Created: t0, Servers: map[string]*Server{"": {Pending: "stop"}}})
	h.AddUser(User{Name: "slow", Created: t0, Servers: map[string]*Server{"": {Ready: true, StopDelay: time.Hour}}})
	h.AddUser(User{Name: "culler", Created: t0})
	h.AddToken("del-only", Owner{Kind: "service", Name: "d"}, "delete:users")

	wantStatus(t, del(t, h, "/users/ghost", ""), 404, "Not Found")
	wantStatus(t, do(t, nil, "DELETE", h.URL()+"/users/plain", "del-only", "", ""), 204, "")
	// a running default server is stopped first
	wantStatus(t, del(t, h, "/users/running", ""), 204, "")
	// running named servers: _delete_spawner raises RuntimeError -> 500,
	// after the default server was stopped; the user stays
	wantStatus(t, del(t, h, "/users/named", ""), 500, "Internal Server Error")
	if u, ok := h.User("named"); !ok || u.Servers[""].Ready || !u.Servers["x"].Ready {
		t.Fatalf("after 500: %+v %v", u, ok)
	}
	wantStatus(t, del(t, h, "/users/stopping", ""), 400, "stopping's server is in the process of stopping, please wait.")
	wantStatus(t, del(t, h, "/users/slow", ""), 400, "slow's server is in the process of stopping, please wait.")
	if u, _ := h.User("slow"); u.Servers[""].Pending != "stop" {
		t.Fatalf("slow stop not pending: %+v", u.Servers[""])
	}
	// the requester cannot delete itself (names compared, even for a service)
	wantStatus(t, del(t, h, "/users/culler", ""), 400, "Cannot delete yourself!")
	for _, n := range []string{"plain", "running"} {
		if _, ok := h.User(n); ok {
			t.Errorf("%s not deleted", n)
		}
	}
	if got := names(t, get(t, h, "/users", "").json(t)); !reflect.DeepEqual(got, []string{"named", "stopping", "slow", "culler"}) {
		t.Errorf("users after deletes: %v", got)
	}
	// a deleted user's tokens are gone, even if the user comes back
	h.AddUser(User{Name: "tok", Created: t0})
	h.AddToken("tok-token", Owner{Kind: "user", Name: "tok"}, "list:users")
	wantStatus(t, del(t, h, "/users/tok", ""), 204, "")
	h.AddUser(User{Name: "tok", Created: t0})
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users", "tok-token", "", ""), 403, "")
}

func TestEscapedNames(t *testing.T) {
	h := newHub(t, Options{})
	name, server := "a b/c%d é+", "n/1 %ü"
	h.AddUser(User{Name: name, Created: t0, Servers: map[string]*Server{"": {Ready: true}, server: {Ready: true}}})
	escName, escServer := url.PathEscape(name), url.PathEscape(server)
	escName = strings.ReplaceAll(escName, "/", "%2F")
	escServer = strings.ReplaceAll(escServer, "/", "%2F")

	r := get(t, h, "/users/"+escName, "")
	wantStatus(t, r, 200, "")
	m := r.obj(t)
	if s, _ := m["servers"].(map[string]any)[server].(map[string]any); m["name"] != name || s["name"] != server {
		t.Fatalf("model %v", m)
	}
	path := "/users/" + escName + "/servers/" + escServer
	wantStatus(t, del(t, h, path, `{"remove": true}`), 204, "")
	if u, _ := h.User(name); u.Servers[server] != nil {
		t.Fatal("named server not removed")
	}
	reqs := h.Requests()
	if last := reqs[len(reqs)-1]; last.Path != "/hub/api"+path || last.Method != "DELETE" ||
		last.Body != `{"remove": true}` || !last.Authorized {
		t.Fatalf("recorded %+v", last)
	}
	// '+' in a path is not a space
	wantStatus(t, get(t, h, "/users/a+b", ""), 404, "Not Found")
	// an empty name is no route (API404)
	wantStatus(t, del(t, h, "/users//server", ""), 404, "Not Found")
}

func TestFaults(t *testing.T) {
	h := newHub(t, Options{})
	addUsers(h, 3, nil)

	h.Inject(Fault{Method: "GET", Path: "/users", Times: 2, Status: 503, RetryAfter: "7"})
	for i := 0; i < 2; i++ {
		r := get(t, h, "/users", pag)
		wantStatus(t, r, 503, "Service Unavailable")
		if r.header.Get("Retry-After") != "7" {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	wantStatus(t, get(t, h, "/users", pag), 200, "")
	// method and path must match
	h.Inject(Fault{Method: "DELETE", Path: "/users/user001/server", Status: 429})
	wantStatus(t, get(t, h, "/users/user001", ""), 200, "")
	wantStatus(t, del(t, h, "/users/user001/server", ""), 429, "Too Many Requests")
	wantStatus(t, del(t, h, "/users/user001/server", ""), 429, "") // Times 0 = every time

	// reset: no answer
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	h.Inject(Fault{Path: "/users", Times: 1, Reset: true})
	req, _ := http.NewRequest("GET", h.URL()+"/users", nil)
	req.Header.Set("Authorization", "token "+cullerToken)
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("reset fault answered")
	}
	wantStatus(t, do(t, c, "GET", h.URL()+"/users", cullerToken, "", ""), 200, "")

	// delay
	h.Inject(Fault{Path: "/users", Times: 1, Delay: 120 * time.Millisecond})
	start := time.Now()
	wantStatus(t, get(t, h, "/users", ""), 200, "")
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Fatalf("delay fault took %v", d)
	}
	// delay then status
	h.Inject(Fault{Times: 1, Delay: 50 * time.Millisecond, Status: 502})
	start = time.Now()
	wantStatus(t, get(t, h, "/users", ""), 502, "Bad Gateway")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("delay+status fault took %v", d)
	}

	// truncate: a valid HTTP response with half the JSON
	full := get(t, h, "/users", pag).body
	h.Inject(Fault{Path: "/users", Times: 1, Truncate: true})
	r := get(t, h, "/users", pag)
	if r.status != 200 || len(r.body) != len(full)/2 || string(r.body) != string(full[:len(full)/2]) {
		t.Fatalf("truncated body %d bytes of %d", len(r.body), len(full))
	}
	var v any
	if json.Unmarshal(r.body, &v) == nil {
		t.Fatal("truncated body parses")
	}
	if r := get(t, h, "/users", pag); string(r.body) != string(full) {
		t.Fatal("truncate fault applied more than Times")
	}

	// faults before a matching later one are tried in order
	h.Inject(Fault{Path: "/user/", Status: 500})         // does not match /users
	h.Inject(Fault{Path: "/users/user002", Status: 418}) // unescaped prefix
	wantStatus(t, get(t, h, "/users/user%30%30%32", ""), 418, "I'm a teapot")
	wantStatus(t, get(t, h, "/users", ""), 200, "")
}

func TestLegacy(t *testing.T) {
	h := newHub(t, Options{Version: "1.5.0"})
	addUsers(h, 250, func(i int) map[string]*Server {
		if i%2 == 0 {
			return map[string]*Server{"": {Ready: true}}
		}
		return nil
	})
	for _, q := range []string{"", "?limit=10&offset=5", "?state=ready"} {
		r := get(t, h, "/users"+q, pag)
		wantStatus(t, r, 200, "")
		l, ok := r.json(t).([]any)
		if !ok || len(l) != 250 {
			t.Fatalf("legacy %q: not a bare list of 250: %.100s", q, r.body)
		}
		if l[0].(map[string]any)["name"] != "user000" {
			t.Fatalf("legacy order: %v", l[0])
		}
	}
}

func TestMaxInFlight(t *testing.T) {
	h := newHub(t, Options{})
	addUsers(h, 5, nil)
	// the six requests are held until the test has seen them all in flight
	h.Inject(Fault{Delay: time.Minute, Times: 6})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", h.URL()+"/", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); h.MaxInFlight() < 6; {
		if time.Now().After(deadline) {
			t.Fatalf("MaxInFlight %d after 10s, want 6", h.MaxInFlight())
		}
		time.Sleep(5 * time.Millisecond) // polling interval of the deadline above
	}
	cancel()
	wg.Wait()
	if got := h.MaxInFlight(); got != 6 {
		t.Fatalf("MaxInFlight %d, want 6", got)
	}
	if n := len(h.Requests()); n != 6 {
		t.Fatalf("%d requests recorded", n)
	}
	// the cancelled handlers return a moment after their clients
	for deadline := time.Now().Add(10 * time.Second); ; {
		h.ResetRequests()
		if h.MaxInFlight() == 0 && len(h.Requests()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ResetRequests left MaxInFlight %d and %d requests", h.MaxInFlight(), len(h.Requests()))
		}
		time.Sleep(5 * time.Millisecond) // polling interval of the deadline above
	}
	get(t, h, "/users", "")
	if h.MaxInFlight() != 1 {
		t.Fatalf("MaxInFlight %d after one request", h.MaxInFlight())
	}
}

func TestRequestsRecorded(t *testing.T) {
	h := newHub(t, Options{})
	addUsers(h, 1, nil)
	do(t, nil, "GET", h.URL()+"/users?state=ready&offset=0", cullerToken, pag, "")
	do(t, nil, "GET", h.URL()+"/users", "nope", "", "")
	reqs := h.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "GET" || r.Path != "/hub/api/users" || r.Query.Get("state") != "ready" || r.Accept != pag || !r.Authorized {
		t.Fatalf("recorded %+v", r)
	}
	if reqs[1].Authorized {
		t.Fatal("unknown token recorded as authorized")
	}
}

func TestUnimplementedAndMethods(t *testing.T) {
	h := newHub(t, Options{})
	for _, c := range []struct{ method, path string }{
		{"PUT", "/users"}, {"POST", "/users/x/server"}, {"GET", "/users/x/server"},
		{"GET", "/groups"}, {"GET", "/nope"}, {"PATCH", "/users/x/tokens/a1"},
	} {
		r := do(t, nil, c.method, h.URL()+c.path, cullerToken, "", "")
		if msg := "fakehub: " + c.method + " /hub/api" + c.path + " is not implemented"; r.status != 501 || r.obj(t)["message"] != msg {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	// no route: base.py API404
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users/", cullerToken, "", ""), 404, "Not Found")
	wantStatus(t, del(t, h, "/users//server", ""), 404, "Not Found")
	wantStatus(t, do(t, nil, "GET", strings.TrimSuffix(h.URL(), "/hub/api")+"/hub/apix", cullerToken, "", ""), 404, "Not Found")
}

func TestAddTokenPanics(t *testing.T) {
	h := newHub(t, Options{})
	for _, scope := range []string{"read:user", "list:users!user=bob", "list:users!group=g", "self", "inherit"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic for the scope %q", scope)
				}
			}()
			h.AddToken("x", Owner{Kind: "service", Name: "s"}, scope)
		}()
	}
}

// TestIndexMatchesScan checks the Fenwick index against a scan of all users
// through random changes.
func TestIndexMatchesScan(t *testing.T) {
	h := newHub(t, Options{StopDelay: -1})
	rng := rand.New(rand.NewSource(1))
	states := []Server{{Ready: true}, {}, {Pending: "spawn"}, {Pending: "stop"}}
	randServers := func() map[string]*Server {
		m := map[string]*Server{}
		for j := rng.Intn(4); j > 0; j-- {
			s := states[rng.Intn(len(states))]
			m[fmt.Sprint("s", j)] = &s
		}
		return m
	}
	for i := 0; i < 3000; i++ {
		h.AddUser(User{Name: fmt.Sprint("u", i), Servers: randServers()})
	}
	for i := 0; i < 500; i++ {
		n := fmt.Sprint("u", rng.Intn(3000))
		switch rng.Intn(3) {
		case 0:
			h.mu.Lock()
			if u := h.byName[n]; u != nil {
				h.removeUser(u)
			}
			h.mu.Unlock()
		case 1:
			h.AddUser(User{Name: n, Servers: randServers()})
		case 2:
			do(t, nil, "DELETE", h.URL()+"/users/"+n+"/servers/s1", cullerToken, "", `{"remove": true}`)
		}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	// scan is the list query done the slow way: each user's rows in id order
	scan := func(cat int, offset, limit int64) ([]*urec, int64) {
		var out []*urec
		var total int64
		for _, u := range h.users {
			if u == nil {
				continue
			}
			var w int64
			switch active := u.activeCount(); cat {
			case categoryAll:
				w = 1
			case categoryActive:
				w = active
			case categoryInactive:
				if active == 0 {
					w = 1
				}
			}
			// rows [total, total+w) belong to u
			if w > 0 && total+w > offset && total < offset+limit {
				out = append(out, u)
			}
			total += w
		}
		return out, total
	}
	for cat := range 3 {
		for _, lim := range []int64{1, 7, 200} {
			for off := int64(0); off < 6000; off += lim * 13 {
				c := &reqCtx{h: h}
				fast, ft := c.rows(cat, off, lim)
				slow, st := scan(cat, off, lim)
				if ft != st || !reflect.DeepEqual(fast, slow) {
					t.Fatalf("cat %d off %d lim %d: index %d users total %d, scan %d users total %d", cat, off, lim, len(fast), ft, len(slow), st)
				}
			}
		}
	}
}

// The Hub's timestamps, which hubctl parses: utils.isoformat.
func TestIsoformat(t *testing.T) {
	if got := string(appendIsoformat(nil, tp(time.Date(2026, 11, 28, 18, 50, 36, 0, time.UTC)))); got != `"2026-11-28T18:50:36Z"` {
		t.Errorf("isoformat whole second: %s", got)
	}
	if got := string(appendIsoformat(nil, tp(time.Date(2026, 11, 28, 18, 50, 36, 1500, time.FixedZone("x", 3600))))); got != `"2026-11-28T17:50:36.000001Z"` {
		t.Errorf("isoformat micro/zone: %s", got)
	}
}

// BenchmarkListUsers100k lists 100 000 users in pages of 200, as a culler
// does; each iteration is one full pass.
func BenchmarkListUsers100k(b *testing.B) {
	h := newHub(b, Options{})
	la := t0
	for i := 0; i < 100000; i++ {
		u := User{Name: fmt.Sprintf("user%06d", i), Created: t0, LastActivity: &la}
		if i%3 == 0 {
			u.Servers = map[string]*Server{"": {Ready: true, Started: &la, LastActivity: &la}}
		}
		h.AddUser(u)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for offset := 0; ; {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/users?limit=200&offset=%d", h.URL(), offset), nil)
			req.Header.Set("Authorization", "token "+cullerToken)
			req.Header.Set("Accept", pag)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page struct {
				Items      []json.RawMessage
				Pagination struct {
					Next *struct{ Offset int } `json:"next"`
				} `json:"_pagination"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			n += len(page.Items)
			if page.Pagination.Next == nil {
				break
			}
			offset = page.Pagination.Next.Offset
		}
		if n != 100000 {
			b.Fatalf("listed %d users", n)
		}
		h.ResetRequests()
	}
}
