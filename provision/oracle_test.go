package provision

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// traitlets loads path with the real traitlets PyFileConfigLoader, as
// JupyterHub does, and returns the JupyterHub section's services and roles.
func traitlets(t *testing.T, path string, env ...string) (services, roles []any) {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/traitlets"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs python3-traitlets (scripts/test.sh installs it)")
		}
		t.Skip("python3-traitlets is not installed")
	}
	script, _ := filepath.Abs("../templates/traitlets_dump.py")
	cmd := exec.Command("/usr/bin/python3", script, path)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("traitlets could not load %s: %v\n%s", path, err, stderr.String())
	}
	var got struct {
		Services []any `json:"services"`
		Roles    []any `json:"load_roles"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("traitlets_dump printed %q: %v", out, err)
	}
	return got.Services, got.Roles
}
