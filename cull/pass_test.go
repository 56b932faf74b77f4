package cull

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

const cullToken = "0123456789abcdef0123456789abcdef"

var cullScopes = hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})

// newHub starts a fake Hub with the culler's token registered.
func newHub(t testing.TB, opts fakehub.Options, scopes ...string) *fakehub.Hub {
	t.Helper()
	h := fakehub.New(opts)
	t.Cleanup(h.Close)
	if scopes == nil {
		scopes = cullScopes
	}
	h.AddToken(cullToken, fakehub.Owner{Kind: "service", Name: "cull-idle"}, scopes...)
	return h
}

// lockedBuffer is a log buffer safe to read while a culler writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newCuller returns a culler for hub with fast retries and a log buffer.
func newCuller(t testing.TB, hub *fakehub.Hub, p Policy) (*Culler, *lockedBuffer) {
	t.Helper()
	client, err := NewClient(ClientConfig{
		URL: hub.URL() + "/", Token: cullToken, Concurrency: 10, Retries: 3,
		BackoffBase: time.Millisecond, BackoffMax: 20 * time.Millisecond, RequestTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	return &Culler{Client: client, Policy: p, Log: slog.New(slog.NewTextHandler(logs, nil)), Concurrency: 10,
		StopTimeout: 10 * time.Second, StopPoll: 2 * time.Millisecond}, logs
}

func tp(t time.Time) *time.Time { return &t }

func idleServer() *fakehub.Server {
	return &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-3 * time.Hour)), LastActivity: tp(time.Now().Add(-2 * time.Hour))}
}

func activeServer() *fakehub.Server {
	return &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-3 * time.Hour)), LastActivity: tp(time.Now().Add(-time.Minute))}
}

func addUser(h *fakehub.Hub, name string, admin bool, last time.Duration, servers map[string]*fakehub.Server) {
	h.AddUser(fakehub.User{Name: name, Admin: admin, Created: time.Now().Add(-100 * time.Hour),
		LastActivity: tp(time.Now().Add(-last)), Servers: servers})
}

// running reports whether a user's server is up in the fake Hub.
func running(t *testing.T, h *fakehub.Hub, user, server string) bool {
	t.Helper()
	u, ok := h.User(user)
	if !ok {
		return false
	}
	s, ok := u.Servers[server]
	return ok && s != nil && (s.Ready || s.Pending != "")
}

func TestPassCullsIdleKeepsTheRest(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	addUser(h, "active", false, time.Minute, map[string]*fakehub.Server{"": activeServer()})
	// A pending server shows up beside a ready one (state=ready lists users
	// with any ready server, and their pending servers with them).
	addUser(h, "spawning", false, 2*time.Hour, map[string]*fakehub.Server{"": activeServer(), "new": {Pending: "spawn", Started: tp(time.Now().Add(-3 * time.Hour))}})
	addUser(h, "named", false, 2*time.Hour, map[string]*fakehub.Server{"": activeServer(), "gpu": idleServer()})
	addUser(h, "excluded-1", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	addUser(h, "nobody", false, 2*time.Hour, nil)
	p := basePolicy()
	p.Exclude = append(p.Exclude, mustRE(t, "^excluded-"))
	c, logs := newCuller(t, h, p)
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("pass: %v\n%s", err, logs)
	}
	for _, tt := range []struct {
		user, server string
		running      bool
	}{
		{"idle", "", false}, {"active", "", true}, {"spawning", "new", true},
		{"named", "", true}, {"named", "gpu", false}, {"excluded-1", "", true},
	} {
		if got := running(t, h, tt.user, tt.server); got != tt.running {
			t.Errorf("%s/%q running = %v, want %v", tt.user, tt.server, got, tt.running)
		}
	}
	if u, _ := h.User("named"); u.Servers["gpu"] == nil {
		t.Error("the named server was removed without --remove-named-servers")
	}
	if sum.ServersCulled != 2 || sum.Kept[Active] != 3 || sum.Kept[Pending] != 1 || sum.Kept[Excluded] != 1 || sum.Errors != 0 {
		t.Errorf("summary %+v", sum)
	}
	for _, want := range []string{`reason=pending why="pending spawn"`, "reason=excluded", "culled server"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), cullToken) {
		t.Error("the token is in the log")
	}
	// Requests: exact Accept header, state=ready, every GET before any DELETE.
	sawDelete := false
	for _, r := range h.Requests() {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/users"):
			if sawDelete {
				t.Error("listed users after acting")
			}
			if r.Accept != hub.PaginationMediaType || r.Query.Get("state") != "ready" {
				t.Errorf("GET /users with Accept %q state %q", r.Accept, r.Query.Get("state"))
			}
		case r.Method == http.MethodDelete:
			sawDelete = true
		}
	}
}

