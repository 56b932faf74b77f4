package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestCullCheckKernels: `hubctl cull --check-kernels --public-url` keeps the
// idle server whose kernel is busy and says so; --public-url alone is a
// usage error; without it, a Hub that gives no public URL for a ready
// server (3.0) is refused at start with the hint to pass it, before
// anything is stopped.
func TestCullCheckKernels(t *testing.T) {
	t.Parallel()
	var asked, sentCullerToken atomic.Int32
	h := cullHub(t, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CheckKernels: true})...)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), testToken) {
			sentCullerToken.Add(1)
		}
		if r.URL.Path != "/user/idle/api/kernels" || !h.ServerAccess(r.Header.Get("Authorization"), "idle", "") {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`[{"id": "3f1c", "name": "python3", "execution_state": "busy", "connections": 1}]`))
	}))
	defer proxy.Close()

	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--public-url", proxy.URL)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--public-url is where --check-kernels reaches the servers") {
		t.Errorf("--public-url alone: %+v", r)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--check-kernels", "--public-url", "https://u:secret@hub.example.org/")
	if r.code != exitUsage || strings.Contains(r.stderr, "secret") {
		t.Errorf("--public-url with credentials: %+v", r)
	}

	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--check-kernels")
	if r.code != exitUsage || !strings.Contains(r.stderr, "hubctl: error: --check-kernels: the Hub gives no public URL") ||
		!strings.Contains(r.stderr, "hubctl: hint: pass --public-url") {
		t.Errorf("no public URL: %+v", r)
	}
	if !serverUp(h, "idle") || asked.Load() != 0 {
		t.Fatalf("refused at start, yet culled or asked (%d)", asked.Load())
	}

	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--check-kernels", "--public-url", proxy.URL)
	if r.code != 0 || !serverUp(h, "idle") || asked.Load() != 1 {
		t.Fatalf("exit %d, idle up %v, asked %d: %s", r.code, serverUp(h, "idle"), asked.Load(), r.stderr)
	}
	if !strings.Contains(r.stderr, "reason=busy-kernel") || !strings.Contains(r.stderr, "kernel_id=3f1c") || strings.Contains(r.stderr, testToken) {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--check-kernels", "--public-url", proxy.URL, "--explain", "idle")
	if r.code != 0 || !strings.Contains(r.stdout, "keep (busy-kernel: idle by activity, but kernel 3f1c (python3) is busy)") {
		t.Errorf("--explain: %+v", r)
	}
	if sentCullerToken.Load() != 0 || len(h.Tokens("idle")) != 0 {
		t.Errorf("the culler's token went to the server %d times; idle's tokens left: %+v", sentCullerToken.Load(), h.Tokens("idle"))
	}
}

// TestServiceAddCullIdleCheckKernels: the preset with --check-kernels gives
// its role tokens (to mint each check's token), not access:servers, and
// writes the flags into the command; without it the role has no tokens.
func TestServiceAddCullIdleCheckKernels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args   []string
		access bool
	}{
		{[]string{"--check-kernels", "--public-url", "https://hub.example.org/"}, true},
		{nil, false},
	} {
		path := tempConfig(t, "c = get_config()\n")
		r := runCLI(t, nil, "", append([]string{"service", "add", "cull-idle", "--admin", "--hub-version", "5.2", "--config", path}, tt.args...)...)
		if r.code != 0 {
			t.Fatalf("%+v", r)
		}
		r = runCLI(t, nil, "", "service", "show", "cull-idle", "--json", "--config", path)
		var v serviceView
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || len(v.Roles) != 1 {
			t.Fatalf("%v: %q", err, r.stdout)
		}
		if got := slices.Contains(v.Roles[0].Scopes, "tokens"); got != tt.access || slices.Contains(v.Roles[0].Scopes, "access:servers") {
			t.Errorf("%v: role scopes %v", tt.args, v.Roles[0].Scopes)
		}
		if tt.access && !strings.HasSuffix(strings.Join(v.Command, " "), "--check-kernels=true --public-url=https://hub.example.org/") {
			t.Errorf("command %q", v.Command)
		}
	}
	// A command `hubctl cull` would refuse is not written.
	for _, args := range [][]string{{"--public-url", "https://hub.example.org/"}, {"--check-kernels", "--public-url", "ftp://hub.example.org/"}} {
		path := tempConfig(t, "")
		r := runCLI(t, nil, "", append([]string{"service", "add", "cull-idle", "--admin", "--hub-version", "5.2", "--config", path}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "hubctl: error: --public-url") {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

// TestCheckCommandCheckKernels: `hubctl check --check-kernels` wants
// tokens, and the pass refuses without it.
func TestCheckCommandCheckKernels(t *testing.T) {
	t.Parallel()
	h := cullHub(t) // the role without --check-kernels
	if r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL()); r.code != 0 {
		t.Errorf("without --check-kernels: %+v", r)
	}
	r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL(), "--check-kernels")
	if r.code != 1 || !strings.Contains(r.stdout, "tokens") {
		t.Errorf("with --check-kernels: %+v", r)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--check-kernels", "--public-url", "http://127.0.0.1:1/")
	if r.code != 1 || !strings.Contains(r.stderr, "lacks the scopes tokens") || !serverUp(h, "idle") {
		t.Errorf("cull --check-kernels without tokens: %+v", r)
	}
}
