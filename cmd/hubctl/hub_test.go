package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// realHub is Debian's JupyterHub 3.0 running on 127.0.0.1 for a test.
type realHub struct {
	t       *testing.T
	dir     string
	apiURL  string
	token   string // an admin-ish service token the test itself uses
	cmd     *exec.Cmd
	logMu   sync.Mutex
	log     strings.Builder
	stopped bool
}

func (h *realHub) Write(p []byte) (int, error) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return h.log.Write(p)
}

func (h *realHub) Log() string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return h.log.String()
}

// startRealHub starts JupyterHub with the config hubctl wrote (config) and
// the test's own settings loaded beside it: loopback ports, sqlite and
// secrets in a temp dir, DummyAuthenticator, SimpleLocalProcessSpawner.
func startRealHub(t *testing.T, dir, config string, extra string) *realHub {
	t.Helper()
	need(t, "/usr/bin/jupyterhub", "configurable-http-proxy")
	h := &realHub{t: t, dir: dir, token: "hubctltest" + strings.Repeat("0", 54)}
	hubPort, proxyAPI := freePort(t), freePort(t)
	_, hubPortNum, _ := strings.Cut(hubPort, ":")
	_, proxyAPIPort, _ := strings.Cut(proxyAPI, ":")
	publicPort := freePort(t)
	_, publicPortNum, _ := strings.Cut(publicPort, ":")
	h.apiURL = "http://127.0.0.1:" + hubPortNum + "/hub/api"
	settings := fmt.Sprintf(`c = get_config()  # noqa
load_subconfig(%q)
c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = %s
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = %s
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:%s'
c.ConfigurableHTTPProxy.pid_file = %q
c.JupyterHub.db_url = 'sqlite:///' + %q
c.JupyterHub.cookie_secret_file = %q
c.JupyterHub.authenticator_class = 'dummy'
c.JupyterHub.spawner_class = 'simple'
c.Spawner.args = ['--allow-root']
c.JupyterHub.services.append({'name': 'hubctl-test', 'api_token': %q})
c.JupyterHub.load_roles.append({'name': 'hubctl-test-role', 'services': ['hubctl-test'],
    'scopes': ['list:services', 'read:services', 'read:roles', 'admin:users', 'admin:servers', 'list:users']})
%s
`, config, publicPortNum, hubPortNum, proxyAPIPort, filepath.Join(dir, "proxy.pid"), filepath.Join(dir, "jupyterhub.sqlite"),
		filepath.Join(dir, "cookie_secret"), h.token, extra)
	testConfig := filepath.Join(dir, "test_config.py")
	if err := os.WriteFile(testConfig, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	h.cmd = exec.Command("/usr/bin/jupyterhub", "-f", testConfig)
	h.cmd.Dir = dir
	h.cmd.Env = append(os.Environ(), "NODE_PATH=/usr/share/nodejs")
	h.cmd.Stdout, h.cmd.Stderr = h, h
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(h.apiURL + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return h
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("JupyterHub did not answer within 60s:\n%s", h.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop ends the Hub and everything it started (its process group).
func (h *realHub) Stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	pgid := h.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		h.t.Logf("JupyterHub ignored SIGTERM for 15s; killing it")
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func (h *realHub) get(path string, into any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.apiURL+path, nil)
	req.Header.Set("Authorization", "token "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		h.t.Fatal(err)
	}
}

// waitLog waits until the Hub's log (its managed services write there too)
// contains s.
func (h *realHub) waitLog(s string, within time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(h.Log(), s) {
		if time.Now().After(deadline) {
			h.t.Fatalf("no %q in the Hub's log within %s:\n%s", s, within, h.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRealHubStartsWithServiceAdd: the REAL JupyterHub 3.0 starts with the
// config `hubctl service add cull-idle --admin` wrote beside a hand-written
// service, lists both with the expected roles, and launches `hubctl cull`,
// whose passes succeed, so the role's scopes are the ones it needs.
func TestRealHubStartsWithServiceAdd(t *testing.T) {
	need(t, "/usr/bin/jupyterhub")
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	hand := "c = get_config()  # noqa\n# hand-written\nc.JupyterHub.services = [{'name': 'hand', 'url': 'http://127.0.0.1:1', 'api_token': 'hand-token-0123456789'}]\n"
	if err := os.WriteFile(config, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(hubctlBin, "service", "add", "cull-idle", "--admin", "--timeout=600", "--cull-every=1", "--config", config).CombinedOutput()
	if err != nil {
		t.Fatalf("service add: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "JupyterHub 3.0.0 (from `/usr/bin/jupyterhub --version`") {
		t.Errorf("the Hub version was not detected from jupyterhub on PATH:\n%s", out)
	}
	h := startRealHub(t, dir, config, "")
	var services map[string]struct {
		Roles   []string `json:"roles"`
		Command []string `json:"command"`
		PID     int      `json:"pid"`
		URL     string   `json:"url"`
	}
	h.waitLog("cull pass done", 30*time.Second)
	h.get("/services", &services)
	cull, hand2 := services["cull-idle"], services["hand"]
	if strings.Join(cull.Roles, ",") != "cull-idle-role" || cull.PID == 0 ||
		strings.Join(cull.Command, " ") != hubctlBin+" cull --timeout=600 --cull-every=1" {
		t.Errorf("cull-idle as the Hub sees it: %+v", cull)
	}
	if hand2.URL != "http://127.0.0.1:1" {
		t.Errorf("the hand-written service as the Hub sees it: %+v", hand2)
	}
	if strings.Contains(h.Log(), "cull pass failed") {
		t.Errorf("a cull pass failed:\n%s", h.Log())
	}
	h.Stop()
	if !strings.Contains(h.Log(), "culler stopped") {
		t.Errorf("the Hub's stop did not stop the culler cleanly:\n%s", h.Log())
	}
}