func mustRE(t *testing.T, s string) *regexp.Regexp {
	t.Helper()
	return regexp.MustCompile(s)
}

func TestPassPagination(t *testing.T) {
	// 450 users in pages of at most 50; every third is idle. With state=ready
	// the Hub's pages come back short, so paging must follow the Hub's offsets.
	h := newHub(t, fakehub.Options{MaxLimit: 50, DefaultLimit: 50})
	want := 0
	for i := 0; i < 450; i++ {
		s := activeServer()
		switch i % 3 {
		case 0:
			s = idleServer()
			want++
		case 1:
			s = &fakehub.Server{Ready: false} // stopped: not in the ready list
		}
		addUser(h, fmt.Sprintf("user-%03d", i), false, time.Minute, map[string]*fakehub.Server{"": s})
	}
	c, logs := newCuller(t, h, basePolicy())
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if sum.ServersCulled != want {
		t.Errorf("culled %d servers, want %d (%+v)", sum.ServersCulled, want, sum)
	}
	for _, r := range h.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/users") && r.Query.Get("limit") != "" && r.Query.Get("limit") != "50" {
			t.Errorf("page limit %s", r.Query.Get("limit"))
		}
	}
}

func TestPassAPIPageSize(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	for i := 0; i < 25; i++ {
		addUser(h, fmt.Sprintf("u%02d", i), false, time.Minute, map[string]*fakehub.Server{"": idleServer()})
	}
	c, _ := newCuller(t, h, basePolicy())
	c.Client.cfg.PageSize = 10
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 25 {
		t.Fatalf("%+v %v", sum, err)
	}
	pages := 0
	for _, r := range h.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/users") {
			pages++
			if r.Query.Get("limit") != "10" {
				t.Errorf("limit=%q, want 10", r.Query.Get("limit"))
			}
		}
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
}

func TestPassLegacyHub(t *testing.T) {
	h := newHub(t, fakehub.Options{Version: "1.2.2"})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	addUser(h, "active", false, time.Minute, map[string]*fakehub.Server{"": activeServer()})
	c, logs := newCuller(t, h, basePolicy())
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 1 || !running(t, h, "active", "") || running(t, h, "idle", "") {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}
	for _, r := range h.Requests() {
		if r.Query.Get("state") != "" {
			t.Errorf("sent state=%s to a Hub before 1.3", r.Query.Get("state"))
		}
	}
}

