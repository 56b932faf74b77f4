package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestConfigRenderHelmImage: --image writes the init container, the volume
// and the mount, runs hubctl from the mount, keeps the user's list entries
// with --from-values, and refuses a moving tag and a --hubctl-path elsewhere.
func TestConfigRenderHelmImage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "jupyterhub_config.py"), cullIdleBlock)
	user := writeFile(t, filepath.Join(dir, "config.yaml"), "hub:\n  initContainers:\n    - name: wait-db\n      image: busybox:1.36\n")
	var values struct {
		Hub struct {
			InitContainers []struct {
				Name, Image string
				Command     []string
			} `yaml:"initContainers"`
			ExtraVolumes      []map[string]any `yaml:"extraVolumes"`
			ExtraVolumeMounts []map[string]any `yaml:"extraVolumeMounts"`
			Services          map[string]struct{ Command []string }
		}
	}
	for _, args := range [][]string{
		{"--image", "ghcr.io/you/hubctl:1.0.0"},
		{"--image", "ghcr.io/you/hubctl:1.0.0", "--hubctl-path", "/opt/hubctl/bin/hubctl", "--from-values", user},
	} {
		r := runCLI(t, nil, "", append([]string{"config", "render", "--format", "helm", "--config", cfg}, args...)...)
		if err := yaml.Unmarshal([]byte(r.stdout), &values); err != nil || r.code != 0 {
			t.Fatalf("%v: %v: %+v", args, err, r)
		}
		ics := values.Hub.InitContainers
		last := ics[len(ics)-1]
		if last.Name != "copy-hubctl" || last.Image != "ghcr.io/you/hubctl:1.0.0" || strings.Join(last.Command, " ") != "/usr/local/bin/hubctl copy-binary /opt/hubctl/bin/hubctl" ||
			len(values.Hub.ExtraVolumes) != 1 || len(values.Hub.ExtraVolumeMounts) != 1 ||
			!strings.HasPrefix(strings.Join(values.Hub.Services["cull-idle"].Command, " "), "/opt/hubctl/bin/hubctl cull ") {
			t.Errorf("%v:\n%s", args, r.stdout)
		}
		if from := len(args) > 2; from != (len(ics) == 2 && ics[0].Name == "wait-db") {
			t.Errorf("%v: the user's init container is lost or added: %+v", args, ics)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--image", "ghcr.io/you/hubctl"}, "hubctl: error: --image \"ghcr.io/you/hubctl\": no tag"},
		{[]string{"--image", "ghcr.io/you/hubctl:latest"}, "hubctl: error: --image \"ghcr.io/you/hubctl:latest\": the tag latest moves"},
		{[]string{"--image", "hubctl:1", "--hubctl-path", "/usr/local/bin/hubctl"}, "hubctl: error: --hubctl-path \"/usr/local/bin/hubctl\" goes without --image"},
	} {
		r := runCLI(t, nil, "", append([]string{"config", "render", "--format", "helm", "--config", cfg}, tc.args...)...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: %+v", tc.args, r)
		}
		if strings.HasPrefix(tc.want, "hubctl: error: --image") && !strings.Contains(r.stderr, "hubctl: hint: a pinned tag") {
			t.Errorf("%v: no hint: %s", tc.args, r.stderr)
		}
	}
	if r := runCLI(t, nil, "", "config", "render", "--config", cfg, "--image", "hubctl:1"); r.code != exitUsage || !strings.Contains(r.stderr, "--image goes with --format helm") {
		t.Errorf("--image without helm: %+v", r)
	}
}

// TestCopyBinaryCLI: the command's errors name the path, in hubctl's style.
// (internal/selfcopy tests the copy; TestReleaseBinaryInEmptyRoot runs it.)
func TestCopyBinaryCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "x"), link); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "copy-binary", link)
	if r.code != exitFailure || !strings.HasPrefix(r.stderr, "hubctl: error: "+link+" is a symlink") {
		t.Errorf("%+v", r)
	}
	if r := runCLI(t, nil, "", "copy-binary"); r.code != exitUsage || !strings.Contains(r.stderr, "missing argument DEST") {
		t.Errorf("%+v", r)
	}
	dest := filepath.Join(dir, "hubctl")
	if r := runCLI(t, nil, "", "copy-binary", dest); r.code != 0 || !strings.HasPrefix(r.stderr, "hubctl: copied hubctl to "+dest+" (") {
		t.Errorf("%+v", r)
	}
	if st, err := os.Stat(dest); err != nil || st.Mode() != 0o755 {
		t.Errorf("%v %v", st, err)
	}
}
