package main

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
)

// adminToken is the token of the test's own service on the real Hub, with
// what the test needs to create users, start servers and reach them.
const adminToken = "hubctltest000000000000000000000000000000000000000000000000000000"

// testSettings are loaded after the config under test: the test's service
// and role, and activity reported every second or two so that idleness is
// seen quickly (a running server's last_activity cannot be moved back).
const testSettings = `c.JupyterHub.services.append({'name': 'hubctl-test', 'api_token': '` + adminToken + `'})
c.JupyterHub.load_roles.append({'name': 'hubctl-test-role', 'services': ['hubctl-test'],
    'scopes': ['list:services', 'read:services', 'read:roles', 'admin:users', 'admin:servers', 'access:servers', 'list:users']})
c.JupyterHub.last_activity_interval = 2
c.Spawner.environment = {'JUPYTERHUB_ACTIVITY_INTERVAL': '2'}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
`

// testHub is a real JupyterHub with the config hubctl wrote.
type testHub struct {
	*realhub.Hub
	t *testing.T
}

// onEveryHub runs test once per release, as parallel subtests named by
// version ("3.0", "5.2"), each failing in CI and skipping elsewhere when its
// Hub is missing.
func onEveryHub(t *testing.T, test func(t *testing.T, r realhub.Release)) {
	t.Helper()
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			test(t, r)
		})
	}
}

// versionFlags are the `service add` flags that target release r. 3.0 is
// the jupyterhub on PATH, which hubctl asks; 5.2 lives in its own root.
func versionFlags(r realhub.Release) []string {
	if r.Root == "" {
		return nil
	}
	return []string{"--hub-version", r.Version.String()}
}

// startTestHub starts release r on config (run numbers restarts in one dir,
// which may reuse ports), with env added to the Hub's environment, and
// waits until it is up. The Hub sees the directory of hubctlBin, which it
// runs as a managed service.
func startTestHub(t *testing.T, r realhub.Release, dir, config, extra string, ports *realhub.Ports, run int, env ...string) *testHub {
	t.Helper()
	r.Require(t)
	h := &testHub{Hub: realhub.Start(t, realhub.Options{Release: r, Dir: dir, Config: config, After: testSettings + extra,
		Ports: ports, Run: run, Env: env, Binds: []string{filepath.Dir(hubctlBin)}}), t: t}
	h.MustBeUp(60 * time.Second)
	return h
}

// api sends a request with the test's admin token.
func (h *testHub) api(method, path string, body string) (int, []byte) {
	h.t.Helper()
	return h.API(adminToken, method, path, body)
}

func (h *testHub) getJSON(path string, into any) {
	h.t.Helper()
	code, data := h.api(http.MethodGet, path, "")
	if code != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, code, data)
	}
	if err := json.Unmarshal(data, into); err != nil {
		h.t.Fatal(err)
	}
}

type hubUser struct {
	Name    string `json:"name"`
	Servers map[string]struct {
		Ready        bool       `json:"ready"`
		Pending      string     `json:"pending"`
		Started      *time.Time `json:"started"`
		LastActivity *time.Time `json:"last_activity"`
	} `json:"servers"`
}

// user returns a user's model, or false when the Hub has no such user.
func (h *testHub) user(name string) (hubUser, bool) {
	h.t.Helper()
	code, data := h.api(http.MethodGet, "/users/"+name, "")
	var u hubUser
	if code == http.StatusNotFound {
		return u, false
	}
	if code != http.StatusOK || json.Unmarshal(data, &u) != nil {
		h.t.Fatalf("GET /users/%s: %d %s", name, code, data)
	}
	return u, true
}

func (h *testHub) running(name string) bool {
	u, ok := h.user(name)
	return ok && u.Servers[""].Ready
}

// idle is how long the Hub says the user's default server has been idle,
// measured as the culler does: from its last_activity, else from when it
// started; 0 without a running server.
func (h *testHub) idle(name string) time.Duration {
	u, ok := h.user(name)
	s := u.Servers[""]
	since := cmp.Or(s.LastActivity, s.Started)
	if !ok || !s.Ready || since == nil {
		return 0
	}
	return time.Since(*since)
}

// startServer creates the user if needed and starts its default server.
func (h *testHub) startServer(name string) {
	h.t.Helper()
	if _, ok := h.user(name); !ok {
		if code, data := h.api(http.MethodPost, "/users/"+name, ""); code != http.StatusCreated {
			h.t.Fatalf("creating %s: %d %s", name, code, data)
		}
	}
	if code, data := h.api(http.MethodPost, "/users/"+name+"/server", ""); code != http.StatusCreated && code != http.StatusAccepted {
		h.t.Fatalf("starting %s's server: %d %s", name, code, data)
	}
	h.waitFor(name+"'s server to be ready", 60*time.Second, func() bool { return h.running(name) })
}

func (h *testHub) waitFor(what string, within time.Duration, cond func() bool) time.Duration {
	h.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			h.t.Fatalf("waited %s for %s:\n%s", within, what, realhub.Tail(h.Output()))
		}
		time.Sleep(250 * time.Millisecond) // polling interval of the deadline above
	}
	return time.Since(start)
}

