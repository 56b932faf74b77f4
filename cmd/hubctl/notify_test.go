package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// notifyHub is cullHub with "soon" beside: active, 55 minutes idle, so
// culled in 5 minutes at --timeout=3600.
func notifyHub(t *testing.T) *fakehub.Hub {
	t.Helper()
	h := cullHub(t)
	old, last := time.Now().Add(-2*time.Hour), time.Now().Add(-55*time.Minute)
	h.AddUser(fakehub.User{Name: "soon", Created: old, LastActivity: tp(last),
		Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(last)}}})
	return h
}

func TestCullNotifyUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--notify-before=10m"}, "--notify-before needs a notifier: --notify-command CMD or --notify-url URL"},
		{[]string{"--notify-command=true"}, "--notify-command needs --notify-before DURATION"},
		{[]string{"--notify-url=http://127.0.0.1:9/"}, "--notify-url needs --notify-before DURATION"},
		{[]string{"--notify-before=10m", "--notify-command=true", "--notify-url=http://127.0.0.1:9/"}, "--notify-command and --notify-url: give one notifier, not both"},
		{[]string{"--notify-before=soon", "--notify-command=true"}, `--notify-before "soon" is not a duration like 90s, 2m or 60 (seconds)`},
		{[]string{"--notify-before=0", "--notify-command=true"}, "--notify-before 0 must be positive"},
		{[]string{"--notify-before=1e30", "--notify-command=true"}, "--notify-before 1e30 is more than 30 days"},
		{[]string{"--notify-before=10m", "--notify-url=ftp://127.0.0.1/hook"}, `--notify-url: "ftp://127.0.0.1/hook": use an http:// or https:// URL`},
		{[]string{"--notify-before=10m", "--notify-url=http:///hook"}, `--notify-url: "http:///hook" has no host`},
		{[]string{"--notify-before=10m", "--notify-command=mail 'the user"}, "--notify-command: unterminated single quote"},
		{[]string{"--notify-before=10m", "--notify-command=hubctl-no-such-notifier --to x"}, `--notify-command: exec: "hubctl-no-such-notifier": executable file not found in $PATH`},
	} {
		r := runCLIEnv(t, nil, tokenEnv, "", append([]string{"cull", "--once", "--url", "http://127.0.0.1:9/hub/api"}, tt.args...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != exitUsage || !strings.HasPrefix(lines[0], "hubctl: error: "+tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	// The preset refuses them as the culler would, before writing.
	path := tempConfig(t, "")
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--hub-version", "3.0", "--config", path, "--notify-before=10m")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--notify-before needs a notifier") {
		t.Errorf("service add cull-idle --notify-before alone: %+v", r)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("the config was written:\n%s", data)
	}
}

// TestCullNotifyCommand: `hubctl cull --once` runs the command for the
// server within --notify-before of its cull, with the warning on stdin and
// an environment without the token (nor the Hub's other variables), waits
// for it, and culls the idle server in the same pass.
func TestCullNotifyCommand(t *testing.T) {
	t.Parallel()
	h := notifyHub(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > \"$1\"\nenv > \"$2\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	environ := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL(), "JPY_API_TOKEN": testToken,
		"PATH": "/usr/bin:/bin", "HOME": dir, "LANG": "C.UTF-8", "AWS_SECRET_ACCESS_KEY": "s3cret"}
	cmd := "'" + script + "' '" + filepath.Join(dir, "stdin") + "' '" + filepath.Join(dir, "env") + "'"
	r := runCLIEnv(t, nil, environ, "", "cull", "--once", "--url", h.URL(), "--timeout=3600", "--notify-before=10m", "--notify-command", cmd)
	if r.code != 0 || serverUp(h, "idle") || !serverUp(h, "soon") {
		t.Fatalf("exit %d, idle up %v:\n%s", r.code, serverUp(h, "idle"), r.stderr)
	}
	// Read at once: --once returned after the notification ended.
	data, err := os.ReadFile(filepath.Join(dir, "stdin"))
	if err != nil {
		t.Fatalf("the command did not run: %v\n%s", err, r.stderr)
	}
	var n map[string]any
	if err := json.Unmarshal(data, &n); err != nil || n["user"] != "soon" || n["server"] != "" || n["rule"] != "flags" || n["cull_at"] == nil || n["idle_seconds"] == nil || len(n) != 5 {
		t.Errorf("stdin %s: %v", data, err)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	for _, bad := range []string{testToken, "JUPYTERHUB", "JPY_", "s3cret"} {
		if strings.Contains(string(env), bad) {
			t.Errorf("the command's environment has %q:\n%s", bad, env)
		}
	}
	for _, want := range []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("the command's environment lacks %q:\n%s", want, env)
		}
	}
	for _, want := range []string{`msg="notified of the coming cull" user=soon`, "notified=1"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, testToken) {
		t.Error("the token is in the log")
	}
}

// hook is an httptest server that records the requests it gets.
type hook struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func newHook(t *testing.T, status int) *hook {
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.reqs, h.body = append(h.reqs, r), append(h.body, string(b))
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) got() ([]*http.Request, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reqs, h.body
}

// TestCullNotifyURL: the warning is POSTed without the Hub token; a
// failing hook is a warning in the log, and --once still exits 0 with the
// idle server culled.
func TestCullNotifyURL(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		h := notifyHub(t)
		hk := newHook(t, status)
		r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--timeout=3600", "--notify-before=600", "--notify-url", hk.URL+"/warn")
		if r.code != 0 || serverUp(h, "idle") {
			t.Fatalf("%d: exit %d, idle up %v:\n%s", status, r.code, serverUp(h, "idle"), r.stderr)
		}
		reqs, bodies := hk.got()
		if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].URL.Path != "/warn" || reqs[0].Header.Get("Authorization") != "" ||
			!strings.Contains(bodies[0], `"user":"soon"`) || strings.Contains(bodies[0], testToken) {
			t.Errorf("%d: hook got %v %q", status, reqs, bodies)
		}
		failed := strings.Contains(r.stderr, `msg="notification failed; the cull goes ahead as planned" user=soon`) &&
			strings.Contains(r.stderr, "answered 502") && strings.Contains(r.stderr, "kind=http-status")
		if failed != (status != http.StatusOK) {
			t.Errorf("%d: stderr:\n%s", status, r.stderr)
		}
	}
}