// TestPassStateFilterByVersion: ?state= is sent from JupyterHub 1.3 on, and
// to a Hub whose version hubctl cannot read, which counts as new.
func TestPassStateFilterByVersion(t *testing.T) {
	for _, c := range []struct {
		version string
		want    string // the state of the first GET /users
	}{
		{"1.2.2", ""},
		{"1.2.0.dev", ""}, // JupyterHub's own spelling of a dev build
		{"1.3.0", "ready"},
		{"3.0.0", "ready"},
		{"6.0.0b2", "ready"},
		{"not a version", "ready"},
		{"1.2.0-custom", "ready"},
	} {
		t.Run(c.version, func(t *testing.T) {
			h := newHub(t, fakehub.Options{Version: c.version})
			addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			cu, logs := newCuller(t, h, basePolicy())
			if _, err := cu.Pass(context.Background()); err != nil {
				t.Fatalf("%v\n%s", err, logs)
			}
			var states []string
			for _, r := range h.Requests() {
				if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/users") {
					states = append(states, r.Query.Get("state"))
				}
			}
			if len(states) == 0 || states[0] != c.want {
				t.Errorf("Hub %q: GET /users with states %q, want first %q", c.version, states, c.want)
			}
		})
	}
}

func TestPassMissingScopes(t *testing.T) {
	h := newHub(t, fakehub.Options{}, "list:users", "read:users:activity", "read:servers")
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	p := basePolicy()
	p.CullUsers = true
	c, _ := newCuller(t, h, p)
	_, err := c.Pass(context.Background())
	var se *ScopeError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a ScopeError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "delete:servers") || !strings.Contains(msg, "delete:users or admin:users") ||
		strings.Contains(msg, "list:users") || !strings.Contains(msg, "service cull-idle") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(se.Hint(), "load_roles") {
		t.Errorf("hint %q", se.Hint())
	}
	for _, r := range h.Requests() {
		if r.Method == http.MethodDelete || strings.HasSuffix(r.Path, "/users") {
			t.Errorf("sent %s %s without the scopes", r.Method, r.Path)
		}
	}
}

func TestPassCullUsers(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "gone-idle", false, 2*time.Hour, nil)                                                 // inactive list
	addUser(h, "idle-with-server", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()}) // ready list
	addUser(h, "admin", true, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	addUser(h, "fresh", false, time.Minute, nil)
	slow := idleServer()
	slow.StopDelay = 300 * time.Millisecond
	addUser(h, "slow", false, 2*time.Hour, map[string]*fakehub.Server{"": slow})
	p := basePolicy()
	p.CullUsers = true
	p.CullAdminUsers = false
	c, logs := newCuller(t, h, p)
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	// slow's stop is followed (202, then GET /users/slow) and, once seen
	// finished, the user is deleted in the same pass.
	for name, exists := range map[string]bool{"gone-idle": false, "idle-with-server": false, "admin": true, "fresh": true, "slow": false} {
		if _, ok := h.User(name); ok != exists {
			t.Errorf("user %s exists = %v, want %v", name, ok, exists)
		}
	}
	if running(t, h, "admin", "") {
		t.Error("an admin's idle server survived: --cull-admin-users only protects the user")
	}
	if sum.UsersCulled != 3 || sum.ServersCulled != 3 || sum.StuckStops != 0 || sum.Kept[AdminUser] != 1 {
		t.Errorf("summary %+v", sum)
	}
	var states []string
	for _, r := range h.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/users") && r.Query.Get("offset") == "" {
			states = append(states, r.Query.Get("state"))
		}
	}
	if strings.Join(states, ",") != "inactive,ready" {
		t.Errorf("listed states %q, want inactive then ready", states)
	}
}

func TestPassRemoveNamedServers(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "a", false, time.Minute, map[string]*fakehub.Server{"": idleServer(), "lab": idleServer()})
	p := basePolicy()
	p.RemoveNamedServers = true
	c, _ := newCuller(t, h, p)
	if _, err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, _ := h.User("a")
	if _, ok := u.Servers["lab"]; ok {
		t.Error("named server not removed")
	}
	for _, r := range h.Requests() {
		if r.Method == http.MethodDelete {
			removes := strings.Contains(r.Body, `"remove"`)
			if named := strings.Contains(r.Path, "/servers/"); named != removes {
				t.Errorf("%s body %q", r.Path, r.Body)
			}
		}
	}
}

