package cull

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

// TestPassWithRules: on the fake Hub as 3.0.0 and 5.2.1, a group rule with
// never keeps an instructor's idle server and the instructor, a profile
// rule gives a gpu server its own (longer) timeout, and the rest falls to
// the flags; the summary, the logs and the metrics say which rule did what.
func TestPassWithRules(t *testing.T) {
	for _, version := range []string{"3.0.0", "5.2.1"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, fakehub.Options{Version: version})
			at := time.Now()
			tm := func(d time.Duration) *time.Time { v := at.Add(-d); return &v }
			server := func(idle time.Duration, opts map[string]any) map[string]*fakehub.Server {
				return map[string]*fakehub.Server{"": {Ready: true, Started: tm(idle + time.Hour), LastActivity: tm(idle), UserOptions: opts}}
			}
			h.AddUser(fakehub.User{Name: "prof", Groups: []string{"staff", "instructors"}, Created: *tm(72 * time.Hour), LastActivity: tm(48 * time.Hour), Servers: server(48*time.Hour, nil)})
			h.AddUser(fakehub.User{Name: "idle-prof", Groups: []string{"instructors"}, Created: *tm(72 * time.Hour), LastActivity: tm(48 * time.Hour)})
			h.AddUser(fakehub.User{Name: "gpu-user", Created: *tm(72 * time.Hour), LastActivity: tm(90 * time.Minute), Servers: server(90*time.Minute, map[string]any{"profile": "gpu"})})
			h.AddUser(fakehub.User{Name: "cpu-user", Created: *tm(72 * time.Hour), LastActivity: tm(90 * time.Minute), Servers: server(90*time.Minute, map[string]any{"profile": "cpu"})})
			p := basePolicy()
			p.CullUsers = true
			p.Rules = mustRules(t, issueRules)
			c, logs := newCuller(t, h, p)
			c.Metrics = NewMetrics()
			sum, err := c.RunPass(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, logs)
			}
			if sum.ServersCulled != 1 || sum.UsersCulled != 1 || sum.Kept[RuleNever] != 3 || sum.Kept[Active] != 1 {
				t.Fatalf("summary %+v\n%s", sum, logs)
			}
			if _, ok := h.User("cpu-user"); ok {
				t.Error("cpu-user (flags, idle 90m >= 1h) was not culled")
			}
			for _, name := range []string{"prof", "idle-prof", "gpu-user"} {
				u, ok := h.User(name)
				if !ok || (name != "idle-prof" && !u.Servers[""].Ready) {
					t.Errorf("%s lost their server or was deleted: %+v", name, u)
				}
			}
			for _, want := range [][]string{
				{`msg="keeping server" user=prof`, "reason=rule-never", "rule=instructors"},
				{`msg="keeping user" user=idle-prof`, "reason=rule-never", "rule=instructors"},
				{`msg="culled server" user=cpu-user`, "reason=idle"},
				{`msg="cull pass done"`, `by_rule="flags: culled=2 kept=0, gpu: culled=0 kept=1, instructors: culled=0 kept=3"`},
			} {
				if !containsLine(logs.String(), want...) {
					t.Errorf("no log line with %q:\n%s", want, logs)
				}
			}
			for series, want := range map[string]string{
				`hubctl_cull_servers_culled_total{rule="flags"}`:                 "1",
				`hubctl_cull_users_culled_total{rule="flags"}`:                   "1",
				`hubctl_cull_kept_total{reason="rule-never",rule="instructors"}`: "3",
				`hubctl_cull_kept_total{reason="active",rule="gpu"}`:             "1",
				`hubctl_cull_kept_total{reason="servers-left",rule="gpu"}`:       "",
				`hubctl_cull_kept_total{reason="rule-never",rule="flags"}`:       "",
			} {
				if got := metricValue(t, c.Metrics, series); got != want {
					t.Errorf("%s = %q, want %q", series, got, want)
				}
			}
		})
	}
}

// A token that cannot read groups cannot judge group rules: the pass
// refuses to start, naming the scope, rather than cull what a never rule
// was written to keep.
func TestPassGroupRulesNeedTheirScope(t *testing.T) {
	h := newHub(t, fakehub.Options{Version: "5.2.1"}, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})...)
	at := time.Now().Add(-48 * time.Hour)
	h.AddUser(fakehub.User{Name: "prof", Groups: []string{"instructors"}, Servers: map[string]*fakehub.Server{"": {Ready: true, Started: &at, LastActivity: &at}}})
	p := basePolicy()
	p.Rules = mustRules(t, issueRules)
	c, logs := newCuller(t, h, p)
	_, err := c.Pass(context.Background())
	var se *ScopeError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "read:users:groups") || !strings.Contains(se.Hint(), "'read:users:groups'") {
		t.Fatalf("err = %v\n%s", err, logs)
	}
	if u, _ := h.User("prof"); !u.Servers[""].Ready {
		t.Error("prof's server was stopped")
	}
	// Without group rules the same token will do.
	p.Rules = mustRules(t, "rules:\n  - {name: gpu, match: {profile: gpu}, timeout: 2h}\n")
	c, logs = newCuller(t, h, p)
	if _, err := c.Pass(context.Background()); err != nil {
		t.Fatalf("profile rules alone: %v\n%s", err, logs)
	}
}

// The scopes follow the rules: one function (CullerFlags) for the role the
// preset writes, the pass's check and hubctl check.
func TestCullerFlagsFollowRules(t *testing.T) {
	p := basePolicy()
	if f := CullerFlags(&p); f != (hub.CullerFlags{}) {
		t.Errorf("no rules: %+v", f)
	}
	p.Rules = mustRules(t, "rules:\n  - {name: gpu, match: {profile: gpu}, timeout: 2h}\n  - {name: s, match: {server: x}, timeout: 2h}\n")
	if f := CullerFlags(&p); f != (hub.CullerFlags{}) {
		t.Errorf("profile and server rules: %+v, want nothing more (read:servers shows user_options)", f)
	}
	p.Rules = mustRules(t, issueRules)
	p.CullUsers = true
	if f := CullerFlags(&p); f != (hub.CullerFlags{CullUsers: true, GroupRules: true}) {
		t.Errorf("group rule: %+v", f)
	}
	role := hub.CullerRoleScopes(hub.Version{Major: 3}, CullerFlags(&p))
	if !strings.Contains(strings.Join(role, " "), "read:users:groups") && !strings.Contains(strings.Join(role, " "), "read:users ") {
		t.Errorf("role %v cannot read groups", role)
	}
	if got := strings.Join(requiredScopes(&p)[len(requiredScopes(&p))-1], " "); !strings.Contains(got, "read:users:groups") {
		t.Errorf("required scopes end with %q", got)
	}
}
