package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/internal/realhub"
)

// loopingHub fronts a fake Hub and answers GET /users as the Hub of the
// issue did: empty pages whose next offset grows by one, forever.
func loopingHub(t *testing.T, h *fakehub.Hub) (string, *atomic.Int64) {
	t.Helper()
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api/users" {
			proxy.ServeHTTP(w, r)
			return
		}
		lists.Add(1)
		o, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		fmt.Fprintf(w, `{"items": [], "_pagination": {"offset": %d, "limit": 50, "total": 3, "next": {"offset": %d, "limit": 50}}}`, o, o+1)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hub/api", &lists
}

func TestCullOnceEndsOnEndlessPages(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	u, lists := loopingHub(t, h)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", u, "--timeout=3600")
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: listing users: GET /users: next page offset 1 advances by 1, not by the page's limit 50") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := lists.Load(); n > 5 {
		t.Errorf("%d requests for GET /users", n)
	}
	if !serverUp(h, "idle") {
		t.Error("culled on an incomplete listing")
	}
}

// echoingHub fronts a fake Hub and answers every request for path with
// status and a message that repeats the token amid 10 MB.
func echoingHub(t *testing.T, h *fakehub.Hub, path string, status int) string {
	t.Helper()
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	msg := "bad token " + testToken + " \x1b]0;owned\x07" + strings.Repeat("x", 10<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api"+path {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := json.Marshal(map[string]any{"status": status, "message": msg})
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hub/api"
}

func TestHubErrorBodiesAreRedacted(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	for _, tt := range []struct {
		args []string
		path string
	}{
		{[]string{"cull", "--once"}, "/"},
		{[]string{"cull", "--once", "--log-format=json"}, "/users"},
		{[]string{"check"}, "/user"},
	} {
		u := echoingHub(t, h, tt.path, http.StatusNotFound)
		r := runCLIEnv(t, nil, tokenEnv, "", append(tt.args, "--url", u)...)
		out := r.stdout + r.stderr
		if r.code != exitFailure || strings.Contains(out, testToken) || len(out) > 8<<10 || strings.Contains(out, "\x1b") ||
			!strings.Contains(out, "bad token [token]") || !strings.Contains(out, "bytes more)") {
			t.Errorf("%v: exit %d, %d bytes:\n%.3000s", tt.args, r.code, len(out), out)
		}
	}
}

func TestURLSecretsAreNotEchoed(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"http://admin:hunter2@127.0.0.1:8081/hub/api",
		"http://127.0.0.1:8081/hub/api?token=hunter2",
		"http://127.0.0.1:80hunter2/hub/api",
		"gopher://hunter2@127.0.0.1/",
	} {
		for _, cmd := range []string{"cull", "check"} {
			r := runCLIEnv(t, nil, tokenEnv, "", cmd, "--url", u)
			if r.code != exitUsage || strings.Contains(r.stdout+r.stderr, "hunter2") || !strings.Contains(r.stderr, "hubctl: error: --url: hub API URL") {
				t.Errorf("%s --url %s: %+v", cmd, u, r)
			}
		}
	}
}

// TestCleartextWarning: plain http to a host that is not loopback is
// warned about once, at the start of cull and check, and not refused. No
// token is set, so nothing is sent anywhere.
func TestCleartextWarning(t *testing.T) {
	t.Parallel()
	noToken := map[string]string{"JUPYTERHUB_API_TOKEN": ""}
	for _, tt := range []struct {
		url  string
		warn bool
	}{
		{"http://hub.example.org:8081/hub/api", true},
		{"http://10.0.0.5/hub/api", true},
		{"http://[fd00::1]:8081/hub/api", true},
		{"http://127.0.0.1:8081/hub/api", false},
		{"http://127.9.8.7:8081/hub/api", false},
		{"http://[::1]:8081/hub/api", false},
		{"http://LOCALHOST:8081/hub/api", false},
		{"https://hub.example.org/hub/api", false},
	} {
		for _, cmd := range []string{"cull", "check"} {
			r := runCLIEnv(t, nil, noToken, "", cmd, "--url", tt.url)
			warned := strings.Count(r.stderr, "is plain http to another host")
			if r.code != exitUsage || !strings.Contains(r.stderr, "no API token") || warned != map[bool]int{true: 1, false: 0}[tt.warn] {
				t.Errorf("%s --url %s: exit %d, %d warnings:\n%s", cmd, tt.url, r.code, warned, r.stderr)
			}
		}
	}
}

func TestSSLEnabledNeedsHTTPS(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--ssl-enabled", "--url", "http://127.0.0.1:8081/hub/api"},
		{"--ssl-enabled"}, // the default --url is http
	} {
		for _, cmd := range []string{"cull", "check"} {
			argv := []string{cmd}
			if cmd == "cull" {
				argv = append(argv, "--once")
			}
			r := runCLIEnv(t, nil, tokenEnv, "", append(argv, args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "hubctl: error: --ssl-enabled with --url http://127.0.0.1:8081/hub/api") {
				t.Errorf("%s %v: %+v", cmd, args, r)
			}
		}
	}
}

