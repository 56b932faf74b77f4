package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
)

// The seed's workflow, both ways, on each real JupyterHub: the Hub runs
// `hubctl cull` itself (scenario 1), an admin runs it standalone with the
// token in the keyring (scenario 2), and what goes wrong (scenario 3).

const e2eTimeout = 10 // seconds: idle time before a server is culled

// TestE2EHubManaged is scenario 1: `hubctl service add cull-idle --admin`,
// the Hub launches the culler; of two servers, the idle one is stopped
// within timeout + cull-every + slack and the active one keeps running.
// With --cull-users the idle user is deleted too.
func TestE2EHubManaged(t *testing.T) {
	t.Parallel()
	onEveryHub(t, func(t *testing.T, rel realhub.Release) {
		for _, cullUsers := range []bool{false, true} {
			name := "servers"
			if cullUsers {
				name = "cull-users"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testE2EHubManaged(t, rel, cullUsers)
			})
		}
	})
}

func testE2EHubManaged(t *testing.T, rel realhub.Release, cullUsers bool) {
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	args := []string{"service", "add", "cull-idle", "--admin", "--timeout=10", "--cull-every=1", "--config", config}
	if cullUsers {
		args = append(args, "--cull-users")
	}
	if r := hubctl(t, nil, append(args, versionFlags(rel)...)...); r.code != 0 {
		t.Fatalf("service add: %+v", r)
	}
	h := startTestHub(t, rel, dir, config, "", nil, 0)
	h.startServer("alice")
	h.startServer("bob")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	h.keepActive(ctx, "alice")

	const limit = e2eTimeout + 1 + 20 // timeout + cull-every + slack
	took := h.waitFor("bob's idle server to be culled", limit*time.Second, func() bool { return !h.running("bob") })
	t.Logf("bob's idle server was culled %s after it was ready (--timeout=%d --cull-every=1)", took.Round(100*time.Millisecond), e2eTimeout)
	if !h.running("alice") {
		t.Fatalf("alice's active server was culled:\n%s", realhub.Tail(h.Output()))
	}
	if cullUsers {
		h.waitFor("bob to be deleted", 15*time.Second, func() bool { _, ok := h.user("bob"); return !ok })
	} else if _, ok := h.user("bob"); !ok {
		t.Error("bob was deleted without --cull-users")
	}
	// Alice keeps working past another timeout: the culler, passing
	// every second, finishes more passes than the timeout has
	// seconds, each of them with alice still running.
	passes := strings.Count(h.Output(), `msg="cull pass done"`)
	h.waitFor(fmt.Sprintf("%d more cull passes", e2eTimeout+2), 3*e2eTimeout*time.Second, func() bool {
		if !h.running("alice") {
			t.Fatalf("alice's active server was culled:\n%s", realhub.Tail(h.Output()))
		}
		return strings.Count(h.Output(), `msg="cull pass done"`) >= passes+e2eTimeout+2
	})
	if _, ok := h.user("alice"); !ok {
		t.Fatal("active alice was deleted")
	}
	h.WaitOutput(`msg="culled server" user=bob`, 15*time.Second)
	out := h.Output()
	if strings.Contains(out, `msg="culled server" user=alice`) {
		t.Errorf("the culler's log:\n%s", realhub.Tail(out))
	}
	if cullUsers && !strings.Contains(out, `msg="culled user" user=bob`) {
		t.Errorf("no culled-user line:\n%s", realhub.Tail(out))
	}
}

// requireKeyring fails in CI and skips elsewhere without a D-Bus session
// and Secret Service; scripts/test.sh starts one.
func requireKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs a D-Bus session with gnome-keyring: run the tests with scripts/test.sh")
		}
		t.Skip("no D-Bus session: run the tests with scripts/test.sh")
	}
}

// TestE2EStandalone is scenario 2, the seed's standalone way: a token in
// the keyring, an external service entry with that token and its role, and
// `hubctl cull --once` run by hand, with --token-name or with the token from
// `hubctl token get` in JUPYTERHUB_API_TOKEN.
func TestE2EStandalone(t *testing.T) {
	t.Parallel()
	requireKeyring(t)
	// One keyring entry for both Hubs: its cleanup runs once both are done.
	if r := hubctl(t, nil, "token", "new", "--store", "cull-idle", "--quiet"); r.code != 0 {
		t.Fatalf("token new: %+v", r)
	}
	t.Cleanup(func() { hubctl(t, nil, "token", "delete", "cull-idle") })
	onEveryHub(t, testE2EStandalone)
}