// TestCullNotifyDryRun lists whom it would warn, runs no notifier and
// stops nothing.
func TestCullNotifyDryRun(t *testing.T) {
	t.Parallel()
	h := notifyHub(t)
	hk := newHook(t, http.StatusOK)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--url", h.URL(), "--timeout=3600", "--notify-before=10m", "--notify-url", hk.URL)
	if r.code != 0 || !serverUp(h, "idle") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if reqs, _ := hk.got(); len(reqs) != 0 {
		t.Errorf("the dry run notified: %v", reqs)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	i := 0
	for i < len(lines) && lines[i] != "would warn of the coming cull (--notify-before):" {
		i++
	}
	if len(lines) != i+3 || !strings.HasPrefix(lines[i+1], "USER") || !strings.HasPrefix(lines[i+2], "soon  ") ||
		!strings.Contains(lines[i+2], "(default)") || !strings.Contains(lines[i+2], "55m") || !strings.Contains(lines[i+2], "flags") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `msg="would notify (dry run)" user=soon`) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// TestCullBinaryStopsDespiteSlowNotifier: with the notify command stuck,
// the culler's passes go on (the idle server culled), and SIGTERM ends the
// culler, the command and its children as soon as without notifications.
func TestCullBinaryStopsDespiteSlowNotifier(t *testing.T) {
	t.Parallel()
	h := notifyHub(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch \"$1\"\nsleep 600\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "started")
	cmd := exec.Command(hubctlBin, "cull", "--url", h.URL(), "--timeout=3600", "--cull-every=1", "--notify-before=10m",
		"--notify-command", "'"+script+"' '"+marker+"'")
	cmd.Env = envWithout([]string{"JUPYTERHUB_API_TOKEN"}, "JUPYTERHUB_API_TOKEN="+testToken)
	stderr := &lockedBuffer{}
	cmd.Stderr, cmd.Stdout = stderr, io.Discard
	code, took := signalWhen(t, cmd, syscall.SIGTERM, func() bool {
		_, err := os.Stat(marker)
		return err == nil && strings.Count(stderr.String(), "cull pass done") >= 2
	})
	if code != 0 || took > 2*time.Second {
		t.Errorf("exit %d after %s, want 0 within 2s\n%s", code, took, stderr)
	}
	if serverUp(h, "idle") || !serverUp(h, "soon") {
		t.Errorf("idle up %v, soon up %v", serverUp(h, "idle"), serverUp(h, "soon"))
	}
	for _, want := range []string{"notified=1", "notified=0", `msg="notification cut short: the culler is stopping" user=soon`, "kind=canceled", "culler stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