func TestPassEscapesNames(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	odd := "a b/c%d?é"
	addUser(h, odd, false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), "x/y z": idleServer()})
	p := basePolicy()
	p.CullUsers = true
	c, logs := newCuller(t, h, p)
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 2 || sum.UsersCulled != 1 {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}
	if _, ok := h.User(odd); ok {
		t.Error("user with an odd name not deleted")
	}
	for _, r := range h.Requests() {
		if r.Method == http.MethodDelete && !strings.Contains(r.Path, "a%20b%2Fc%25d%3F%C3%A9") {
			t.Errorf("DELETE path %q is not escaped", r.Path)
		}
	}
}

func TestPassFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults []fakehub.Fault
		ok     bool
	}{
		{"503 twice on the list", []fakehub.Fault{{Method: "GET", Path: "/users", Times: 2, Status: 503}}, true},
		{"reset once", []fakehub.Fault{{Method: "GET", Path: "/users", Times: 1, Reset: true}}, true},
		{"truncated page once", []fakehub.Fault{{Method: "GET", Path: "/users", Times: 1, Truncate: true}}, true},
		{"429 with Retry-After", []fakehub.Fault{{Method: "DELETE", Times: 1, Status: 429, RetryAfter: "0"}}, true},
		{"500 on a stop, then fine", []fakehub.Fault{{Method: "DELETE", Times: 2, Status: 500}}, true},
		{"Hub down for the list", []fakehub.Fault{{Method: "GET", Path: "/users", Status: 502}}, false},
		{"stops always fail", []fakehub.Fault{{Method: "DELETE", Status: 500}}, false},
		{"403 on a stop", []fakehub.Fault{{Method: "DELETE", Times: 1, Status: 403}}, false},
		{"list always truncated", []fakehub.Fault{{Method: "GET", Path: "/users", Truncate: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, fakehub.Options{})
			addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			addUser(h, "idle2", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			for _, f := range tt.faults {
				h.Inject(f)
			}
			c, logs := newCuller(t, h, basePolicy())
			sum, err := c.Pass(context.Background())
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v\n%s", err, tt.ok, logs)
			}
			if tt.ok && (sum.ServersCulled != 2 || running(t, h, "idle", "")) {
				t.Errorf("summary %+v", sum)
			}
			if strings.Contains(tt.name, "403") && !strings.Contains(logs.String(), "hint=\"grant them with a role") {
				t.Errorf("a 403 is logged without the scope hint:\n%s", logs)
			}
			if strings.Contains(tt.name, "stops always fail") && sum.Errors != 2 {
				t.Errorf("errors %d, want 2 (one per server, each after its retries)", sum.Errors)
			}
		})
	}
}

func TestPassConcurrencyBound(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	for i := 0; i < 40; i++ {
		addUser(h, fmt.Sprintf("u%02d", i), false, time.Minute, map[string]*fakehub.Server{"": idleServer()})
	}
	h.Inject(fakehub.Fault{Method: "DELETE", Delay: 30 * time.Millisecond})
	c, _ := newCuller(t, h, basePolicy())
	client, _ := NewClient(ClientConfig{URL: h.URL(), Token: cullToken, Concurrency: 4})
	c.Client, c.Concurrency = client, 4
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 40 {
		t.Fatalf("%+v %v", sum, err)
	}
	if m := h.MaxInFlight(); m > 4 || m < 2 {
		t.Errorf("max in flight %d, want 2 to 4", m)
	}
}

func TestPassDryRun(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	c.DryRun = true
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 1 || !running(t, h, "idle", "") {
		t.Fatalf("%+v %v", sum, err)
	}
	for _, r := range h.Requests() {
		if r.Method == http.MethodDelete {
			t.Error("dry run sent a DELETE")
		}
	}
	if !strings.Contains(logs.String(), "would cull server") {
		t.Errorf("log %s", logs)
	}
}

