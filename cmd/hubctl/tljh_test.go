package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/internal/pyoracle"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tljh"
)

// tljhInstall makes a TLJH install prefix with config/config.yaml holding
// yamlText ("" for none) and an empty jupyterhub_config.d.
func tljhInstall(t *testing.T, yamlText string) (prefix, dir string) {
	t.Helper()
	prefix = t.TempDir()
	dir = filepath.Join(prefix, "config")
	if err := os.MkdirAll(filepath.Join(dir, "jupyterhub_config.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	if yamlText != "" {
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(yamlText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return prefix, dir
}

const tljhYAML = `# TLJH config
users:
  admin:
    - alice
services:
  cull:
    # an hour, for the course
    timeout: 3600
    users: true
`

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// blockServices is what hubctl's block in path holds.
func blockServices(t *testing.T, path string) []provision.Service {
	t.Helper()
	cfg, err := provision.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cfg.Managed()
	if err != nil {
		t.Fatal(err)
	}
	return m.Services
}

func TestTLJHServiceAddAndRemove(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, tljhYAML)
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	svcs := blockServices(t, filepath.Join(dir, "jupyterhub_config.d", "hubctl.py"))
	if len(svcs) != 1 {
		t.Fatalf("block services %+v", svcs)
	}
	// config.yaml's timeout and users; TLJH's defaults for the rest.
	want := "cull --timeout=3600 --cull-every=60 --max-age=0 --cull-users=true --remove-named-servers=false --concurrency=5"
	if got := strings.Join(svcs[0].Command[1:], " "); got != want {
		t.Errorf("command %q, want %q", got, want)
	}
	yamlPath := filepath.Join(dir, "config.yaml")
	after := readFile(t, yamlPath)
	if wantYAML := tljhYAML + "    enabled: false # hubctl service add cull-idle --tljh turned TLJH's culler off; it was unset\n"; after != wantYAML {
		t.Errorf("config.yaml\n%s\nwant\n%s", after, wantYAML)
	}
	for _, w := range []string{"turned TLJH's culler off in " + yamlPath, "--timeout=3600 (services.cull.timeout, " + yamlPath + ":8)", "--concurrency=5 (services.cull.concurrency, TLJH's default)"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if readFile(t, yamlPath+".hubctl.bak") != tljhYAML {
		t.Error("no backup of config.yaml")
	}

	r = runCLI(t, nil, "", "service", "remove", "cull-idle", "--target", "tljh", "--tljh-dir", dir, "--hub-version", "5.2")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if got := readFile(t, yamlPath); got != tljhYAML {
		t.Errorf("after remove, config.yaml\n%s\nwant it as it was\n%s", got, tljhYAML)
	}
	if !strings.Contains(r.stderr, "TLJH's culler runs again") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestTLJHFlagWinsAndDryRun(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, tljhYAML)
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2", "--timeout=900", "--dry-run")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, w := range []string{"'--timeout=900',", "+    enabled: false # hubctl", "--- " + filepath.Join(dir, "config.yaml")} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("the dry run's diff lacks %q:\n%s", w, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "--timeout as given, not services.cull.timeout=3600") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if readFile(t, filepath.Join(dir, "config.yaml")) != tljhYAML {
		t.Error("--dry-run changed config.yaml")
	}
	if _, err := os.Stat(filepath.Join(dir, "jupyterhub_config.d", "hubctl.py")); err == nil {
		t.Error("--dry-run wrote hubctl.py")
	}
}

func TestTLJHOtherServiceLeavesConfigYAML(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, tljhYAML)
	r := runCLI(t, nil, "", "service", "add", "announcement", "--url", "http://127.0.0.1:8888", "--token", "none", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if readFile(t, filepath.Join(dir, "config.yaml")) != tljhYAML {
		t.Error("a service that is no culler changed config.yaml")
	}
}

func TestTLJHErrors(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, "services:\n  cull:\n    every: \"60\"\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--tljh", "--config", "x.py"}, 2, "--config and --tljh"},
		{[]string{"--target", "k8s"}, 2, `--target "k8s": the only target is tljh`},
		{[]string{"--tljh-dir", dir}, 2, "--tljh-dir is for --tljh"},
		{[]string{"--tljh", "--tljh-dir", filepath.Join(dir, "nope")}, 2, "--tljh-dir " + filepath.Join(dir, "nope") + ": not a directory; is TLJH installed here?"},
		{[]string{"--tljh", "--tljh-dir", dir}, 1, filepath.Join(dir, "config.yaml") + `:3: services.cull.every is the string "60", not a whole number`},
	} {
		args := append([]string{"service", "add", "cull-idle", "--admin", "--hub-version", "5.2"}, tc.args...)
		r := runCLI(t, nil, "", args...)
		if r.code != tc.code || !strings.Contains(r.stderr, "hubctl: error: "+tc.want) {
			t.Errorf("%v: exit %d, want %d; stderr %s", tc.args, r.code, tc.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "jupyterhub_config.d", "hubctl.py")); err == nil {
		t.Error("a refused add wrote hubctl.py")
	}
}

