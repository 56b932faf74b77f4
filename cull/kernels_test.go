package cull

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

// singleUserServers stands in for the proxy and the single-user servers
// behind it: GET /user/NAME[/SERVER]/api/kernels answers as Jupyter Server
// does (a JSON list of kernel models) to a token the Hub says may access
// that server (fakehub.Hub.ServerAccess), or as a route says.
type singleUserServers struct {
	*httptest.Server
	mu     sync.Mutex
	hub    *fakehub.Hub
	routes map[string]func(w http.ResponseWriter, r *http.Request) // by escaped path
	seen   []string                                                // escaped paths asked for
	tokens []string                                                // Authorization headers, in order
}

func newSingleUserServers(t *testing.T, h *fakehub.Hub) *singleUserServers {
	t.Helper()
	s := &singleUserServers{hub: h, routes: map[string]func(http.ResponseWriter, *http.Request){}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.EscapedPath())
		s.tokens = append(s.tokens, r.Header.Get("Authorization"))
		route := s.routes[r.URL.EscapedPath()]
		s.mu.Unlock()
		if route == nil {
			http.NotFound(w, r)
			return
		}
		route(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// setHub is the Hub whose servers these are.
func (s *singleUserServers) setHub(h *fakehub.Hub) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hub = h
}

func (s *singleUserServers) route(path string, h func(http.ResponseWriter, *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = h
}

// lets reports whether the server at path (/user/NAME[/SERVER]/...) lets
// the request in, as jupyterhub-singleuser asks its Hub.
func (s *singleUserServers) lets(r *http.Request, path string) bool {
	segs := strings.Split(strings.TrimPrefix(path, "/user/"), "/")
	user, _ := url.PathUnescape(segs[0])
	server := ""
	if len(segs) > 3 && segs[1] != "api" {
		server, _ = url.PathUnescape(segs[1])
	}
	s.mu.Lock()
	h := s.hub
	s.mu.Unlock()
	return h != nil && h.ServerAccess(r.Header.Get("Authorization"), user, server)
}

// kernels answers with kernel models in the given execution states.
func (s *singleUserServers) kernels(path string, states ...string) {
	var models []string
	for i, st := range states {
		models = append(models, `{"id": "k`+string(rune('0'+i))+`-`+st+`", "name": "python3", "last_activity": "2026-11-28T18:50:36.123456Z", "execution_state": "`+st+`", "connections": 1}`)
	}
	body := "[" + strings.Join(models, ", ") + "]"
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		if !s.lets(r, path) {
			http.Error(w, `{"message": "Forbidden"}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
}

// sent is the tokens the servers were sent.
func (s *singleUserServers) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.tokens {
		out = append(out, strings.TrimPrefix(a, "token "))
	}
	return out
}

// noCullerToken fails the test if a server was sent the culler's token, a
// token the Hub still holds for a user (each check's is deleted), or the
// log shows one of those sent.
func noCullerToken(t *testing.T, h *fakehub.Hub, sus *singleUserServers, logs string, users ...string) {
	t.Helper()
	for _, tok := range sus.sent() {
		if tok == cullToken || tok == "" {
			t.Errorf("a single-user server was sent %q", tok)
		}
		if tok != "" && strings.Contains(logs, tok) {
			t.Errorf("a minted token is in the log:\n%s", logs)
		}
	}
	for _, u := range users {
		if left := h.Tokens(u); len(left) != 0 {
			t.Errorf("%s's kernel check tokens were not deleted: %+v", u, left)
		}
	}
}

func (s *singleUserServers) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func kernelPolicy() Policy {
	p := basePolicy()
	p.CheckKernels = true
	return p
}

// kernelScopes are the culler's role with --check-kernels: tokens, and no
// access:servers.
func kernelScopes() []string {
	return hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true, CheckKernels: true})
}

// TestKernelsKeepABusyServer: with --check-kernels a server judged idle is
// asked for its kernels through the public URL with a token the Hub mints
// for that user and server, never the culler's, deleted after each check
// whatever its outcome; a
// busy kernel keeps it with a line naming the kernel; idle kernels, a server
// that answers 500, a redirect, or no answer within the timeout leave it
// judged as before (culled), each failure logged and counted. A server
// kept as active is not asked.
func TestKernelsKeepABusyServer(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	elsewhere := newSingleUserServers(t, h)
	elsewhere.kernels("/user/erin/api/kernels", "busy")
	addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/alice/api/kernels", "idle", "busy")
	addUser(h, "bob", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/bob/api/kernels", "idle", "starting")
	addUser(h, "carol", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.route("/user/carol/api/kernels", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	addUser(h, "dave", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	release := make(chan struct{})
	defer close(release)
	sus.route("/user/dave/api/kernels", func(w http.ResponseWriter, r *http.Request) {
		select { // never answers in time
		case <-r.Context().Done():
		case <-release:
		}
	})
	addUser(h, "erin", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.route("/user/erin/api/kernels", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/user/erin/api/kernels", http.StatusFound)
	})
	addUser(h, "frank", false, time.Minute, map[string]*fakehub.Server{"": activeServer()})
	sus.kernels("/user/frank/api/kernels", "busy")
	// A name the Hub escapes in its url (u%41) reaches its own server.
	addUser(h, "u%41", false, 2*time.Hour, map[string]*fakehub.Server{"gpu": idleServer()})
	sus.kernels("/user/u%2541/gpu/api/kernels", "busy")

	c, logs := newCuller(t, h, kernelPolicy())
	c.Metrics = NewMetrics()
	c.PublicURL, _ = url.Parse(sus.URL)
	c.KernelTimeout = 300 * time.Millisecond
	sum, err := c.RunPass(context.Background())
	if err != nil {
		t.Fatalf("pass: %v\n%s", err, logs)
	}
	for user, want := range map[string]bool{"alice": true, "bob": false, "carol": false, "dave": false, "erin": false, "frank": true} {
		if got := running(t, h, user, ""); got != want {
			t.Errorf("%s running = %v, want %v\n%s", user, got, want, logs)
		}
	}
	if !running(t, h, "u%41", "gpu") {
		t.Errorf("u%%41/gpu with a busy kernel was culled\n%s", logs)
	}
	if sum.Kept[BusyKernel] != 2 || sum.ServersCulled != 4 || sum.KernelChecksFailed != 3 || sum.Errors != 0 {
		t.Errorf("summary %+v", sum)
	}
	if !containsLine(logs.String(), `msg="keeping server" user=alice`, "reason=busy-kernel", "kernel_id=k1-busy", "kernel_name=python3") {
		t.Errorf("no busy-kernel line naming alice's kernel:\n%s", logs)
	}
	for _, who := range []string{"carol", "dave", "erin"} {
		if !containsLine(logs.String(), "level=WARN", "kernel check failed", "user="+who) {
			t.Errorf("no warning for %s's failed check:\n%s", who, logs)
		}
	}
	if !containsLine(logs.String(), "user=dave", "no answer within 300ms") || !containsLine(logs.String(), "user=erin", "answered 302", "follows no redirect") {
		t.Errorf("the failures do not say what happened:\n%s", logs)
	}
	if !containsLine(logs.String(), "cull pass done", "kernel_checks_failed=3", "busy-kernel=2") {
		t.Errorf("the pass line lacks the kernel checks:\n%s", logs)
	}
	for result, want := range map[string]string{"busy": "2", "idle": "1", "failed": "3"} {
		if got := metricValue(t, c.Metrics, `hubctl_cull_kernel_checks_total{result="`+result+`"}`); got != want {
			t.Errorf("kernel checks %s = %q, want %s", result, got, want)
		}
	}
	if got := metricValue(t, c.Metrics, `hubctl_cull_kept_total{reason="busy-kernel",rule="flags"}`); got != "2" {
		t.Errorf("kept busy-kernel = %q, want 2", got)
	}
	if slices.Contains(sus.asked(), "/user/frank/api/kernels") {
		t.Error("an active server was asked for its kernels")
	}
	if len(elsewhere.asked()) != 0 {
		t.Errorf("the redirect was followed to another origin: %v", elsewhere.asked())
	}
	if strings.Contains(logs.String(), cullToken) {
		t.Error("the token is in the log")
	}
	noCullerToken(t, h, sus, logs.String(), "alice", "bob", "carol", "dave", "erin", "u%41")
	// One token per check, each minted for the server's user and deleted.
	posts, deletes := 0, 0
	for _, r := range h.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/tokens"):
			posts++
			if !strings.Contains(r.Body, `"access:servers!server=`) || !strings.Contains(r.Body, `"expires_in":60`) {
				t.Errorf("POST %s %s", r.Path, r.Body)
			}
		case r.Method == http.MethodDelete && strings.Contains(r.Path, "/tokens/"):
			deletes++
		}
	}
	if posts != 6 || deletes != 6 {
		t.Errorf("%d tokens minted and %d deleted, want 6 and 6 (the checked servers)", posts, deletes)
	}
	if n := len(slices.Compact(slices.Sorted(slices.Values(sus.sent())))); n != 6 {
		t.Errorf("%d distinct tokens sent for 6 checks: %v", n, sus.sent())
	}
}

// TestKernelsMaxAgeWins: a busy kernel keeps a server only until max-age;
// a server past it is culled without a kernel check, whether the Decision
// says max-age or idle.
func TestKernelsMaxAgeWins(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	old := &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-10 * time.Hour)), LastActivity: tp(time.Now().Add(-2 * time.Hour))}
	addUser(h, "old", false, 2*time.Hour, map[string]*fakehub.Server{"": old})
	sus.kernels("/user/old/api/kernels", "busy")
	oldActive := &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-10 * time.Hour)), LastActivity: tp(time.Now().Add(-time.Minute))}
	addUser(h, "old-active", false, time.Minute, map[string]*fakehub.Server{"": oldActive})
	sus.kernels("/user/old-active/api/kernels", "busy")
	addUser(h, "young", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/young/api/kernels", "busy")
	p := kernelPolicy()
	p.MaxAge = 8 * time.Hour
	c, logs := newCuller(t, h, p)
	c.PublicURL, _ = url.Parse(sus.URL)
	if _, err := c.Pass(context.Background()); err != nil {
		t.Fatalf("pass: %v\n%s", err, logs)
	}
	if running(t, h, "old", "") || running(t, h, "old-active", "") || !running(t, h, "young", "") {
		t.Errorf("old %v old-active %v young %v, want culled, culled, kept\n%s",
			running(t, h, "old", ""), running(t, h, "old-active", ""), running(t, h, "young", ""), logs)
	}
	if got := sus.asked(); !slices.Equal(got, []string{"/user/young/api/kernels"}) {
		t.Errorf("kernel checks %v, want young's alone", got)
	}
}

