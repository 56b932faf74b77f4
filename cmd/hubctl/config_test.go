package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/provision"
)

func writeConfig(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigValidateExitCodes(t *testing.T) {
	t.Parallel()
	clean := writeConfig(t, "c = get_config()\nc.JupyterHub.services = [{'name': 'a', 'url': 'http://127.0.0.1:1', 'api_token': '"+strings.Repeat("ab", 32)+"'}]\n", 0o600)
	warn := writeConfig(t, "c = get_config()\nc.JupyterHub.services = [{'name': 'a', 'admin': True, 'api_token': 'abcdefgh12'}]\n", 0o600)
	bad := writeConfig(t, "c = get_config()\nc.JupyterHub.services = [{'name': 'a', 'api_token': 'short'}]\n", 0o600)
	unreadable := writeConfig(t, "c = get_config(\n", 0o600)
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{clean}, 0, ""},
		{[]string{warn}, 0, "warning HUB207"},
		{[]string{"--strict", warn}, 1, "warning HUB205"},
		{[]string{bad}, 1, ":2:53: error HUB103: this service's api_token is 5 characters"},
		{[]string{unreadable}, 2, ""},
		{[]string{filepath.Join(t.TempDir(), "missing.py")}, 2, ""},
		{[]string{"--format", "xml", clean}, 2, ""},
	} {
		r := runCLI(t, nil, "", append([]string{"config", "validate", "--hub-version", "3.0"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, r.code, r.stdout, r.stderr, tt.code, tt.out)
		}
	}
	r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", unreadable)
	if !strings.Contains(r.stderr, "hubctl: error: "+unreadable+":") {
		t.Errorf("unreadable file: %q", r.stderr)
	}
}

func TestConfigValidateJSONAndEnv(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "import os\nc = get_config()\nc.JupyterHub.services = [{'name': 'a', 'url': 'http://x:1', 'api_token': os.environ['TOK']}]\n", 0o644)
	r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--format", "json", "--env", "TOK=short", path)
	var findings []provision.Finding
	if err := json.Unmarshal([]byte(r.stdout), &findings); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if r.code != 1 || len(findings) != 2 || findings[0].ID != "HUB103" || findings[0].Line != 3 || findings[1].ID != "HUB206" {
		t.Errorf("exit %d, findings %+v", r.code, findings)
	}
	// Without the variable the token is unknown: nothing to say about it.
	r = runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--json", path)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("without TOK: %+v", r)
	}
}

// TestConfigValidatePython: what the static read cannot evaluate, the real
// traitlets can; --python checks the exact values.
func TestConfigValidatePython(t *testing.T) {
	t.Parallel()
	need(t, "/usr/bin/python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/traitlets"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs python3-traitlets")
		}
		t.Skip("python3-traitlets is not installed")
	}
	path := writeConfig(t, "c = get_config()\ndef svc(n):\n    return {'name': n, 'api_token': 'tiny'}\nc.JupyterHub.services = [svc('a')]\n", 0o600)
	r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", path)
	if r.code != 0 || !strings.Contains(r.stdout, "warning HUB301") {
		t.Errorf("static: %+v", r)
	}
	r = runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--python", "/usr/bin/python3", path)
	if r.code != 1 || !strings.Contains(r.stdout, "error HUB103") || !strings.Contains(r.stdout, "real traitlets") || strings.Contains(r.stdout, "HUB301") {
		t.Errorf("--python: %+v", r)
	}
	broken := writeConfig(t, "c = get_config()\nraise RuntimeError('boom')\n", 0o600)
	if r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--python", "/usr/bin/python3", broken); r.code != 1 || !strings.Contains(r.stderr, "boom") {
		t.Errorf("--python on a config that raises: %+v", r)
	}
}

func TestConfigValidateSubconfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "services.py"), []byte("c.JupyterHub.services.append({'name': 'sub', 'api_token': 'x'})\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.WriteFile(main, []byte("c = get_config()\nload_subconfig('services.py')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", main)
	if r.code != 1 || !strings.Contains(r.stdout, filepath.Join(dir, "services.py")+":1:") || !strings.Contains(r.stdout, "HUB103") {
		t.Errorf("%+v", r)
	}
}