// TestCullRefusesRedirects: the culler's error names where the Hub pointed,
// and nothing arrives there.
func TestCullRefusesRedirects(t *testing.T) {
	t.Parallel()
	var arrived atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { arrived.Add(1) }))
	t.Cleanup(other.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", front.URL+"/hub/api")
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: asking the Hub for its version: GET /: the Hub answered 307 Temporary Redirect to "+other.URL+"/hub/api/") {
		t.Errorf("cull: %+v", r)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "check", "--url", front.URL+"/hub/api")
	if r.code != exitFailure || !strings.Contains(r.stdout, "307 Temporary Redirect to "+other.URL) {
		t.Errorf("check: %+v", r)
	}
	if arrived.Load() != 0 {
		t.Errorf("%d requests followed the redirect", arrived.Load())
	}
}

// TestScopeHintForTheTokensOwner: cull and check propose a role, named as
// `service add` names it, for the service or the user the token is.
func TestScopeHintForTheTokensOwner(t *testing.T) {
	t.Parallel()
	h := fakehub.New(fakehub.Options{})
	t.Cleanup(h.Close)
	h.AddUser(fakehub.User{Name: "alice"})
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "idle-reaper"}, "list:users")
	const userToken = "alicealicealicealicealicealice00"
	h.AddToken(userToken, fakehub.Owner{Kind: "user", Name: "alice"}, "list:users")
	for _, tt := range []struct {
		token string
		want  string
	}{
		{testToken, "hubctl: hint: grant them with a role in jupyterhub_config.py: c.JupyterHub.load_roles = [{'name': '" + hub.RoleName("idle-reaper") + "', 'scopes': ["},
		{userToken, "hubctl: hint: the token is user alice's, not a service's: grant the scopes to the user with a role in jupyterhub_config.py: c.JupyterHub.load_roles = [{'name': 'alice-role',"},
	} {
		for _, args := range [][]string{{"cull", "--once"}, {"check"}} {
			r := runCLIEnv(t, nil, map[string]string{"JUPYTERHUB_API_TOKEN": tt.token}, "", append(args, "--url", h.URL())...)
			if r.code != exitFailure || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", args, r.code, r.stderr, tt.want)
			}
		}
	}
}

// TestTablesEscapeHubText: names and messages from the Hub with control
// characters are escaped in the dry-run table and check's table.
func TestTablesEscapeHubText(t *testing.T) {
	t.Parallel()
	h := fakehub.New(fakehub.Options{})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull\x1b[2J-idle"}, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})...)
	old := time.Now().Add(-2 * time.Hour)
	h.AddUser(fakehub.User{Name: "evil\x1b]0;owned\x07\nfake row", Created: old, LastActivity: tp(old),
		Servers: map[string]*fakehub.Server{"\u202egpu\t1": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--url", h.URL(), "--timeout=3600")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || !strings.Contains(lines[1], `"evil\x1b]0;owned\a\nfake row"  "\u202egpu\t1"`) {
		t.Errorf("exit %d, table:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07\u202e") {
		t.Errorf("raw control characters in the output:\n%q", r.stdout+r.stderr)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL())
	if !strings.Contains(r.stdout, `valid: service cull\x1b[2J-idle`) || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("check:\n%q", r.stdout)
	}
}

// TestRealHubAcceptsTheScopeHint pastes the hint for a service that is not
// cull-idle into the config: each real Hub starts with it, and the culler
// then has its scopes. (A role for a service the config lacks stops the Hub
// from starting.)
func TestRealHubAcceptsTheScopeHint(t *testing.T) {
	t.Parallel()
	onEveryHub(t, testRealHubAcceptsTheScopeHint)
}

func testRealHubAcceptsTheScopeHint(t *testing.T, rel realhub.Release) {
	const reaperToken = "reaper00000000000000000000000000000000000000000000000000000000ef"
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	base := "c = get_config()  # noqa\nc.JupyterHub.services = [{'name': 'reaper', 'api_token': '" + reaperToken + "'}]\n"
	if err := os.WriteFile(config, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startTestHub(t, rel, dir, config, "", nil, 0)
	env := []string{"JUPYTERHUB_API_TOKEN=" + reaperToken}
	r := hubctl(t, env, "cull", "--once", "--url", h.APIURL())
	_, snippet, _ := strings.Cut(r.stderr, "hubctl: hint: grant them with a role in jupyterhub_config.py: ")
	snippet, _, ok := strings.Cut(snippet, ", then restart the Hub")
	if r.code != exitFailure || !ok || !strings.Contains(snippet, "'services': ['reaper']") {
		t.Fatalf("no hint for reaper: %+v", r)
	}
	ports := h.Ports()
	h.Stop()
	if err := os.WriteFile(config, []byte(base+snippet+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h = startTestHub(t, rel, dir, config, "", &ports, 1)
	if r := hubctl(t, env, "cull", "--once", "--url", h.APIURL()); r.code != 0 {
		t.Errorf("with the hint's role: %+v", r)
	}
}