// TestRunSurvivesHubOutage: a failed pass is logged, the loop goes on, and
// the next pass culls once the Hub is back; cancelling ends it at once.
func TestRunSurvivesHubOutage(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	h.Inject(fakehub.Fault{Path: "/", Times: 4, Status: 503}) // the first pass's 4 attempts
	c, logs := newCuller(t, h, basePolicy())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { c.Run(ctx, 100*time.Millisecond); close(done) }()
	waitFor(t, "a pass that culls once the Hub is back", func() bool {
		return !running(t, h, "idle", "") && strings.Contains(logs.String(), "cull pass done")
	})
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not end within 2s of cancel")
	}
	if running(t, h, "idle", "") {
		t.Fatalf("never culled after the Hub came back:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "cull pass failed") || !strings.Contains(logs.String(), "cull pass done") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestPassUserDeletedMidPass: a user deleted after the listing makes the
// real 3.0 Hub answer 500 to the stop; the culler sees the user is gone and
// counts no error.
func TestPassUserDeletedMidPass(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	const adminToken = "adminadminadminadminadminadmin00"
	h.AddToken(adminToken, fakehub.Owner{Kind: "service", Name: "setup"}, "admin:users", "admin:servers")
	addUser(h, "a", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	addUser(h, "b", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	h.Inject(fakehub.Fault{Method: "DELETE", Path: "/users/a/server", Times: 1, Delay: 300 * time.Millisecond})
	c, logs := newCuller(t, h, basePolicy())
	c.Concurrency = 1
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result)
	go func() { s, err := c.Pass(context.Background()); done <- result{s, err} }()
	waitFor(t, "the culler's first DELETE", func() bool {
		for _, r := range h.Requests() {
			if r.Method == http.MethodDelete {
				return true
			}
		}
		return false
	})
	req, _ := http.NewRequest(http.MethodDelete, h.URL()+"/users/b", nil)
	req.Header.Set("Authorization", "token "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deleting b behind the culler's back: %v %v", resp, err)
	}
	resp.Body.Close()
	r := <-done
	if r.err != nil || r.sum.Errors != 0 || r.sum.ServersCulled != 2 {
		t.Errorf("%+v %v\n%s", r.sum, r.err, logs)
	}
	if !strings.Contains(logs.String(), "server already gone") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestPassMaxAgeWithFutureActivity: a server whose clock runs ahead is still
// culled for its age (started is the Hub's own clock), and the log says why.
func TestPassMaxAgeWithFutureActivity(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "fast-clock", false, time.Minute, map[string]*fakehub.Server{"": {Ready: true,
		Started: tp(time.Now().Add(-5 * time.Hour)), LastActivity: tp(time.Now().Add(20 * time.Minute))}})
	p := basePolicy()
	p.MaxAge = 4 * time.Hour
	c, logs := newCuller(t, h, p)
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 1 || running(t, h, "fast-clock", "") {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}
	if !strings.Contains(logs.String(), `msg="culled server" user=fast-clock server="" reason=max-age why="started 5h0m0s ago >= max-age 4h0m0s; last_activity is 20m0s in the future (clock skew)"`) {
		t.Errorf("log:\n%s", logs)
	}
}

// TestPassKeepsDotNames: a user or server named "." or ".." is kept and
// logged, and never sent as a path segment, where a proxy or a client would
// normalise /users/../server into another path.
func TestPassKeepsDotNames(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	for _, name := range []string{".", ".."} {
		addUser(h, name, false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), "lab": idleServer()})
	}
	addUser(h, "bob", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), ".": idleServer(), "..": idleServer()})
	addUser(h, "carol", false, 2*time.Hour, nil)
	p := basePolicy()
	p.CullUsers, p.RemoveNamedServers = true, true
	c, logs := newCuller(t, h, p)
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	for _, r := range h.Requests() {
		for _, seg := range strings.Split(r.Path, "/") {
			if seg == "." || seg == ".." {
				t.Errorf("sent %s %s", r.Method, r.Path)
			}
		}
	}
	if running(t, h, "bob", "") || !running(t, h, "bob", "..") || !running(t, h, "..", "lab") {
		t.Error("wrong servers culled")
	}
	if _, ok := h.User("carol"); ok {
		t.Error("carol not culled")
	}
	if sum.Kept[UnaddressableName] != 8 { // 2 users × (2 servers + the user) + bob's 2 servers
		t.Errorf("kept %v", sum.Kept)
	}
	for _, want := range []string{
		`msg="keeping server" user=.. server=lab reason=unaddressable-name why="the user name \"..\" cannot be sent as a path segment`,
		`msg="keeping user" user=. reason=unaddressable-name why="the user name \".\" cannot`,
		`msg="keeping server" user=bob server=. reason=unaddressable-name why="the server name \".\" cannot`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// Up to 4.1, JupyterHub's state=ready list has one row per ready server, so
// a user with several lands on more than one page (apihandlers/users.py
// UserListAPIHandler.get, 4.1.6; grouped by user from 5.0.0). The pass
// summary counts users and kept servers once each, on both.
func TestPassCountsUsersListedTwice(t *testing.T) {
	for _, version := range []string{"3.0.0", "5.2.1"} {
		t.Run(version, func(t *testing.T) {
			h := newHub(t, fakehub.Options{Version: version, MaxLimit: 7, DefaultLimit: 7})
			for i := 0; i < 20; i++ {
				addUser(h, fmt.Sprintf("u%02d", i), false, time.Minute, map[string]*fakehub.Server{
					"": activeServer(), "a": activeServer(), "b": idleServer()})
			}
			c, logs := newCuller(t, h, basePolicy())
			sum, err := c.Pass(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, logs)
			}
			if sum.Users != 20 || sum.ServersCulled != 20 {
				t.Errorf("users %d, culled %d; want 20 and 20 (%+v)", sum.Users, sum.ServersCulled, sum)
			}
			kept := 0
			for _, n := range sum.Kept {
				kept += n
			}
			if kept != 40 {
				t.Errorf("kept %d servers, want 40 (%v)", kept, sum.Kept)
			}
		})
	}
}