// TestTLJHOracle: the real traitlets of each release loads a stand-in of
// TLJH's jupyterhub_config.py (testdata/tljh/jupyterhub_config.py: the list
// reset, TLJH's culler appended while services.cull.enabled, then
// jupyterhub_config.d/*.py) and ends with exactly hubctl's services.
func TestTLJHOracle(t *testing.T) {
	standIn, err := filepath.Abs("../../testdata/tljh/jupyterhub_config.py")
	if err != nil {
		t.Fatal(err)
	}
	load := func(t *testing.T, prefix string) []map[string]any {
		t.Helper()
		var first []map[string]any
		for _, r := range pyoracle.Releases() {
			t.Run(r.Name, func(t *testing.T) {
				pyoracle.Need(t, r)
				out := pyoracle.Run(t, r, []string{"TLJH_INSTALL_PREFIX=" + prefix}, standIn)
				var got struct {
					Services []map[string]any `json:"services"`
				}
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatalf("%s: %v", out, err)
				}
				if first == nil {
					first = got.Services
				} else if a, b := jsonOf(first), jsonOf(got.Services); a != b {
					t.Errorf("the releases load different services:\n%s\n%s", a, b)
				}
			})
		}
		if first == nil {
			t.Skip("no release's Python oracle is available")
		}
		return first
	}

	t.Run("cull-idle", func(t *testing.T) {
		prefix, dir := tljhInstall(t, tljhYAML)
		if r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2"); r.code != 0 {
			t.Fatalf("%+v", r)
		}
		block := blockServices(t, filepath.Join(dir, "jupyterhub_config.d", "hubctl.py"))
		want := []map[string]any{{"name": block[0].Name, "command": block[0].Command}}
		if got := load(t, prefix); jsonOf(got) != jsonOf(want) {
			t.Errorf("TLJH's order loads\n%s\nwant exactly hubctl's\n%s", jsonOf(got), jsonOf(want))
		}
	})
	// Without hubctl's culler, TLJH's stays, first, with its settings.
	t.Run("other service", func(t *testing.T) {
		prefix, dir := tljhInstall(t, tljhYAML)
		if r := runCLI(t, nil, "", "service", "add", "announcement", "--url", "http://127.0.0.1:8888", "--token", "none", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2"); r.code != 0 {
			t.Fatalf("%+v", r)
		}
		got := load(t, prefix)
		if len(got) != 2 || got[0]["name"] != "cull-idle" || got[0]["admin"] != true || got[1]["name"] != "announcement" ||
			!strings.Contains(jsonOf(got[0]["command"]), `"--timeout=3600","--cull-every=60","--concurrency=5","--max-age=0","--cull-users"]`) {
			t.Errorf("loads %s", jsonOf(got))
		}
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTLJHHubVersionAndCommand: without --hub-version, the version is what
// TLJH's own PREFIX/hub/bin/jupyterhub says; a culler binary the Hub's unit
// cannot see (PrivateTmp hides /tmp) gets a warning.
func TestTLJHHubVersionAndCommand(t *testing.T) {
	t.Parallel()
	prefix, dir := tljhInstall(t, "")
	bin := filepath.Join(prefix, "hub", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "jupyterhub"), []byte("#!/bin/sh\necho 3.0.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--tljh", "--tljh-dir", dir)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, w := range []string{"JupyterHub 3.0.0 (from `" + filepath.Join(bin, "jupyterhub") + " --version`", "JupyterHub 3.0.0 deprecates"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	self, _ := os.Executable()
	if strings.HasPrefix(self, "/tmp/") && !strings.Contains(r.stderr, "PrivateTmp=yes and cannot see") {
		t.Errorf("no PrivateTmp warning for %s:\n%s", self, r.stderr)
	}
}

func TestTLJHCommandNote(t *testing.T) {
	t.Parallel()
	prefix, dir := tljhInstall(t, "")
	p := &tljh.Paths{Dir: dir}
	bin := filepath.Join(prefix, "hub", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "hubctl-in-hub-env"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ bin, want string }{
		{"/tmp/x/hubctl", "PrivateTmp=yes and cannot see /tmp/x/hubctl"},
		{"/usr/local/bin/hubctl", ""},
		{"hubctl-in-hub-env", ""},
		{"hubctl-nowhere", "looks hubctl-nowhere up on its own PATH (" + bin + ":/usr/local/bin:"},
	} {
		if got := tljhCommandNote(p, tc.bin); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.bin, got, tc.want)
		}
	}
}

// TestTLJHBlockWithTokenIsPrivate: hubctl.py holding a literal token is
// 0600 (TLJH loads it as root).
func TestTLJHBlockWithTokenIsPrivate(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, "")
	r := runCLI(t, nil, "", "service", "add", "bot", "--scope", "read:users", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	st, err := os.Stat(filepath.Join(dir, "jupyterhub_config.d", "hubctl.py"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("hubctl.py: %v, mode %v", err, st.Mode())
	}
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err == nil {
		t.Error("a service that is no culler made config.yaml")
	}
}

// TestTLJHServiceListShow: list and show --tljh read hubctl's block under
// TLJH and say whether TLJH's own culler is on in config.yaml.
func TestTLJHServiceListShow(t *testing.T) {
	t.Parallel()
	_, dir := tljhInstall(t, tljhYAML)
	yamlPath, block := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "jupyterhub_config.d", "hubctl.py")
	// No block yet: an error naming it, with the way to write one.
	r := runCLI(t, nil, "", "service", "list", "--tljh", "--tljh-dir", dir)
	if r.code != exitFailure || r.stdout != "" || r.stderr != "hubctl: error: "+block+": no such file\n"+
		"hubctl: hint: hubctl has no block under TLJH yet: `hubctl service add NAME --tljh` writes one\n" {
		t.Errorf("no block: %+v", r)
	}
	if r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--tljh", "--tljh-dir", dir, "--hub-version", "5.2"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	off := "off (services.cull.enabled: false at " + yamlPath + ":10)"
	r = runCLI(t, nil, "", "service", "list", "--tljh", "--tljh-dir", dir)
	if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "cull-idle ") || !strings.Contains(r.stdout, "("+block+":") ||
		!strings.HasSuffix(r.stdout, "\nTLJH's culler: "+off+"\n") {
		t.Errorf("list --tljh: %+v", r)
	}
	r = runCLI(t, nil, "", "service", "show", "cull-idle", "--target", "tljh", "--tljh-dir", dir)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "name:     cull-idle\nwhere:    "+block+":") || !strings.HasSuffix(r.stdout, "\ntljh:     TLJH's culler "+off+"\n") {
		t.Errorf("show --target tljh: %+v", r)
	}
	var list struct {
		Services   []serviceView
		TLJHCuller tljhCullerView `json:"tljh_culler"`
	}
	r = runCLI(t, nil, "", "service", "list", "--json", "--tljh", "--tljh-dir", dir)
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Services) != 1 || list.TLJHCuller.Enabled == nil || *list.TLJHCuller.Enabled ||
		list.TLJHCuller.Line != 10 || list.TLJHCuller.ConfigYAML != yamlPath {
		t.Errorf("list --json --tljh: %v %+v", err, r)
	}
	var show struct {
		Name       string
		TLJHCuller tljhCullerView `json:"tljh_culler"`
	}
	r = runCLI(t, nil, "", "service", "show", "cull-idle", "--json", "--tljh", "--tljh-dir", dir)
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || show.Name != "cull-idle" || show.TLJHCuller.Enabled == nil || *show.TLJHCuller.Enabled {
		t.Errorf("show --json --tljh: %v %+v", err, r)
	}

	// TLJH's culler back on (by hand): two cullers, said on stderr.
	if err := os.WriteFile(yamlPath, []byte(strings.Replace(readFile(t, yamlPath), "enabled: false", "enabled: true", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", "service", "list", "--tljh", "--tljh-dir", dir)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "\nTLJH's culler: on (services.cull.enabled: true at "+yamlPath+":10)\n") ||
		!strings.HasPrefix(r.stderr, "hubctl: warning: two cullers: TLJH's culler is on beside hubctl's cull-idle; turn TLJH's off with `sudo tljh-config set services.cull.enabled false`") {
		t.Errorf("TLJH's culler on: %+v", r)
	}
	// No config.yaml: TLJH's default, on.
	if err := os.Remove(yamlPath); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", "service", "show", "cull-idle", "--tljh", "--tljh-dir", dir)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "\ntljh:     TLJH's culler on (TLJH's default: "+yamlPath+" does not set services.cull.enabled)\n") {
		t.Errorf("no config.yaml: %+v", r)
	}
	// A config.yaml hubctl cannot read: the listing still comes, with a warning.
	if err := os.WriteFile(yamlPath, []byte("services:\n  cull:\n    enabled: \"no\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", "service", "list", "--tljh", "--tljh-dir", dir)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "cull-idle ") || !strings.Contains(r.stdout, "\nTLJH's culler: unknown ("+yamlPath+":3: services.cull.enabled is") ||
		!strings.HasPrefix(r.stderr, "hubctl: warning: TLJH's culler: "+yamlPath+":3: ") {
		t.Errorf("unreadable config.yaml: %+v", r)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--tljh", "--config", "x.py"}, "--config and --tljh"},
		{[]string{"show", "cull-idle", "--target", "k8s"}, `--target "k8s": the only target is tljh`},
		{[]string{"list", "--tljh-dir", dir}, "--tljh-dir is for --tljh"},
		{[]string{"show", "cull-idle", "--tljh", "--tljh-dir", filepath.Join(dir, "nope")}, "--tljh-dir " + filepath.Join(dir, "nope") + ": not a directory"},
	} {
		r := runCLI(t, nil, "", append([]string{"service"}, tc.args...)...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "hubctl: error: "+tc.want) {
			t.Errorf("%q: %+v", tc.args, r)
		}
	}
	if r := runCLI(t, nil, "", "service", "show", "other", "--tljh", "--tljh-dir", dir); r.code != exitFailure || r.stderr != "hubctl: error: "+block+": no service named \"other\"\n" {
		t.Errorf("show other: %+v", r)
	}
}