func testE2EStandalone(t *testing.T, rel realhub.Release) {
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	args := []string{"service", "add", "cull-idle", "--admin", "--external", "--token", "keyring", "--config", config}
	if r := hubctl(t, nil, append(args, versionFlags(rel)...)...); r.code != 0 {
		t.Fatalf("service add: %+v", r)
	}
	data, _ := os.ReadFile(config)
	tok := strings.TrimSpace(hubctl(t, nil, "token", "get", "cull-idle").stdout)
	if !strings.Contains(string(data), "'api_token': '"+tok+"'") || strings.Contains(string(data), "'command'") || !strings.Contains(string(data), "cull-idle-role") {
		t.Fatalf("the external entry:\n%s", data)
	}
	h := startTestHub(t, rel, dir, config, "", nil, 0)

	if r := hubctl(t, nil, "check", "--url", h.APIURL(), "--token-name", "cull-idle", "--json"); r.code != 0 ||
		!strings.Contains(r.stdout, `"version": "`+rel.Version.String()+`"`) || !strings.Contains(r.stdout, `"name": "cull-idle"`) {
		t.Errorf("check: %+v", r)
	}

	// The single-user server may report activity a moment after it is
	// ready (5.x does), which makes bob active again: a culler that keeps him
	// then is right, and the run is repeated once he is idle again.
	cullBob := func(how string, run func() binResult) {
		h.startServer("bob")
		deadline := time.Now().Add(30 * time.Second)
		for {
			h.waitFor("the Hub to report bob idle past --timeout=2", 30*time.Second, func() bool { return h.idle("bob") > 2500*time.Millisecond })
			r := run()
			if r.code != 0 {
				t.Fatalf("%s: %+v", how, r)
			}
			if strings.Contains(r.stderr, `msg="culled server" user=bob`) {
				break
			}
			if !strings.Contains(r.stderr, `kept="active=1"`) || time.Now().After(deadline) {
				t.Fatalf("%s: bob was not culled: %+v", how, r)
			}
			t.Logf("%s: bob was active again at the cull (%s); once more", how, strings.TrimSpace(r.stderr))
		}
		if h.running("bob") {
			t.Fatalf("%s: bob's server still runs", how)
		}
	}
	cullBob("--token-name", func() binResult {
		return hubctl(t, nil, "cull", "--once", "--token-name", "cull-idle", "--url", h.APIURL(), "--timeout=2")
	})
	cullBob("JUPYTERHUB_API_TOKEN=$(hubctl token get cull-idle)", func() binResult {
		cmd := exec.Command("sh", "-c", `JUPYTERHUB_API_TOKEN=$("$HUBCTL" token get cull-idle) "$HUBCTL" cull --once --timeout=2`)
		cmd.Env = append(os.Environ(), "HUBCTL="+hubctlBin, "JUPYTERHUB_API_URL="+h.APIURL())
		return runBin(t, cmd)
	})
}

// weakSettings add a service whose role lacks delete:servers, and a
// standalone culler's service with the right scopes.
const (
	weakToken = "weak0000000000000000000000000000000000000000000000000000000000ab"
	cullTok   = "cull0000000000000000000000000000000000000000000000000000000000cd"
)

const failureSettings = `c.JupyterHub.services.append({'name': 'weak', 'api_token': '` + weakToken + `'})
c.JupyterHub.load_roles.append({'name': 'weak-role', 'services': ['weak'], 'scopes': ['list:users', 'read:users:activity', 'read:servers']})
c.JupyterHub.services.append({'name': 'culler', 'api_token': '` + cullTok + `'})
c.JupyterHub.load_roles.append({'name': 'culler-role', 'services': ['culler'], 'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers']})
`

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(line + "\n")
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestE2EFailures is scenario 3: a token whose role lacks delete:servers
// makes `hubctl cull --once` exit 1 naming the scope; with the Hub stopped
// mid-loop the culler logs, keeps running, and culls once the Hub is back.
func TestE2EFailures(t *testing.T) {
	t.Parallel()
	onEveryHub(t, testE2EFailures)
}

func testE2EFailures(t *testing.T, rel realhub.Release) {
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.WriteFile(config, []byte("c = get_config()  # noqa\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startTestHub(t, rel, dir, config, failureSettings, nil, 0)

	r := hubctl(t, []string{"JUPYTERHUB_API_TOKEN=" + weakToken}, "cull", "--once", "--url", h.APIURL())
	if r.code != 1 || !strings.Contains(r.stderr, "hubctl: error: the API token (service weak) lacks the scopes delete:servers") {
		t.Errorf("weak token: %+v", r)
	}
	r = hubctl(t, []string{"JUPYTERHUB_API_TOKEN=" + weakToken}, "check", "--url", h.APIURL())
	if r.code != 1 || !strings.Contains(r.stdout, "scopes   FAIL   missing delete:servers") {
		t.Errorf("check with the weak token: %+v", r)
	}

	// A culler loop against the Hub, which then goes away and comes back.
	cmd := exec.Command(hubctlBin, "cull", "--url", h.APIURL(), "--timeout=3", "--cull-every=1")
	// Each attempt may take the Hub's slow_stop_timeout (10 s) to answer a
	// DELETE: an attempt cut short is retried, and the Hub answers the retry
	// 202 "already stopping", so the culler never sees bob culled.
	cmd.Env = append(os.Environ(), "JUPYTERHUB_API_TOKEN="+cullTok, "JUPYTERHUB_REQUEST_TIMEOUT=12")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var log syncBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.add(sc.Text())
		}
	}()
	waitLog := func(s string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !strings.Contains(log.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the culler's log within %s:\n%s", s, within, log.String())
			}
			time.Sleep(100 * time.Millisecond) // polling interval of the deadline above
		}
	}
	waitLog("cull pass done", 10*time.Second)
	ports := h.Ports()
	h.Stop()
	waitLog("cull pass failed", 20*time.Second)
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the culler exited when the Hub went away:\n%s", log.String())
	}
	h = startTestHub(t, rel, dir, config, failureSettings, &ports, 1)
	h.startServer("bob")
	h.waitFor("the culler to stop bob's server once the Hub is back", 30*time.Second, func() bool { return !h.running("bob") })
	// The Hub answers the DELETE once the server has stopped.
	waitLog(`msg="culled server" user=bob`, 15*time.Second)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the culler's exit after SIGTERM: %v", err)
	}
}