// keepActive sends a request through the proxy to the user's server every
// second, as a person working in it would, until ctx ends.
func (h *testHub) keepActive(ctx context.Context, name string) {
	go func() {
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.PublicURL()+"/user/"+name+"/api/contents", nil)
			req.Header.Set("Authorization", "token "+adminToken)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// hubctl runs the built binary and returns its output and exit code.
func hubctl(t *testing.T, env []string, args ...string) binResult {
	t.Helper()
	cmd := exec.Command(hubctlBin, args...)
	cmd.Env = append(os.Environ(), env...)
	return runBin(t, cmd)
}

// TestRealHubStartsWithServiceAdd: each real Hub starts with the config
// `hubctl service add` wrote beside a hand-written service: cull-idle
// (--admin, Hub-managed) and reporter (an external service with --scope and
// its token from the environment). GET /services lists all three with the
// roles hubctl wrote (the services API shows no scopes); reporter's token
// carries the scopes hubctl gave its role, as the Hub expands them, and no
// more; and the Hub launches `hubctl cull`, whose passes succeed, so its
// role's scopes are the ones it needs.
func TestRealHubStartsWithServiceAdd(t *testing.T) {
	t.Parallel()
	onEveryHub(t, func(t *testing.T, rel realhub.Release) {
		dir := t.TempDir()
		config := filepath.Join(dir, "jupyterhub_config.py")
		hand := "c = get_config()  # noqa\n# hand-written\nc.JupyterHub.services = [{'name': 'hand', 'url': 'http://127.0.0.1:1', 'api_token': 'hand-token-0123456789'}]\n"
		if err := os.WriteFile(config, []byte(hand), 0o644); err != nil {
			t.Fatal(err)
		}
		r := hubctl(t, nil, append([]string{"service", "add", "cull-idle", "--admin", "--timeout=600", "--cull-every=1", "--config", config}, versionFlags(rel)...)...)
		if r.code != 0 {
			t.Fatalf("service add cull-idle: %+v", r)
		}
		if rel.Root == "" && !strings.Contains(r.stderr, "JupyterHub 3.0.0 (from `/usr/bin/jupyterhub --version`") {
			t.Errorf("the Hub version was not detected from jupyterhub on PATH:\n%s", r.stderr)
		}
		reporterScopes := []string{"list:users", "read:users:activity"}
		args := []string{"service", "add", "reporter", "--url", "http://127.0.0.1:1", "--token", "env", "--config", config}
		for _, s := range reporterScopes {
			args = append(args, "--scope", s)
		}
		if r := hubctl(t, nil, append(args, versionFlags(rel)...)...); r.code != 0 {
			t.Fatalf("service add reporter: %+v", r)
		}
		const reporterToken = "reporter0000000000000000000000000000000000000000000000000000001"
		h := startTestHub(t, rel, dir, config, "", nil, 0, "HUBCTL_TOKEN_REPORTER="+reporterToken)
		h.WaitOutput("cull pass done", 30*time.Second)
		var services map[string]struct {
			Roles   []string `json:"roles"`
			Command []string `json:"command"`
			PID     int      `json:"pid"`
			URL     string   `json:"url"`
		}
		h.getJSON("/services", &services)
		cull, reporter, hand2 := services["cull-idle"], services["reporter"], services["hand"]
		if strings.Join(cull.Roles, ",") != "cull-idle-role" || cull.PID == 0 ||
			strings.Join(cull.Command, " ") != hubctlBin+" cull --timeout=600 --cull-every=1" {
			t.Errorf("cull-idle as the Hub sees it: %+v", cull)
		}
		if strings.Join(reporter.Roles, ",") != "reporter-role" || reporter.URL != "http://127.0.0.1:1" || reporter.PID != 0 {
			t.Errorf("reporter as the Hub sees it: %+v", reporter)
		}
		if hand2.URL != "http://127.0.0.1:1" || len(hand2.Roles) != 0 {
			t.Errorf("the hand-written service as the Hub sees it: %+v", hand2)
		}
		if len(services) != 4 { // with the test's own hubctl-test
			t.Errorf("GET /services: %d services, want cull-idle, reporter, hand and hubctl-test: %+v", len(services), services)
		}
		// The services API shows roles, not scopes: the token's own model
		// (GET /user) lists the scopes the Hub resolved from reporter-role.
		var whoami struct {
			Kind   string   `json:"kind"`
			Name   string   `json:"name"`
			Scopes []string `json:"scopes"`
		}
		code, data := h.API(reporterToken, http.MethodGet, "/user", "")
		if code != http.StatusOK || json.Unmarshal(data, &whoami) != nil {
			t.Fatalf("GET /user with reporter's token: %d %s", code, data)
		}
		// The Hub expands them: list:users carries read:users:name
		// (jupyterhub/scopes.py, at 3.0.0 and 5.2.1 alike).
		want := "list:users read:users:activity read:users:name"
		if whoami.Kind != "service" || whoami.Name != "reporter" || strings.Join(whoami.Scopes, " ") != want {
			t.Errorf("reporter's token: %s; want service reporter with scopes %s", data, want)
		}
		if strings.Contains(h.Output(), "cull pass failed") {
			t.Errorf("a cull pass failed:\n%s", h.Output())
		}
		h.Stop()
		if !strings.Contains(h.Output(), "culler stopped") {
			t.Errorf("the Hub's stop did not stop the culler cleanly:\n%s", realhub.Tail(h.Output()))
		}
	})
}
