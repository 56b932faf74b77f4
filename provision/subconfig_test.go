package provision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestSubconfigResolution: a relative load_subconfig resolves against the
// Hub's working directory (Cwd), not the config's; without Cwd hubctl
// assumes the config's directory and says so (HUB212); a missing file is
// reported, since the Hub skips it without a word.
func TestSubconfigResolution(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "etc")
	hubDir := filepath.Join(dir, "srv")
	for _, d := range []string{cfgDir, hubDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(cfgDir, "jupyterhub_config.py")
	write(cfgPath, "load_subconfig('services.py')\n")
	write(filepath.Join(cfgDir, "services.py"), "c.JupyterHub.services = [{'name': 'beside-config', 'api_token': '"+strings.Repeat("a1", 32)+"'}]\n")
	write(filepath.Join(hubDir, "services.py"), "c.JupyterHub.services = [{'name': 'in-hub-cwd', 'api_token': '"+strings.Repeat("b2", 32)+"'}]\n")

	names := func(cfg *Config) []string {
		var out []string
		for i := range cfg.Services {
			if n, ok := cfg.Services[i].Get("name"); ok {
				out = append(out, n.Str)
			}
		}
		return out
	}
	ids := func(cfg *Config) []string {
		var out []string
		for _, f := range Validate(cfg, ValidateOptions{Version: hub.Version{Major: 3, Minor: 0, Patch: 0}}) {
			out = append(out, f.ID+" "+f.Message)
		}
		return out
	}

	assumed, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(assumed); len(got) != 1 || got[0] != "beside-config" {
		t.Errorf("without Cwd: services %v, want the file beside the config", got)
	}
	if got := strings.Join(ids(assumed), "\n"); !strings.Contains(got, "HUB212") || !strings.Contains(got, "hubctl assumed "+cfgDir) {
		t.Errorf("without Cwd: want a HUB212 warning naming the assumed directory, got:\n%s", got)
	}

	inHub, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true, Cwd: hubDir})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inHub); len(got) != 1 || got[0] != "in-hub-cwd" {
		t.Errorf("with Cwd: services %v, want the file in the Hub's directory", got)
	}
	if got := ids(inHub); len(got) != 0 {
		t.Errorf("with Cwd and the file there: want no findings, got %v", got)
	}

	missing, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true, Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(missing), "\n"); !strings.Contains(got, "HUB212") || !strings.Contains(got, "no file "+filepath.Join(dir, "services.py")) {
		t.Errorf("with Cwd and no file there: want HUB212 naming %s, got:\n%s", filepath.Join(dir, "services.py"), got)
	}
}
