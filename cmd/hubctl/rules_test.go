package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

func writeRules(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const badRules = "rules:\n  - name: gpu\n    match: {profile: gpu}\n    timout: 2h\n"

// A bad rules file is refused at start, with FILE:LINE, in --once and in
// the loop alike, before any request to the Hub.
func TestCullRulesRefusedAtStart(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	path := writeRules(t, badRules)
	for _, mode := range [][]string{{"--once"}, {}, {"--explain", "idle"}} {
		args := append([]string{"cull", "--url", h.URL(), "--rules", path}, mode...)
		r := runCLIEnv(t, nil, tokenEnv, "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "hubctl: error: "+path+":4: rule \"gpu\": unknown key \"timout\"") ||
			!strings.Contains(r.stderr, "hubctl: hint: ") {
			t.Errorf("%q: exit %d\n%s", mode, r.code, r.stderr)
		}
	}
	if n := len(h.Requests()); n != 0 {
		t.Errorf("%d requests to the Hub", n)
	}
	if !serverUp(h, "idle") {
		t.Error("the idle server was stopped")
	}
}

// --rules through the command line: a never rule for one user keeps their
// idle server, --dry-run's table and --explain name the rule.
func TestCullRulesOnce(t *testing.T) {
	t.Parallel()
	h := cullHub(t)
	old := time.Now().Add(-2 * time.Hour)
	h.AddUser(fakehub.User{Name: "prof", Groups: []string{"instructors"}, Created: old, LastActivity: tp(old),
		Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
	h.AddUser(fakehub.User{Name: "gpu", Created: old, LastActivity: tp(old),
		Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old), UserOptions: map[string]any{"profile": "gpu"}}}})
	path := writeRules(t, "rules:\n  - {name: instructors, match: {group: instructors}, never: true}\n  - {name: gpu, match: {profile: gpu}, timeout: 90m}\n")

	r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--dry-run", "--url", h.URL(), "--timeout=3600", "--rules", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.Contains(rows[0], "REASON") || !strings.Contains(rows[0], "RULE") || len(rows) != 3 ||
		!strings.Contains(r.stdout, "gpu    ") || strings.Contains(r.stdout, "prof") {
		t.Errorf("dry run:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `by_rule="flags: culled=1 kept=1, gpu: culled=1 kept=0, instructors: culled=0 kept=1"`) {
		t.Errorf("summary:\n%s", r.stderr)
	}

	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--explain", "prof", "--url", h.URL(), "--timeout=3600", "--rules", path)
	if r.code != 0 || !strings.Contains(r.stdout, "rule:          instructors") || !strings.Contains(r.stdout, "keep (rule-never") {
		t.Errorf("explain prof: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--url", h.URL(), "--timeout=3600", "--rules", path)
	if r.code != 0 || !serverUp(h, "prof") || serverUp(h, "gpu") || serverUp(h, "idle") || !serverUp(h, "active") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

// service add cull-idle --rules checks the file as hubctl cull does and
// writes its absolute path into the command.
func TestServiceAddCullIdleRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("rules:\n  - {name: staff, match: {group: staff}, never: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(badRules), 0o600); err != nil {
		t.Fatal(err)
	}
	path := tempConfig(t, "")
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--hub-version", "3.0", "--config", path, "--admin", "--rules", filepath.Join(dir, "bad.yaml"))
	if r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:4: rule \"gpu\": unknown key") {
		t.Fatalf("bad rules: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the config was written for a bad rules file")
	}
	// A relative path, as an admin types it.
	rel, err := filepath.Rel(mustGetwd(t), filepath.Join(dir, "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", "service", "add", "cull-idle", "--hub-version", "3.0", "--config", path, "--admin", "--rules", rel)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	cmd := readService(t, path, "cull-idle").Command
	if !slices.Contains(cmd, "--rules="+filepath.Join(dir, "rules.yaml")) {
		t.Errorf("command %q lacks the absolute --rules path", cmd)
	}
	// The group rule puts read:users:groups into the preset's role.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "'read:users:groups'") {
		t.Errorf("the role lacks read:users:groups:\n%s", data)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// hubctl check --rules asks for what the rules need: read:users:groups
// for a group rule.
func TestCheckRules(t *testing.T) {
	t.Parallel()
	h := cullHub(t, hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})...)
	groups := writeRules(t, "rules:\n  - {name: staff, match: {group: staff}, never: true}\n")
	profiles := writeRules(t, "rules:\n  - {name: gpu, match: {profile: gpu}, timeout: 2h}\n")
	if r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL(), "--rules", profiles); r.code != 0 {
		t.Errorf("profile rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL(), "--rules", groups)
	if r.code != 1 || !strings.Contains(r.stdout, "missing read:users:groups") || !strings.Contains(r.stderr, "'read:users:groups'") {
		t.Errorf("group rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLIEnv(t, nil, tokenEnv, "", "check", "--url", h.URL(), "--rules", writeRules(t, badRules)); r.code != 2 || !strings.Contains(r.stderr, ":4: ") {
		t.Errorf("bad rules: exit %d\n%s", r.code, r.stderr)
	}
}