// With --cull-users, a user who was never active is judged by created,
// which the Hub shows only with read:users (hub.CullerWantedScopes). A
// token without it still culls, keeps that user with a logged reason, and
// says once, not on every pass, what it cannot do.
func TestPassNeverActiveUserNeedsReadUsers(t *testing.T) {
	hubctlRole := hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})
	withoutReadUsers := slices.DeleteFunc(slices.Clone(hubctlRole), func(s string) bool { return s == "read:users" })
	for _, c := range []struct {
		name   string
		scopes []string
		culled bool
	}{
		{"role", hubctlRole, true},
		{"without read:users", withoutReadUsers, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHub(t, fakehub.Options{Version: "5.2.1"}, c.scopes...)
			h.AddUser(fakehub.User{Name: "never", Created: time.Now().Add(-100 * time.Hour)})
			p := basePolicy()
			p.CullUsers = true
			cl, logs := newCuller(t, h, p)
			for range 2 {
				if _, err := cl.Pass(context.Background()); err != nil {
					t.Fatalf("%v\n%s", err, logs)
				}
				if _, ok := h.User("never"); ok {
					break
				}
			}
			if _, ok := h.User("never"); ok == c.culled {
				t.Errorf("never-active user exists = %v, want %v\n%s", ok, !c.culled, logs)
			}
			warnings := strings.Count(logs.String(), "lacks a scope the culler should have")
			if c.culled && warnings != 0 || !c.culled && (warnings != 1 || !strings.Contains(logs.String(), `reason=no-timestamp`)) {
				t.Errorf("%d warnings about the scope (want %d), or no kept reason:\n%s", warnings, map[bool]int{true: 0, false: 1}[c.culled], logs)
			}
		})
	}
}
