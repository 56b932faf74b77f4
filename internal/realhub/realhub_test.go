package realhub

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Each release starts on an empty config, answers with its own version,
// and spawns a single-user server that becomes ready; nothing it started
// outlives Stop, and the cached root is left as it was.
func TestReleasesStartAndSpawn(t *testing.T) {
	want := map[string]string{"3.0": "3.0.", "5.2": "5.2."}
	for _, r := range Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			dir := t.TempDir()
			config := filepath.Join(dir, "config.py")
			os.WriteFile(config, []byte("c = get_config()  # noqa\n"), 0o600)
			const token = "0123456789abcdef0123456789abcdef"
			h := Start(t, Options{Dir: dir, Config: config, Release: r, After: strings.Join([]string{
				"c.JupyterHub.services = [{'name': 'test-admin', 'api_token': '" + token + "'}]",
				"c.JupyterHub.load_roles = [{'name': 'test-admin', 'scopes': ['admin:users', 'admin:servers'], 'services': ['test-admin']}]",
			}, "\n")})
			h.MustBeUp(60 * time.Second)
			_, data := h.API(token, http.MethodGet, "/", "")
			var v struct{ Version string }
			if json.Unmarshal(data, &v); !strings.HasPrefix(v.Version, want[r.Name]) {
				t.Fatalf("GET /hub/api: version %q, want %s*", v.Version, want[r.Name])
			}
			h.Spawn(token, "alice")
			h.Stop()
			if strays := find(dir, h.ports.Hub); len(strays) > 0 {
				t.Errorf("processes outlived Stop: %v", strays)
			}
			if r.Root != "" {
				if _, err := os.Stat(filepath.Join(r.Root, dir)); !os.IsNotExist(err) {
					t.Errorf("the run's directory appeared in the cached root: %v", err)
				}
			}
		})
	}
}

// A port FreePorts hands out is not handed out again, by this process or
// another, until the test that drew it ends.
func TestFreePortsReserves(t *testing.T) {
	var drawn []int
	t.Run("draw", func(t *testing.T) {
		drawn = FreePorts(t, 3)
		for _, p := range drawn {
			if reserve(t, p) {
				t.Errorf("port %d was drawn again in this process while reserved", p)
			}
			lock := filepath.Join(portLocks, strconv.Itoa(p))
			if err := exec.Command("flock", "--nonblock", lock, "true").Run(); err == nil {
				t.Errorf("another process could lock port %d while reserved", p)
			}
		}
	})
	for _, p := range drawn {
		if !reserve(t, p) {
			t.Errorf("port %d is still reserved after the test that drew it ended", p)
		}
	}
}
