package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

// explainHub is a fake Hub answering as version, with alice: an idle named
// server, a default server running for days whose activity stays recent, and
// a server still spawning.
func explainHub(t *testing.T, version string) *fakehub.Hub {
	t.Helper()
	h := fakehub.New(fakehub.Options{Version: version})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull-idle"},
		hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})...)
	now := time.Now()
	days, old, recent := now.Add(-72*time.Hour), now.Add(-2*time.Hour), now.Add(-time.Minute)
	h.AddUser(fakehub.User{Name: "alice", Created: days, LastActivity: tp(recent), Servers: map[string]*fakehub.Server{
		"":      {Ready: true, Started: tp(days), LastActivity: tp(recent)},
		"gpu":   {Ready: true, Started: tp(old), LastActivity: tp(old)},
		"spawn": {Pending: "spawn"},
	}})
	return h
}

func noDelete(t *testing.T, h *fakehub.Hub) {
	t.Helper()
	for _, r := range h.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("--explain sent %s %s", r.Method, r.Path)
		}
	}
	for _, name := range []string{"", "gpu", "spawn"} {
		if u, ok := h.User("alice"); !ok || u.Servers[name] == nil {
			t.Errorf("alice's server %q is gone", name)
		}
	}
}

func TestCullExplain(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"3.0.0", "5.2.1"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			h := explainHub(t, version)
			r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--timeout=3600", "--cull-users", "--explain", "alice")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, want := range []string{
				"user alice at ",
				"server (default)\n  state:         ready\n",
				"decision:      keep (active: last_activity 1m0s ago < timeout 1h0m0s)",
				"MappingKernelManager.cull_idle_timeout",
				"server gpu\n",
				"decision:      cull (idle: last_activity 2h0m0s ago >= timeout 1h0m0s)",
				"(passed: eligible now)",
				"server spawn\n  state:         pending spawn\n",
				"decision:      keep (pending: pending spawn)",
				"eligible:      never (at the current state)",
				"the user itself (--cull-users)",
				"rule:          flags",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			if strings.Contains(r.stdout+r.stderr, testToken) {
				t.Error("the token was printed")
			}
			if n := len(h.Requests()); n != 1 {
				t.Errorf("%d requests, want one GET /users/alice", n)
			}
			noDelete(t, h)

			h.ResetRequests()
			r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--timeout=3600", "--json", "--explain", "alice/gpu")
			if r.code != 0 {
				t.Fatalf("--json exit %d: %s", r.code, r.stderr)
			}
			var got struct {
				User    string `json:"user"`
				Servers []struct {
					Server     string     `json:"server"`
					State      string     `json:"state"`
					Rule       string     `json:"rule"`
					Decision   string     `json:"decision"`
					Reason     string     `json:"reason"`
					EligibleAt *time.Time `json:"eligible_at"`
					Idle       float64    `json:"idle_seconds"`
				} `json:"servers"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("%v:\n%s", err, r.stdout)
			}
			if got.User != "alice" || len(got.Servers) != 1 {
				t.Fatalf("json: %+v", got)
			}
			s := got.Servers[0]
			if s.Server != "gpu" || s.State != "ready" || s.Rule != "flags" || s.Decision != "cull" || s.Reason != "idle" ||
				s.EligibleAt == nil || time.Since(*s.EligibleAt) < 50*time.Minute || s.Idle < 7000 {
				t.Errorf("json server: %+v", s)
			}
			noDelete(t, h)

			r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--explain", "alice/")
			if r.code != 0 || !strings.Contains(r.stdout, "server (default)") || strings.Contains(r.stdout, "server gpu") {
				t.Errorf("alice/: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			noDelete(t, h)
		})
	}
}

func TestCullExplainErrors(t *testing.T) {
	t.Parallel()
	h := explainHub(t, "5.2.1")
	for _, tt := range []struct {
		target string
		code   int
		want   string
	}{
		{"bob", 1, `hubctl: error: explain bob: no user bob on the Hub (GET /users/bob: 404)`},
		{"alice/gone", 1, `hubctl: error: user alice has no active server gone`},
		{"", 2, "the user name is empty"},
		{"/gpu", 2, "the user name is empty"},
		{".", 2, `the user name "." cannot be sent`},
		{"alice/..", 2, `the server name ".." cannot be sent`},
	} {
		r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--explain", tt.target)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "hubctl: hint: ") ||
			strings.Count(r.stderr, "\n") != 2 {
			t.Errorf("--explain %q: exit %d, want %d with %q:\n%s", tt.target, r.code, tt.code, tt.want, r.stderr)
		}
	}
	if r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--json", "--once"); r.code != 2 {
		t.Errorf("--json without --explain: exit %d\n%s", r.code, r.stderr)
	}
	noDelete(t, h)
}

// TestCullExplainWithoutReadServers: a token that cannot read servers gets a
// user model without "servers", which is not "no active servers".
func TestCullExplainWithoutReadServers(t *testing.T) {
	t.Parallel()
	h := fakehub.New(fakehub.Options{Version: "5.2.1"})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "cull-idle"}, "list:users", "read:users:activity")
	h.AddUser(fakehub.User{Name: "alice", Created: time.Now(), Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(time.Now())}}})
	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--url", h.URL(), "--explain", "alice")
	if r.code != 1 || !strings.Contains(r.stderr, "read:servers") || strings.Contains(r.stdout, "no active servers") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