// TestKernelsDryRunChecks: a dry run asks for kernels too (a read), and a
// server kept for a busy kernel is not listed as one it would cull.
func TestKernelsDryRunChecks(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	addUser(h, "busy", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/busy/api/kernels", "busy")
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/idle/api/kernels", "idle")
	c, logs := newCuller(t, h, kernelPolicy())
	c.PublicURL, _ = url.Parse(sus.URL)
	c.DryRun = true
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("pass: %v\n%s", err, logs)
	}
	if len(sum.WouldCull) != 1 || sum.WouldCull[0].User != "idle" || sum.Kept[BusyKernel] != 1 {
		t.Errorf("would cull %+v, kept %v", sum.WouldCull, sum.Kept)
	}
	if !running(t, h, "busy", "") || !running(t, h, "idle", "") {
		t.Error("a dry run stopped a server")
	}
	if len(sus.asked()) != 2 {
		t.Errorf("kernel checks %v, want both", sus.asked())
	}
}

// TestKernelsCullUsersKeepsTheUser: a user whose server a busy kernel keeps
// is not deleted with --cull-users.
func TestKernelsCullUsersKeepsTheUser(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	addUser(h, "busy", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	sus.kernels("/user/busy/api/kernels", "busy")
	p := kernelPolicy()
	p.CullUsers = true
	c, logs := newCuller(t, h, p)
	c.PublicURL, _ = url.Parse(sus.URL)
	sum, err := c.Pass(context.Background())
	if err != nil {
		t.Fatalf("pass: %v\n%s", err, logs)
	}
	if _, ok := h.User("busy"); !ok || !running(t, h, "busy", "") || sum.UsersCulled != 0 || sum.Kept[ServersLeft] != 1 {
		t.Errorf("summary %+v\n%s", sum, logs)
	}
}

// TestKernelsPublicURLFromTheHub: without --public-url the check goes where
// a 5.x Hub with c.JupyterHub.public_url says the server is (full_url); a
// Hub that gives only a path (3.0, or 5.x without public_url) makes each
// check fail with the hint to pass --public-url, and the start-up check
// refuses at once when a ready server shows it.
func TestKernelsPublicURLFromTheHub(t *testing.T) {
	sus := newSingleUserServers(t, nil)
	sus.kernels("/user/alice/api/kernels", "busy")
	for _, tt := range []struct {
		name, version, public string
		offers                bool
	}{
		{"3.0", "3.0.0", "", false},
		{"5.2 without public_url", "5.2.1", "", false},
		{"5.2 with public_url", "5.2.1", sus.URL + "/", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, fakehub.Options{Version: tt.version, PublicURL: tt.public}, kernelScopes()...)
			sus.setHub(h)
			addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			c, logs := newCuller(t, h, kernelPolicy())
			err := KernelPreflight(context.Background(), c.Client)
			var np *NoPublicURLError
			if errors.As(err, &np) == tt.offers || !tt.offers && err == nil {
				t.Errorf("preflight: %v", err)
			}
			sum, err := c.RunPass(context.Background())
			if err != nil {
				t.Fatalf("pass: %v\n%s", err, logs)
			}
			if got := running(t, h, "alice", ""); got != tt.offers {
				t.Errorf("alice running = %v, want %v\n%s", got, tt.offers, logs)
			}
			if !tt.offers && (sum.KernelChecksFailed != 1 || !containsLine(logs.String(), "kernel check failed", "user=alice", "no public URL", "--public-url")) {
				t.Errorf("no failed check with a hint to pass --public-url (%+v):\n%s", sum, logs)
			}
		})
	}
	// With no ready server the start-up check cannot tell, and lets the
	// passes say it per server.
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	c, _ := newCuller(t, h, kernelPolicy())
	if err := KernelPreflight(context.Background(), c.Client); err != nil {
		t.Errorf("preflight with no server: %v", err)
	}
}

