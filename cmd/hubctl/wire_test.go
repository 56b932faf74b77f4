package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hubctl/hubctl/internal/fakehub"
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
	h := cullHub(t)
	u, lists := loopingHub(t, h)
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	r := runCLI(t, nil, "", "cull", "--once", "--url", u, "--timeout=3600")
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
	h := cullHub(t)
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	for _, tt := range []struct {
		args []string
		path string
	}{
		{[]string{"cull", "--once"}, "/"},
		{[]string{"cull", "--once", "--log-format=json"}, "/users"},
		{[]string{"check"}, "/user"},
	} {
		u := echoingHub(t, h, tt.path, http.StatusNotFound)
		r := runCLI(t, nil, "", append(tt.args, "--url", u)...)
		out := r.stdout + r.stderr
		if r.code != exitFailure || strings.Contains(out, testToken) || len(out) > 8<<10 || strings.Contains(out, "\x1b") ||
			!strings.Contains(out, "bad token [token]") || !strings.Contains(out, "bytes more)") {
			t.Errorf("%v: exit %d, %d bytes:\n%.3000s", tt.args, r.code, len(out), out)
		}
	}
}

func TestURLSecretsAreNotEchoed(t *testing.T) {
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	for _, u := range []string{
		"http://admin:hunter2@127.0.0.1:8081/hub/api",
		"http://127.0.0.1:8081/hub/api?token=hunter2",
		"http://127.0.0.1:80hunter2/hub/api",
		"gopher://hunter2@127.0.0.1/",
	} {
		for _, cmd := range []string{"cull", "check"} {
			r := runCLI(t, nil, "", cmd, "--url", u)
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
	t.Setenv("JUPYTERHUB_API_TOKEN", "")
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
			r := runCLI(t, nil, "", cmd, "--url", tt.url)
			warned := strings.Count(r.stderr, "is plain http to another host")
			if r.code != exitUsage || !strings.Contains(r.stderr, "no API token") || warned != map[bool]int{true: 1, false: 0}[tt.warn] {
				t.Errorf("%s --url %s: exit %d, %d warnings:\n%s", cmd, tt.url, r.code, warned, r.stderr)
			}
		}
	}
}

func TestSSLEnabledNeedsHTTPS(t *testing.T) {
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	for _, args := range [][]string{
		{"--ssl-enabled", "--url", "http://127.0.0.1:8081/hub/api"},
		{"--ssl-enabled"}, // the default --url is http
	} {
		for _, cmd := range []string{"cull", "check"} {
			argv := []string{cmd}
			if cmd == "cull" {
				argv = append(argv, "--once")
			}
			r := runCLI(t, nil, "", append(argv, args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "hubctl: error: --ssl-enabled with --url http://127.0.0.1:8081/hub/api") {
				t.Errorf("%s %v: %+v", cmd, args, r)
			}
		}
	}
}

// TestCullRefusesRedirects: the culler's error names where the Hub pointed,
// and nothing arrives there.
func TestCullRefusesRedirects(t *testing.T) {
	var arrived atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { arrived.Add(1) }))
	t.Cleanup(other.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	r := runCLI(t, nil, "", "cull", "--once", "--url", front.URL+"/hub/api")
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: asking the Hub for its version: GET /: the Hub answered 307 Temporary Redirect to "+other.URL+"/hub/api/") {
		t.Errorf("cull: %+v", r)
	}
	r = runCLI(t, nil, "", "check", "--url", front.URL+"/hub/api")
	if r.code != exitFailure || !strings.Contains(r.stdout, "307 Temporary Redirect to "+other.URL) {
		t.Errorf("check: %+v", r)
	}
	if arrived.Load() != 0 {
		t.Errorf("%d requests followed the redirect", arrived.Load())
	}
}
