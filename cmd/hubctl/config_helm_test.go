package main

import (
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// cullIdleBlock is hubctl's block with the cull-idle preset, as
// `service add cull-idle` writes it when hubctl is on PATH.
const cullIdleBlock = `c = get_config()  # noqa

# >>> hubctl managed block >>>
# Written by hubctl. Change it with ` + "`" + `hubctl service add --replace NAME` + "`" + ` or
# ` + "`" + `hubctl service remove NAME` + "`" + `, not by hand: hubctl refuses to edit a block
# it cannot read back. Everything outside this block is yours.
# hubctl-block: v1 lead=1
_hubctl_services = [
    {
        'name': 'cull-idle',
        'command': ['hubctl', 'cull', '--timeout=3600', '--exclude-user=admin'],
    },
]
_hubctl_roles = [
    {
        'name': 'cull-idle-role',
        'scopes': [
            'list:users',
            'read:users:activity',
            'read:servers',
            'delete:servers',
        ],
        'services': ['cull-idle'],
    },
]
# .extend works whether c.JupyterHub.services was set, appended to, or never
# touched (traitlets then holds a LazyConfigValue, which has no +=).
c.JupyterHub.services.extend(_hubctl_services)
c.JupyterHub.load_roles.extend(_hubctl_roles)
del _hubctl_services, _hubctl_roles
# <<< hubctl managed block <<<
`

func TestConfigRenderHelmFromValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "jupyterhub_config.py"), cullIdleBlock)
	user := writeFile(t, filepath.Join(dir, "config.yaml"), "hub:\n  services:\n    grader:\n      url: http://grader:8000\n      apiToken: "+strings.Repeat("cd", 32)+"\n  loadRoles:\n    grader:\n      scopes: [list:users]\n      services: [grader]\ncull:\n  timeout: 7200\n  every: 300\n  maxAge: 86400\n  removeNamedServers: true\n")
	r := runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", cfg, "--from-values", user)
	var values struct {
		Cull struct{ Enabled *bool }
		Hub  struct {
			Services  map[string]struct{ Command []string }
			LoadRoles map[string]struct{ Services []string } `yaml:"loadRoles"`
		}
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &values); err != nil || r.code != 0 {
		t.Fatalf("%v: %+v", err, r)
	}
	cmd := strings.Join(values.Hub.Services["cull-idle"].Command, " ")
	if values.Cull.Enabled == nil || *values.Cull.Enabled ||
		cmd != "/usr/local/bin/hubctl cull --exclude-user=admin --url=http://localhost:8081/hub/api --timeout=7200 --cull-every=300 --concurrency=10 --remove-named-servers --max-age=86400" ||
		values.Hub.LoadRoles["grader"].Services[0] != "grader" || values.Hub.LoadRoles["cull-idle-role"].Services[0] != "cull-idle" {
		t.Errorf("%q\n%s", cmd, r.stdout)
	}
	if _, ok := values.Hub.Services["grader"]; !ok {
		t.Errorf("the user's service is lost:\n%s", r.stdout)
	}
	// The user's token is in the output: the same warning as hubctl's own.
	if !strings.Contains(r.stderr, "the output holds the literal tokens of 1 service") {
		t.Errorf("stderr %q", r.stderr)
	}

	// The rendered values, after the user's, check clean; a later file that
	// turns the chart's culler back on does not.
	out := filepath.Join(dir, "hubctl-values.yaml")
	if r := runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", cfg, "--from-values", user, "--output", out); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	// hubctl's culler has no apiToken here (the Hub hands it its token),
	// so the chart generates one on every render: a warning, nothing else.
	if r := runCLI(t, nil, "", "config", "validate", "--helm", user, out); r.code != 0 ||
		strings.Count(r.stdout, "HUB") != 1 || !strings.HasPrefix(r.stdout, out+":23:5: warning HUB503: hub.services.cull-idle has no apiToken") {
		t.Errorf("validate --helm on the rendered values: %+v", r)
	}
	later := writeFile(t, filepath.Join(dir, "later.yaml"), "cull:\n  enabled: true\n")
	if r := runCLI(t, nil, "", "config", "validate", "--helm", user, out, later); r.code != 1 || !strings.Contains(r.stdout, "\n"+later+":2:12: error HUB501: ") {
		t.Errorf("two cullers: %+v", r)
	}

	for _, tt := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--format", "helm", "--from-values", writeFile(t, filepath.Join(dir, "bad.yaml"), "cull:\n  timeout: soon\n")}, 1, filepath.Join(dir, "bad.yaml") + ":2: cull.timeout is \"soon\""},
		{[]string{"--format", "helm", "--from-values", filepath.Join(dir, "none.yaml")}, 1, "--from-values: " + filepath.Join(dir, "none.yaml") + ": no such file"},
		{[]string{"--from-values", user}, exitUsage, "--from-values goes with --format helm"},
	} {
		r := runCLI(t, nil, "", append([]string{"config", "render", "--config", cfg}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, "hubctl: error: "+tt.err) {
			t.Errorf("%q: %+v", tt.args, r)
		}
	}
}