// TestKernelsURL: where a kernel check goes. With --public-url only its
// origin is used and the Hub's url gives the escaped path; a full url from
// the Hub is taken on that origin alone (a subdomain is another origin);
// without it, full_url, or url when that is a full URL (subdomains).
func TestKernelsURL(t *testing.T) {
	pub, err := ParsePublicURL("https://hub.example.org:8443/prefix/")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"hub.example.org", "ftp://hub.example.org/", "https://u:p@hub.example.org/", "https://hub.example.org/?a=1", "https://hub.example.org/?", "https://hub.example.org/#x", "%zz"} {
		if _, err := ParsePublicURL(bad); err == nil || strings.Contains(err.Error(), ":p@") {
			t.Errorf("ParsePublicURL(%q): %v", bad, err)
		}
	}
	for _, tt := range []struct {
		name     string
		public   *url.URL
		s        serverURLs
		want     string // "" = refused
		noPublic bool
	}{
		{"path on --public-url", pub, serverURLs{url: "/prefix/user/alice/"}, "https://hub.example.org:8443/prefix/user/alice/api/kernels", false},
		{"escaped name", pub, serverURLs{url: "/user/u%2541/g%20pu/"}, "https://hub.example.org:8443/user/u%2541/g%20pu/api/kernels", false},
		{"no trailing slash", pub, serverURLs{url: "/user/alice"}, "https://hub.example.org:8443/user/alice/api/kernels", false},
		{"--public-url wins over full_url", pub, serverURLs{url: "/user/alice/", fullURL: "https://evil.example.com/user/alice/"}, "https://hub.example.org:8443/user/alice/api/kernels", false},
		{"full url on --public-url", pub, serverURLs{url: "https://hub.example.org:8443/user/alice/"}, "https://hub.example.org:8443/user/alice/api/kernels", false},
		{"subdomain of --public-url", pub, serverURLs{url: "https://alice.hub.example.org:8443/user/alice/"}, "", false},
		{"another host", pub, serverURLs{url: "https://evilhub.example.org:8443/user/alice/"}, "", false},
		{"another port", pub, serverURLs{url: "https://alice.hub.example.org:9443/user/alice/"}, "", false},
		{"http for https", pub, serverURLs{url: "http://hub.example.org:8443/user/alice/"}, "", false},
		{"full_url from the Hub", nil, serverURLs{url: "/user/alice/", fullURL: "https://hub.example.org/user/alice/"}, "https://hub.example.org/user/alice/api/kernels", false},
		{"subdomain url from the Hub", nil, serverURLs{url: "https://alice.hub.example.org/user/alice/"}, "https://alice.hub.example.org/user/alice/api/kernels", false},
		{"only a path", nil, serverURLs{url: "/user/alice/"}, "", true},
		{"not http", nil, serverURLs{url: "/user/alice/", fullURL: "file:///etc/passwd"}, "", false},
		{"no url", pub, serverURLs{}, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kernelsURL(tt.public, tt.s)
			var np *NoPublicURLError
			if errors.As(err, &np) != tt.noPublic {
				t.Errorf("error %v, want a NoPublicURLError: %v", err, tt.noPublic)
			}
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("%s: sent, want refused", got)
			case tt.want != "" && (err != nil || got.String() != tt.want):
				t.Errorf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

// TestKernelsScopes: --check-kernels needs tokens (to mint each check's
// token), required (a check without a token would cull a busy server), and
// no access:servers: the culler's role grants tokens on every Hub with
// scopes, and access:servers on none.
func TestKernelsScopes(t *testing.T) {
	p := kernelPolicy()
	id := Identity{Kind: "service", Name: "cull-idle", Scopes: hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})}
	if got := MissingScopes(&id, &p); !slices.Equal(got, []string{"tokens"}) {
		t.Errorf("missing %v, want tokens", got)
	}
	for _, v := range []hub.Version{{Major: 2}, {Major: 3}, {Major: 5, Minor: 2}} {
		if got := hub.CullerRoleScopes(v, hub.CullerFlags{CheckKernels: true}); !slices.Contains(got, "tokens") || slices.Contains(got, "access:servers") {
			t.Errorf("role at %s: %v, want tokens and no access:servers", v, got)
		}
		if got := hub.CullerRoleScopes(v, hub.CullerFlags{}); slices.Contains(got, "tokens") {
			t.Errorf("role at %s without --check-kernels: %v", v, got)
		}
	}
}