// TestServiceAddRefusesNewErrors: service add runs the validator on the
// file it would write, and refuses an edit that adds an error.
func TestServiceAddRefusesNewErrors(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "c = get_config()\nc.JupyterHub.load_roles = [{'name': 'cull-idle-role', 'scopes': ['read:users']}]\n", 0o644)
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	if r.code != 1 || !strings.Contains(r.stderr, "HUB108") || !strings.Contains(r.stderr, "nothing was written") {
		t.Errorf("%+v", r)
	}
}

func TestConfigRenderHelm(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "c = get_config()\n", 0o644)
	// The built binary, so that the preset's command runs a program called hubctl.
	if r := hubctl(t, nil, "service", "add", "cull-idle", "--admin", "--cull-users", "--hub-version", "3.0", "--config", path); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r := runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", path)
	var values struct {
		Cull struct {
			Enabled *bool `yaml:"enabled"`
		} `yaml:"cull"`
		Hub struct {
			Services  map[string]struct{ Command []string } `yaml:"services"`
			LoadRoles map[string]struct {
				Scopes   []string `yaml:"scopes"`
				Services []string `yaml:"services"`
			} `yaml:"loadRoles"`
		} `yaml:"hub"`
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &values); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	role := values.Hub.LoadRoles["cull-idle-role"]
	if r.code != 0 || values.Cull.Enabled == nil || *values.Cull.Enabled ||
		strings.Join(values.Hub.Services["cull-idle"].Command, " ") != "/usr/local/bin/hubctl cull --timeout=3600 --cull-users=true --url=http://localhost:8081/hub/api" ||
		strings.Join(role.Services, ",") != "cull-idle" || !strings.Contains(strings.Join(role.Scopes, ","), "delete:users") {
		t.Errorf("%+v\n%s", values, r.stdout)
	}
	// A culler with its own --url keeps it: the chart's URL is not added beside it.
	own := writeConfig(t, "c = get_config()\n", 0o644)
	if r := hubctl(t, nil, "service", "add", "cull-idle", "--cull-url", "http://hub:8081/hub/api", "--hub-version", "5.2", "--config", own); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r = runCLI(t, nil, "", "config", "render", "--format", "helm", "--config", own)
	if !strings.Contains(r.stdout, "- --url=http://hub:8081/hub/api\n") || strings.Contains(r.stdout, "localhost:8081") {
		t.Errorf("%+v", r)
	}
	if r := runCLI(t, nil, "", "config", "render", "--format", "toml", "--config", path); r.code != exitUsage {
		t.Errorf("--format toml: %+v", r)
	}
}

// TestConfigValidateCwd: a relative load_subconfig is resolved where the Hub
// runs (--cwd), as traitlets does, by the static read and by --python alike;
// without --cwd hubctl assumes the config's directory and warns.
func TestConfigValidateCwd(t *testing.T) {
	t.Parallel()
	etc, srv := t.TempDir(), t.TempDir()
	main := filepath.Join(etc, "jupyterhub_config.py")
	if err := os.WriteFile(main, []byte("c = get_config()\nload_subconfig('services.py')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srv, "services.py"), []byte("c.JupyterHub.services = [{'name': 'sub', 'api_token': 'tiny'}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", main)
	if r.code != 0 || !strings.Contains(r.stdout, main+":2:1: warning HUB212") || !strings.Contains(r.stdout, "hubctl assumed "+etc) || !strings.Contains(r.stdout, "there is no file "+filepath.Join(etc, "services.py")) {
		t.Errorf("without --cwd: %+v", r)
	}
	r = runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--cwd", srv, main)
	if r.code != 1 || !strings.Contains(r.stdout, filepath.Join(srv, "services.py")+":1:") || !strings.Contains(r.stdout, "HUB103") || strings.Contains(r.stdout, "HUB212") {
		t.Errorf("--cwd %s: %+v", srv, r)
	}
	if r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--cwd", filepath.Join(srv, "nope"), main); r.code != 2 || !strings.Contains(r.stderr, "--cwd") {
		t.Errorf("--cwd to nowhere: %+v", r)
	}
	need(t, "/usr/bin/python3")
	r = runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--cwd", srv, "--python", "/usr/bin/python3", main)
	if r.code != 1 || !strings.Contains(r.stdout, "HUB103") {
		t.Errorf("--cwd with --python: %+v", r)
	}
}
