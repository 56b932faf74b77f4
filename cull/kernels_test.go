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
// does (a JSON list of kernel models), or as a route says.
type singleUserServers struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]func(w http.ResponseWriter, r *http.Request) // by escaped path
	seen   []string                                                // escaped paths asked for, with the token
	tokens []string                                                // Authorization headers, in order
}

func newSingleUserServers(t *testing.T) *singleUserServers {
	t.Helper()
	s := &singleUserServers{routes: map[string]func(http.ResponseWriter, *http.Request){}}
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

func (s *singleUserServers) route(path string, h func(http.ResponseWriter, *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = h
}

// kernels answers with kernel models in the given execution states.
func (s *singleUserServers) kernels(path string, states ...string) {
	var models []string
	for i, st := range states {
		models = append(models, `{"id": "k`+string(rune('0'+i))+`-`+st+`", "name": "python3", "last_activity": "2026-11-28T18:50:36.123456Z", "execution_state": "`+st+`", "connections": 1}`)
	}
	body := "[" + strings.Join(models, ", ") + "]"
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "token "+cullToken {
			http.Error(w, `{"message": "Forbidden"}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
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

func kernelScopes() []string {
	return hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true, CheckKernels: true})
}

// TestKernelsKeepABusyServer: with --check-kernels a server judged idle is
// asked for its kernels through the public URL with the culler's token; a
// busy kernel keeps it with a line naming the kernel; idle kernels, a server
// that answers 500, a redirect, or no answer within the timeout leave it
// judged as before (culled), each failure logged and counted. A server
// kept as active is not asked.
func TestKernelsKeepABusyServer(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t)
	elsewhere := newSingleUserServers(t)
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
	if got := metricValue(t, c.Metrics, `hubctl_cull_kept_total{reason="busy-kernel"}`); got != "2" {
		t.Errorf("kept busy-kernel = %q, want 2", got)
	}
	if slices.Contains(sus.asked(), "/user/frank/api/kernels") {
		t.Error("an active server was asked for its kernels")
	}
	if len(elsewhere.asked()) != 0 {
		t.Errorf("the redirect was followed to another origin: %v", elsewhere.asked())
	}
	for _, tok := range sus.tokens {
		if tok != "token "+cullToken {
			t.Errorf("Authorization %q", tok)
		}
	}
	if strings.Contains(logs.String(), cullToken) {
		t.Error("the token is in the log")
	}
}

// TestKernelsMaxAgeWins: a busy kernel keeps a server only until max-age;
// a server past it is culled without a kernel check, whether the Decision
// says max-age or idle.
func TestKernelsMaxAgeWins(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t)
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
	sus := newSingleUserServers(t)
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
	sus := newSingleUserServers(t)
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
	sus := newSingleUserServers(t)
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

// TestKernelsScopes: --check-kernels needs access:servers, required (a
// check that gets 403 would cull a busy server), and the culler's role
// grants it on every Hub with scopes.
func TestKernelsScopes(t *testing.T) {
	p := kernelPolicy()
	id := Identity{Kind: "service", Name: "cull-idle", Scopes: hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})}
	if got := MissingScopes(&id, &p); !slices.Equal(got, []string{"access:servers"}) {
		t.Errorf("missing %v, want access:servers", got)
	}
	for _, v := range []hub.Version{{Major: 2}, {Major: 3}, {Major: 5, Minor: 2}} {
		if got := hub.CullerRoleScopes(v, hub.CullerFlags{CheckKernels: true}); !slices.Contains(got, "access:servers") {
			t.Errorf("role at %s: %v lacks access:servers", v, got)
		}
		if got := hub.CullerRoleScopes(v, hub.CullerFlags{}); slices.Contains(got, "access:servers") {
			t.Errorf("role at %s without --check-kernels: %v", v, got)
		}
	}
}

// TestExplainKernels: --explain with --check-kernels shows a server kept
// for a busy kernel, and eligible at its max age.
func TestExplainKernels(t *testing.T) {
	h := newHub(t, fakehub.Options{}, kernelScopes()...)
	sus := newSingleUserServers(t)
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
		w.Write([]byte(`[{"id": "k9", "name": "` + cullToken + `", "execution_state": "busy"}]`))
	})
	e, err = ExplainKernels(context.Background(), c.Client, &p, pub, "alice", "b", true, now)
	if err != nil || len(e.Servers) != 1 || strings.Contains(e.Servers[0].Detail, cullToken) || !strings.Contains(e.Servers[0].Detail, "k9 ([token])") {
		t.Errorf("the token echoed: %+v, %v", e, err)
	}
	// Without --public-url on a Hub that gives only paths, the entry says
	// the check failed and why.
	e, err = ExplainKernels(context.Background(), c.Client, &p, nil, "alice", "", true, now)
	if err != nil || len(e.Servers) != 1 || e.Servers[0].Decision != "cull" || !strings.Contains(e.Servers[0].Hint, "kernel check failed") ||
		!strings.Contains(e.Servers[0].Hint, "no public URL") {
		t.Errorf("without a public URL: %+v, %v", e, err)
	}
}