// TestConfigValidateHelmExitCodes: as validate's: 0 clean or warnings only,
// 1 errors (or warnings with --strict), 2 a file that cannot be read.
func TestConfigValidateHelmExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clean := writeFile(t, filepath.Join(dir, "clean.yaml"), "cull:\n  timeout: 60\n")
	warn := writeFile(t, filepath.Join(dir, "warn.yaml"), "hub:\n  services:\n    ext:\n      url: http://ext:1\n")
	wiped := writeFile(t, filepath.Join(dir, "wiped.yaml"), "hub:\n  config:\n    JupyterHub:\n      load_roles: []\n")
	broken := writeFile(t, filepath.Join(dir, "broken.yaml"), "hub: [\n")
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{clean}, 0, ""},
		{[]string{clean, warn}, 0, warn + ":3:5: warning HUB503: "},
		{[]string{"--strict", warn}, 1, warn + ":3:5: warning HUB503: "},
		{[]string{wiped}, 1, wiped + ":4:7: error HUB502: "},
		{[]string{"--json", wiped}, 1, `"id": "HUB502"`},
		{[]string{clean, broken}, 2, ""},
		{[]string{filepath.Join(dir, "missing.yaml")}, 2, ""},
		{nil, exitUsage, ""},
		{[]string{"--python", "python3", clean}, exitUsage, ""},
	} {
		r := runCLI(t, nil, "", append([]string{"config", "validate", "--helm"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
			t.Errorf("%q: %+v", tt.args, r)
		}
	}
	if r := runCLI(t, nil, "", "config", "validate", "--helm", broken); !strings.Contains(r.stderr, broken+":1: ") {
		t.Errorf("the error names the file and line: %+v", r)
	}
}

func TestConfigRenderHelmHubctlPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	block := strings.Replace(cullIdleBlock, "'command': ['hubctl', 'cull',", "'command': ['/home/me/Downloads/hubctl', 'cull',", 1)
	block = strings.Replace(block, ", '--exclude-user=admin']", "]", 1) // one line, as hubctl writes it
	cfg := writeFile(t, filepath.Join(dir, "jupyterhub_config.py"), block)
	if r := runCLI(t, nil, "", "service", "add", "grader", "--command", "/home/me/bin/grader --port=8000", "--config", cfg); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	commands := func(r result) map[string]string {
		t.Helper()
		var values struct {
			Hub struct {
				Services map[string]struct{ Command []string }
			}
		}
		if err := yaml.Unmarshal([]byte(r.stdout), &values); err != nil || r.code != 0 {
			t.Fatalf("%v: %+v", err, r)
		}
		out := map[string]string{}
		for name, s := range values.Hub.Services {
			out[name] = strings.Join(s.Command, " ")
		}
		return out
	}
	r := runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", cfg)
	got := commands(r)
	if got["cull-idle"] != "/usr/local/bin/hubctl cull --timeout=3600 --url=http://localhost:8081/hub/api" ||
		got["grader"] != "/home/me/bin/grader --port=8000" || strings.Contains(r.stdout, "Downloads") {
		t.Errorf("%q\n%s", got, r.stdout)
	}
	r = runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", cfg, "--hubctl-path", "/opt/hubctl/bin/hubctl")
	if got := commands(r); !strings.HasPrefix(got["cull-idle"], "/opt/hubctl/bin/hubctl cull ") || got["grader"] != "/home/me/bin/grader --port=8000" {
		t.Errorf("%q\n%s", got, r.stdout)
	}
	// The python block is hubctl's own: render leaves it as it is.
	r = runCLI(t, nil, "", "config", "render", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "/home/me/Downloads/hubctl") {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{"hubctl", "bin/hubctl", ""} {
		r = runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", cfg, "--hubctl-path", bad)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--hubctl-path") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 || r.stdout != "" {
			t.Errorf("--hubctl-path %q: %+v", bad, r)
		}
	}
}

// TestConfigRenderHelmExistingSecret: with --existing-secret the values hold
// no token, name the Secret, and say so on stderr without a token warning.
func TestConfigRenderHelmExistingSecret(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	tok1, _ := store.Get("lit1")
	r := runCLI(t, nil, "", "config", "render", "--format", "helm", "--existing-secret", "hubctl-tokens", "--config", path)
	var values struct {
		Hub struct {
			ExistingSecret string `yaml:"existingSecret"`
			Services       map[string]map[string]any
		}
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &values); err != nil || r.code != 0 {
		t.Fatalf("%v: %+v", err, r)
	}
	if values.Hub.ExistingSecret != "hubctl-tokens" || len(values.Hub.Services) != 4 || strings.Contains(r.stdout, tok1) ||
		strings.Contains(r.stdout, "apiToken:") || strings.Contains(r.stderr, "literal tokens") {
		t.Errorf("%+v", r)
	}
	for _, args := range [][]string{
		{"--format", "helm", "--existing-secret", "Hubctl_Tokens"},
		{"--existing-secret", "hubctl-tokens"},
	} {
		r := runCLI(t, nil, "", append(append([]string{"config", "render"}, args...), "--config", path)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--existing-secret") || r.stdout != "" {
			t.Errorf("%q: %+v", args, r)
		}
	}
}
