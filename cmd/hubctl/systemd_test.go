package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnits checks docs/systemd/ with systemd-analyze verify, with
// the paths pointed at the built binary, an env file and hubctl's man page
// (verify also checks Documentation=man: links).
func TestSystemdUnits(t *testing.T) {
	t.Parallel()
	need(t, "systemd-analyze")
	dir := t.TempDir()
	man := filepath.Join(dir, "man", "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(man, "hubctl.1"), []byte(runCLI(t, nil, "", "man").stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "cull.env")
	example, err := os.ReadFile("../../docs/systemd/cull.env.example")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(envFile, example, 0o600)
	runtime := filepath.Join(dir, "runtime")
	_ = os.Mkdir(runtime, 0o700)
	for _, tt := range []struct{ unit, scope string }{
		{"hubctl-cull.service", "--system"},
		{"hubctl-cull-user.service", "--user"},
	} {
		data, err := os.ReadFile(filepath.Join("../../docs/systemd", tt.unit))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "/usr/local/bin/hubctl", hubctlBin)
		text = strings.ReplaceAll(text, "/etc/hubctl/cull.env", envFile)
		for _, want := range []string{"hubctl cull", "KillSignal=SIGTERM"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", tt.unit, want)
			}
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "ExecStart=") && strings.Contains(strings.ToUpper(line), "TOKEN=") {
				t.Errorf("%s puts a token on the command line: %s", tt.unit, line)
			}
		}
		path := filepath.Join(dir, tt.unit)
		_ = os.WriteFile(path, []byte(text), 0o644)
		cmd := exec.Command("systemd-analyze", tt.scope, "verify", path)
		cmd.Env = append(os.Environ(), "MANPATH="+filepath.Join(dir, "man"), "XDG_RUNTIME_DIR="+runtime)
		out, err := cmd.CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze %s verify %s: %v\n%s", tt.scope, tt.unit, err, out)
		}
	}
	if !strings.Contains(string(example), "JUPYTERHUB_API_TOKEN=") {
		t.Error("cull.env.example does not show where the token goes")
	}
}