// TestExplainKernels: --explain with --check-kernels shows a server kept
// for a busy kernel, and eligible at its max age.
func TestExplainKernels(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), "b": idleServer()})
	sus.kernels("/user/alice/api/kernels", "busy")
	sus.kernels("/user/alice/b/api/kernels", "idle")
	p := kernelPolicy()
	p.MaxAge = 8 * time.Hour
	c, _ := newCuller(t, h, p)
	pub, _ := url.Parse(sus.URL)
	now := time.Now().UTC()
	e, err := ExplainKernels(context.Background(), c.Client, &p, pub, "alice", "", false, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Servers) != 2 {
		t.Fatalf("%+v", e)
	}
	def, b := e.Servers[0], e.Servers[1]
	if def.Decision != "keep" || def.Reason != BusyKernel || !strings.Contains(def.Detail, "k0-busy (python3)") ||
		def.EligibleAt == nil || !def.EligibleAt.Equal(def.Started.Add(p.MaxAge)) {
		t.Errorf("default server: %+v", def)
	}
	if b.Decision != "cull" || b.Reason != Idle {
		t.Errorf("server b: %+v", b)
	}
	// A server that echoes the token it was sent, as a kernel's name, does
	// not get it printed.
	sus.route("/user/alice/b/api/kernels", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"id": "k9", "name": "` + strings.TrimPrefix(r.Header.Get("Authorization"), "token ") + `", "execution_state": "busy"}]`))
	})
	e, err = ExplainKernels(context.Background(), c.Client, &p, pub, "alice", "b", true, now)
	if err != nil || len(e.Servers) != 1 || !strings.Contains(e.Servers[0].Detail, "k9 ([token])") {
		t.Errorf("the token echoed: %+v, %v", e, err)
	}
	noCullerToken(t, h, sus, e.Servers[0].Detail, "alice")
	// Without --public-url on a Hub that gives only paths, the entry says
	// the check failed and why.
	e, err = ExplainKernels(context.Background(), c.Client, &p, nil, "alice", "", true, now)
	if err != nil || len(e.Servers) != 1 || e.Servers[0].Decision != "cull" || !strings.Contains(e.Servers[0].Hint, "kernel check failed") ||
		!strings.Contains(e.Servers[0].Hint, "no public URL") {
		t.Errorf("without a public URL: %+v, %v", e, err)
	}
}

// TestExplainKernelsRuleMaxAge: --explain --check-kernels applies the max
// age of the rule that matched, as a pass does, with no --max-age: a server
// past its rule's max_age is shown culled without a kernel check, and one
// a busy kernel keeps is eligible at its rule's max_age.
func TestExplainKernelsRuleMaxAge(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t, h)
	old := &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-10 * time.Hour)), LastActivity: tp(time.Now().Add(-2 * time.Hour))}
	addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"gpu-old": old, "gpu-young": idleServer()})
	sus.kernels("/user/alice/gpu-old/api/kernels", "busy")
	sus.kernels("/user/alice/gpu-young/api/kernels", "busy")
	p := kernelPolicy() // no --max-age
	p.Rules = mustRules(t, "rules:\n  - name: gpu\n    match: {server: '^gpu-'}\n    max_age: 8h\n")
	c, _ := newCuller(t, h, p)
	pub, _ := url.Parse(sus.URL)
	now := time.Now().UTC()
	e, err := ExplainKernels(context.Background(), c.Client, &p, pub, "alice", "", false, now)
	if err != nil || len(e.Servers) != 2 {
		t.Fatalf("%+v, %v", e, err)
	}
	for _, en := range e.Servers {
		switch en.Server {
		case "gpu-old":
			if en.Decision != "cull" || en.Reason != Idle || en.Rule != "gpu" {
				t.Errorf("gpu-old, 10h old with rule max_age 8h: %+v, want culled as idle", en)
			}
		case "gpu-young":
			if en.Decision != "keep" || en.Reason != BusyKernel || en.EligibleAt == nil || !en.EligibleAt.Equal(en.Started.Add(8*time.Hour)) {
				t.Errorf("gpu-young: %+v, want kept for the busy kernel until started + 8h", en)
			}
		}
	}
	if got := sus.asked(); !slices.Equal(got, []string{"/user/alice/gpu-young/api/kernels"}) {
		t.Errorf("kernel checks %v, want gpu-young's alone", got)
	}
}

// TestKernelTokensAreDeleted: the token of a check is deleted when the
// check fails and when the pass is cancelled while the server is being
// asked; a Hub that refuses to mint one makes the check fail without a
// request to the server (judged as before, logged); a Hub that does not
// delete it gets a warning naming the user and the token id, never the
// token.
func TestKernelTokensAreDeleted(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		h := newHub(t, fakehub.Options{}, kernelScopes()...)
		sus := newSingleUserServers(t, h)
		addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
		asked := make(chan struct{})
		sus.route("/user/alice/api/kernels", func(w http.ResponseWriter, r *http.Request) {
			close(asked)
			<-r.Context().Done()
		})
		c, logs := newCuller(t, h, kernelPolicy())
		c.PublicURL, _ = url.Parse(sus.URL)
		c.KernelTimeout = time.Minute
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = c.Pass(ctx)
		}()
		<-asked
		if len(h.Tokens("alice")) != 1 {
			t.Errorf("while asking: alice's tokens %+v, want the check's", h.Tokens("alice"))
		}
		cancel()
		<-done
		if !running(t, h, "alice", "") {
			t.Error("a cancelled pass culled the server")
		}
		noCullerToken(t, h, sus, logs.String(), "alice")
	})
	t.Run("refused", func(t *testing.T) {
		h := newHub(t, fakehub.Options{}, kernelScopes()...)
		sus := newSingleUserServers(t, h)
		// alice's role was changed so that she lacks access to her servers
		h.Inject(fakehub.Fault{Method: http.MethodPost, Path: "/users/alice/tokens", Status: http.StatusBadRequest})
		addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
		sus.kernels("/user/alice/api/kernels", "busy")
		c, logs := newCuller(t, h, kernelPolicy())
		c.PublicURL, _ = url.Parse(sus.URL)
		sum, err := c.Pass(context.Background())
		if err != nil || sum.KernelChecksFailed != 1 || running(t, h, "alice", "") {
			t.Errorf("pass %+v, %v\n%s", sum, err, logs)
		}
		if !containsLine(logs.String(), "kernel check failed", "user=alice", "no token for the check", "POST /users/alice/tokens", "400") {
			t.Errorf("the failure does not say the Hub minted no token:\n%s", logs)
		}
		if len(sus.asked()) != 0 {
			t.Errorf("asked without a token: %v", sus.asked())
		}
	})
	t.Run("not deleted", func(t *testing.T) {
		h := newHub(t, fakehub.Options{}, kernelScopes()...)
		sus := newSingleUserServers(t, h)
		h.Inject(fakehub.Fault{Method: http.MethodDelete, Path: "/users/alice/tokens/", Status: http.StatusForbidden})
		addUser(h, "alice", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
		sus.kernels("/user/alice/api/kernels", "busy")
		c, logs := newCuller(t, h, kernelPolicy())
		c.PublicURL, _ = url.Parse(sus.URL)
		if _, err := c.Pass(context.Background()); err != nil || !running(t, h, "alice", "") {
			t.Fatalf("pass: %v\n%s", err, logs)
		}
		left := h.Tokens("alice")
		if len(left) != 1 || left[0].ExpiresAt == nil || time.Until(*left[0].ExpiresAt) > KernelTokenLifetime {
			t.Fatalf("alice's tokens %+v, want the undeleted one, expiring within %s", left, KernelTokenLifetime)
		}
		if !containsLine(logs.String(), "level=WARN", "could not delete the kernel check's token", "user=alice", "token_id="+left[0].ID, "expires_in=1m0s", "403") {
			t.Errorf("no warning naming alice and %s:\n%s", left[0].ID, logs)
		}
		for _, tok := range sus.sent() {
			if strings.Contains(logs.String(), tok) {
				t.Errorf("the token is in the log:\n%s", logs)
			}
		}
	})
}
