package cull

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/realhub"
)

// TestAgainstRealHubFollowsStops: on each real Hub, a single-user server that ignores
// SIGINT stops only when LocalProcessSpawner sends SIGTERM after
// interrupt_timeout (4 s), and the Hub, waiting slow_stop_timeout (1 s),
// answers the DELETE 202. With a --stop-timeout shorter than the stop the
// culler warns and keeps the user; the next pass follows the stop again and
// sees it finish. With enough time, a stop is followed to its end and
// --cull-users deletes the user in the same pass. (Named like the fake's
// real-Hub comparisons, so that scripts/test.sh leaves it out of the -race
// run too.)
func TestAgainstRealHubFollowsStops(t *testing.T) {
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			const adminToken = "fedcba9876543210fedcba9876543210"
			h := startCullerHub(t, r, realhub.Options{}, []string{
				"c.JupyterHub.tornado_settings = {'slow_stop_timeout': 1}",
				`c.Spawner.cmd = ['/bin/sh', '-c', 'trap "" INT; exec jupyterhub-singleuser "$@"', 'sh']`,
				"c.LocalProcessSpawner.interrupt_timeout = 4",
			}, adminToken, []string{"admin:users", "admin:servers"}, hub.CullerRoleScopes(r.Version, hub.CullerFlags{CullUsers: true}))
			client, err := NewClient(ClientConfig{URL: h.APIURL(), Token: cullToken, Concurrency: 4, Retries: 2})
			if err != nil {
				t.Fatal(err)
			}
			logs := &lockedBuffer{}
			policy := basePolicy()
			policy.CullUsers = true
			c := &Culler{Client: client, Policy: policy, Concurrency: 4, Metrics: NewMetrics(),
				Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				// Two hours on, everything just started is idle.
				Now:         func() time.Time { return time.Now().Add(2 * time.Hour) },
				StopTimeout: 500 * time.Millisecond, StopPoll: 100 * time.Millisecond}

			h.Spawn(adminToken, "alice")
			sum, err := c.RunPass(context.Background())
			if err != nil || sum.StuckStops != 1 || sum.ServersCulled != 0 || sum.UsersCulled != 0 {
				t.Fatalf("first pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), "server is slow to stop; following it", "user=alice") ||
				!containsLine(logs.String(), "level=WARN", "stop not finished within --stop-timeout", "user=alice", `server=""`) {
				t.Fatalf("no 202 or no warning:\n%s", logs)
			}
			if got := metricValue(t, c.Metrics, "hubctl_cull_stuck_stops_total"); got != "1" {
				t.Errorf("hubctl_cull_stuck_stops_total = %q, want 1", got)
			}

			c.StopTimeout = 30 * time.Second
			sum, err = c.RunPass(context.Background())
			if err != nil || sum.StuckStops != 0 || sum.ServersCulled != 1 {
				t.Fatalf("second pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), `msg="culled server" user=alice`, "confirmed_after=") {
				t.Errorf("no culled-server line for alice:\n%s", logs)
			}

			h.Spawn(adminToken, "bob")
			start := len(logs.String())
			sum, err = c.RunPass(context.Background())
			if err != nil || sum.StuckStops != 0 || sum.ServersCulled != 1 {
				t.Fatalf("third pass: %+v, %v\n%s", sum, err, logs)
			}
			third := logs.String()[start:]
			if !containsLine(third, "server is slow to stop; following it", "user=bob") ||
				!containsLine(third, `msg="culled server" user=bob`, "confirmed_after=") ||
				!containsLine(third, `msg="culled user" user=bob`) {
				t.Errorf("bob's stop was not followed to its end and bob deleted:\n%s", third)
			}
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "confirmed_after=") || strings.Contains(line, "level=WARN") {
					t.Log(line)
				}
			}
			if code, _ := h.API(adminToken, http.MethodGet, "/users/bob", ""); code != http.StatusNotFound {
				t.Errorf("GET /users/bob: %d, want 404", code)
			}
		})
	}
}

