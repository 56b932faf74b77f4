package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/tokens"
)

const testToken = "feedfacefeedfacefeedfacefeedface"

func tp(t time.Time) *time.Time { return &t }

// cullHub is a fake Hub with one idle user, one active user and one idle
// user without a server, and the culler's token.
func cullHub(t *testing.T, scopes ...string) *fakehub.Hub {
	t.Helper()
	h := fakehub.New(fakehub.Options{})
	t.Cleanup(h.Close)
	if scopes == nil {
		scopes = hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})
	}
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull-idle"}, scopes...)
	old, recent := time.Now().Add(-2*time.Hour), time.Now().Add(-time.Minute)
	h.AddUser(fakehub.User{Name: "idle", Created: old, LastActivity: tp(old),
		Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
	h.AddUser(fakehub.User{Name: "active", Created: old, LastActivity: tp(recent),
		Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(recent)}}})
	h.AddUser(fakehub.User{Name: "serverless", Created: old, LastActivity: tp(old)})
	return h
}

func serverUp(h *fakehub.Hub, user string) bool {
	u, ok := h.User(user)
	return ok && u.Servers[""] != nil && u.Servers[""].Ready
}

func TestCullOnce(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--timeout=3600")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if serverUp(h, "idle") || !serverUp(h, "active") {
		t.Error("wrong servers culled")
	}
	if _, ok := h.User("serverless"); !ok {
		t.Error("a user was deleted without --cull-users")
	}
	if !strings.Contains(r.stderr, "cull pass done") || !strings.Contains(r.stderr, "servers_culled=1") || strings.Contains(r.stderr, testToken) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// TestCullBooleanSpellings: the chart's bare --cull-users, the explicit
// =true/=false and 1.x's underscore spelling all work.
func TestCullBooleanSpellings(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		flag    string
		deletes bool
	}{
		{"--cull-users", true}, {"--cull-users=true", true}, {"--cull-users=false", false},
		{"--cull_users", true}, {"--cull_users=false", false},
	} {
		h := cullHub(t)
		r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), tt.flag)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.flag, r.code, r.stderr)
		}
		if _, ok := h.User("serverless"); ok == tt.deletes {
			t.Errorf("%s: idle user deleted = %v, want %v", tt.flag, !ok, tt.deletes)
		}
	}
}

func TestCullMissingScopes(t *testing.T) {
	t.Parallel()
	h := cullHub(t, "list:users", "read:users:activity", "read:servers")
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL())
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-2:]
	if !strings.HasPrefix(last[0], "hubctl: error: the API token (service cull-idle) lacks the scopes delete:servers") ||
		!strings.HasPrefix(last[1], "hubctl: hint: grant them with a role") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if !serverUp(h, "idle") {
		t.Error("culled without the scopes")
	}
}

func TestCullUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--timeout", "0"}, "--timeout 0 must be at least 1 second"},
		{[]string{"--cull-every=-5"}, "--cull-every -5 cannot be negative"},
		{[]string{"--max-age=-1"}, "--max-age -1 cannot be negative"},
		{[]string{"--concurrency", "0"}, "--concurrency 0 is out of range"},
		{[]string{"--api-page-size=-1"}, "--api-page-size cannot be negative"},
		{[]string{"--log-format", "xml"}, `--log-format "xml"`},
		{[]string{"--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"--exclude-user", "("}, `--exclude-user "(" is not a regular expression`},
		{[]string{"--url", "ftp://hub/api"}, "--url: hub API URL"},
		{[]string{"--timeout", "ten"}, `invalid value "ten" for flag --timeout`},
		{[]string{"--stop-timeout", "0s"}, "--stop-timeout 0s must be positive"},
		{[]string{"--stop-timeout=-1m"}, "--stop-timeout -1m must be positive"},
		{[]string{"--stop-timeout", "soon"}, `--stop-timeout "soon" is not a duration like 90s, 2m or 60 (seconds)`},
		{[]string{"--stop-timeout", "1e30"}, `--stop-timeout 1e30 is more than 24h`},
		{[]string{"--stop-timeout", "25h"}, `--stop-timeout 25h is more than 24h`},
		{[]string{"--stop-timeout", "NaN"}, `--stop-timeout "NaN" is not a duration`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		r := runCLIEnv(t, nil, tokenEnv, "", append([]string{"cull", "--once"}, tt.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	badTimeout := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_REQUEST_TIMEOUT": "soon"}
	if r := runCLIEnv(t, nil, badTimeout, "", "cull", "--once"); r.code != exitUsage || !strings.Contains(r.stderr, "JUPYTERHUB_REQUEST_TIMEOUT") {
		t.Errorf("bad JUPYTERHUB_REQUEST_TIMEOUT: %+v", r)
	}
}

func TestCullTokenSources(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	r := runCLIEnv(t, nil, map[string]string{"JUPYTERHUB_API_TOKEN": ""}, "", "cull", "--once", "--url", h.URL())
	if r.code != exitUsage || !strings.Contains(r.stderr, "no API token") {
		t.Errorf("no token: %+v", r)
	}
	store := tokens.NewMemory()
	if r := runCLI(t, store, "", "cull", "--once", "--url", h.URL(), "--token-name", "cull-idle"); r.code != exitFailure ||
		!strings.Contains(r.stderr, `no token named "cull-idle"`) {
		t.Errorf("missing keyring token: %+v", r)
	}
	if err := store.Set("cull-idle", testToken); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, store, "", "cull", "--once", "--url", h.URL(), "--token-name", "cull-idle"); r.code != 0 || serverUp(h, "idle") {
		t.Errorf("--token-name: %+v", r)
	}
}

func TestCullJSONLogs(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--log-format", "json", "--url", h.URL())
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var summary map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if rec["msg"] == "cull pass done" {
			summary = rec
		}
	}
	if summary == nil || summary["servers_culled"] != float64(1) || summary["dry_run"] != true {
		t.Errorf("summary %v", summary)
	}
	if !serverUp(h, "idle") {
		t.Error("--dry-run culled")
	}
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestCullBinaryLoop runs the built binary as the Hub would: token in the
// environment, a pass at once, then SIGTERM (or SIGINT) ends it within 2s.
func TestCullBinaryLoop(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := cullHub(t)
			addr := freePort(t)
			cmd := exec.Command(hubctlBin, "cull", "--url", h.URL(), "--timeout=3600", "--cull-every=1", "--metrics-addr", addr)
			cmd.Env = envWithout([]string{"JUPYTERHUB_API_TOKEN"}, "JUPYTERHUB_API_TOKEN="+testToken)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var log strings.Builder
			passes := 0
			timeout := time.After(10 * time.Second)
			for passes < 2 {
				select {
				case l := <-lines:
					log.WriteString(l + "\n")
					if strings.Contains(l, "cull pass done") {
						passes++
					}
				case <-timeout:
					t.Fatalf("no two passes within 10s:\n%s", log.String())
				}
			}
			if serverUp(h, "idle") || !serverUp(h, "active") {
				t.Error("wrong servers culled")
			}
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{`hubctl_cull_passes_total{result="ok"} 2`, `hubctl_cull_servers_culled_total{rule="flags"} 1`, "hubctl_cull_last_success_timestamp_seconds", "hubctl_cull_pass_duration_seconds_count 2"} {
				if !strings.Contains(string(body), want) {
					t.Errorf("metrics lack %q", want)
				}
			}
			if strings.Contains(string(body)+log.String(), testToken) {
				t.Error("the token leaked into logs or metrics")
			}
			start := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for l := range lines {
				log.WriteString(l + "\n")
			}
			err = cmd.Wait()
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s to stop after %s", took, sig)
			}
			if err != nil {
				t.Errorf("exit after %s: %v\n%s", sig, err, log.String())
			}
			if !strings.Contains(log.String(), "culler stopped") {
				t.Errorf("log:\n%s", log.String())
			}
		})
	}
}

func TestCullURLFromEnvironment(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	environ := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL() + "/"}
	if r := runCLIEnv(t, nil, environ, "", "cull", "--once"); r.code != 0 || serverUp(h, "idle") {
		t.Errorf("with JUPYTERHUB_API_URL: %+v", r)
	}
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL(), "--cull-users")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "CHECK    RESULT DETAIL\nhub      ok") || !strings.Contains(r.stdout, "token    ok     valid: service cull-idle") {
		t.Errorf("%+v", r)
	}
	weak := cullHub(t, "list:users", "read:users:activity")
	r = runCLIEnv(t, nil, tokenEnv, "", "check", "--url", weak.URL(), "--json")
	var report struct {
		OK      bool     `json:"ok"`
		Missing []string `json:"missing_scopes"`
		Name    string   `json:"name"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if r.code != 1 || report.OK || report.Name != "cull-idle" || strings.Join(report.Missing, ",") != "read:servers,delete:servers" ||
		!strings.Contains(r.stderr, "hubctl: error: check failed: scopes") {
		t.Errorf("%+v %+v", r, report)
	}
}

func TestCullDryRunTable(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--cull-users", "--url", h.URL(), "--timeout=3600")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "USER") || !strings.Contains(lines[0], "IDLE FOR") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	for i, want := range [][]string{{"idle", "(default)", "2h0m0s", "idle", "last_activity"}, {"idle", "(user)", "2h0m0s"}, {"serverless", "(user)", "2h0m0s", "idle"}} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("row %d %q lacks %q", i+1, lines[i+1], w)
			}
		}
	}
	if strings.Contains(r.stderr, "\r") {
		t.Error("progress written when stderr is not a terminal")
	}
	if !serverUp(h, "idle") {
		t.Error("--dry-run culled")
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--url", h.URL(), "--timeout=36000")
	if strings.TrimSpace(r.stdout) != "nothing to cull" {
		t.Errorf("nothing to cull: %q", r.stdout)
	}
}

// TestCullProgressOnTerminal runs the binary under a pseudo-terminal
// (script(1)): a long pass shows its progress there, and nowhere else.
func TestCullProgressOnTerminal(t *testing.T) {
	t.Parallel()
	need(t, "script")
	h := fakehub.New(fakehub.Options{})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull-idle"}, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})...)
	old := time.Now().Add(-2 * time.Hour)
	for i := 0; i < 1200; i++ {
		h.AddUser(fakehub.User{Name: fmt.Sprintf("u%04d", i), Created: old, LastActivity: tp(old),
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
	}
	args := fmt.Sprintf("%s cull --once --dry-run --log-level=warn --timeout=3600 --url %s", hubctlBin, h.URL())
	cmd := exec.Command("script", "-qec", args, "/dev/null")
	cmd.Env = append(os.Environ(), "JUPYTERHUB_API_TOKEN="+testToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "hubctl: listing: 500 users") || !strings.Contains(string(out), "hubctl: acting: 1200/1200 users") {
		t.Errorf("no progress on the terminal:\n%q", string(out[:min(len(out), 400)]))
	}
	plain := exec.Command(hubctlBin, "cull", "--once", "--dry-run", "--log-level=warn", "--timeout=3600", "--url", h.URL())
	plain.Env = cmd.Env
	var stderr strings.Builder
	plain.Stderr = &stderr
	if err := plain.Run(); err != nil || stderr.String() != "" {
		t.Errorf("without a terminal: %v, stderr %q", err, stderr.String())
	}
}

// TestCullStopTimeout: --stop-timeout bounds how long `hubctl cull` follows
// a stop the Hub answered 202 to; a stop seen finished lets --cull-users
// delete the user in the same pass.
func TestCullStopTimeout(t *testing.T) {
	t.Parallel()
	slowHub := func(delay time.Duration) *fakehub.Hub {
		h := fakehub.New(fakehub.Options{StopDelay: delay})
		t.Cleanup(h.Close)
		h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull-idle"}, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})...)
		old := time.Now().Add(-2 * time.Hour)
		h.AddUser(fakehub.User{Name: "idle", Created: old, LastActivity: tp(old),
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
		return h
	}
	stuck := slowHub(time.Hour)
	start := time.Now()
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--cull-users", "--url", stuck.URL(), "--stop-timeout=300ms")
	if r.code != 0 || !strings.Contains(r.stderr, `level=WARN msg="stop not finished within --stop-timeout; the next pass follows it again" user=idle server="" stop_timeout=300ms`) ||
		!strings.Contains(r.stderr, "stuck_stops=1") {
		t.Errorf("stuck stop: %+v", r)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("--stop-timeout=300ms: the pass took %s", took)
	}
	if _, ok := stuck.User("idle"); !ok {
		t.Error("the user of a stuck stop was deleted")
	}

	slow := slowHub(200 * time.Millisecond)
	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--cull-users", "--url", slow.URL(), "--stop-timeout=30s")
	if r.code != 0 || !strings.Contains(r.stderr, "confirmed_after=") || !strings.Contains(r.stderr, `msg="culled user" user=idle`) || !strings.Contains(r.stderr, "stuck_stops=0") {
		t.Errorf("slow stop: %+v", r)
	}
	if _, ok := slow.User("idle"); ok {
		t.Error("the user was kept after its stop was seen finished")
	}
}