// TestAgainstRealHubRules: on each real Hub, a group rule with never keeps
// an instructor's idle server, and a server spawned with user_options
// {"profile": "gpu"} gets the gpu rule's longer timeout, while a plain
// server falls to the flags. The culler's role is what the preset writes
// for these rules (CullerFlags: read:users:groups for the group rule), so
// the groups and user_options are what the real Hub shows under it.
func TestAgainstRealHubRules(t *testing.T) {
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			const adminToken = "abcdef9876543210abcdef9876543210"
			policy := basePolicy() // --timeout 1h
			policy.Rules = mustRules(t, "rules:\n"+
				"  - {name: instructors, match: {group: instructors}, never: true}\n"+
				"  - {name: gpu, match: {profile: gpu}, timeout: 3h}\n")
			role := hub.CullerRoleScopes(r.Version, CullerFlags(&policy))
			if !slices.Contains(role, "read:users:groups") {
				t.Fatalf("role %v lacks read:users:groups", role)
			}
			h := startCullerHub(t, r, realhub.Options{}, nil, adminToken, []string{"admin:users", "admin:servers", "admin:groups"}, role)

			h.Spawn(adminToken, "prof")
			if code, data := h.API(adminToken, http.MethodPost, "/groups/instructors", `{"users": ["prof"]}`); code != http.StatusCreated {
				t.Fatalf("POST /groups/instructors: %d %s", code, data)
			}
			h.SpawnWith(adminToken, "gpu-user", `{"profile": "gpu"}`)
			h.Spawn(adminToken, "plain")

			client, err := NewClient(ClientConfig{URL: h.APIURL(), Token: cullToken, Concurrency: 4, Retries: 2})
			if err != nil {
				t.Fatal(err)
			}
			logs := &lockedBuffer{}
			later := 2 * time.Hour
			c := &Culler{Client: client, Policy: policy, Concurrency: 4, Metrics: NewMetrics(), StopTimeout: 30 * time.Second,
				Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Now: func() time.Time { return time.Now().Add(later) }}

			// Two hours on: past --timeout, within gpu's.
			e, err := Explain(context.Background(), client, &c.Policy, "gpu-user", "", false, time.Now().Add(later))
			if err != nil || len(e.Servers) != 1 || e.Servers[0].Rule != "gpu" || e.Servers[0].Reason != Active {
				t.Fatalf("explain gpu-user: %+v, %v", e, err)
			}
			sum, err := c.RunPass(context.Background())
			if err != nil || sum.ServersCulled != 1 || sum.ByRule["instructors"].Kept[RuleNever] != 1 || sum.ByRule["gpu"].Kept[Active] != 1 {
				t.Fatalf("first pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), `msg="culled server" user=plain`) ||
				!containsLine(logs.String(), `msg="keeping server" user=prof`, "reason=rule-never", "rule=instructors") {
				t.Errorf("first pass logs:\n%s", logs)
			}
			// Four hours on: past gpu's timeout too; prof is still kept.
			later = 4 * time.Hour
			sum, err = c.RunPass(context.Background())
			if err != nil || sum.ServersCulled != 1 || sum.ByRule["gpu"].ServersCulled != 1 || sum.ByRule["instructors"].Kept[RuleNever] != 1 {
				t.Fatalf("second pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), `msg="culled server" user=gpu-user`, "rule=gpu") {
				t.Errorf("gpu-user not culled by its rule:\n%s", logs)
			}
			for user, up := range map[string]bool{"prof": true, "gpu-user": false, "plain": false} {
				_, data := h.API(adminToken, http.MethodGet, "/users/"+user, "")
				var u struct {
					Servers map[string]struct{ Ready bool } `json:"servers"`
				}
				if err := json.Unmarshal(data, &u); err != nil || u.Servers[""].Ready != up {
					t.Errorf("%s: server ready %t, want %t (%s)", user, u.Servers[""].Ready, up, data)
				}
			}
		})
	}
}

// startCullerHub starts release r on a config of its own (config: lines
// after get_config()) with two services, test-admin (adminToken, with
// adminScopes) and cull-idle (cullToken, with cullerScopes in the role the
// preset names), and waits until the Hub is up. opts may set Ports.
func startCullerHub(t *testing.T, r realhub.Release, opts realhub.Options, config []string, adminToken string, adminScopes, cullerScopes []string) *realhub.Hub {
	t.Helper()
	opts.Release, opts.Dir = r, t.TempDir()
	opts.Config = filepath.Join(opts.Dir, "jupyterhub_config.py")
	body := strings.Join(append([]string{"c = get_config()  # noqa"}, config...), "\n") + "\n"
	if err := os.WriteFile(opts.Config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	admin, _ := json.Marshal(adminScopes)
	culler, _ := json.Marshal(cullerScopes)
	opts.After = strings.Join([]string{
		"c.JupyterHub.services = [{'name': 'test-admin', 'api_token': '" + adminToken + "'}, {'name': 'cull-idle', 'api_token': '" + cullToken + "'}]",
		"c.JupyterHub.load_roles = [{'name': 'test-admin', 'scopes': " + string(admin) + ", 'services': ['test-admin']}, " +
			"{'name': '" + hub.RoleName("cull-idle") + "', 'scopes': " + string(culler) + ", 'services': ['cull-idle']}]",
	}, "\n")
	h := realhub.Start(t, opts)
	h.MustBeUp(60 * time.Second)
	return h
}
