package realhub

import (
	"encoding/json"
	"io"
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
			api := func(method, path string) (int, map[string]any) {
				req, _ := http.NewRequest(method, h.APIURL()+path, nil)
				req.Header.Set("Authorization", "token "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				var v map[string]any
				json.Unmarshal(data, &v)
				return resp.StatusCode, v
			}
			if _, v := api("GET", "/"); !strings.HasPrefix(v["version"].(string), want[r.Name]) {
				t.Fatalf("GET /hub/api: version %v, want %s*", v["version"], want[r.Name])
			}
			if code, _ := api("POST", "/users/alice"); code != http.StatusCreated {
				t.Fatalf("POST /users/alice: %d", code)
			}
			if code, _ := api("POST", "/users/alice/server"); code != http.StatusCreated && code != http.StatusAccepted {
				t.Fatalf("POST /users/alice/server: %d\n%s", code, Tail(h.Output()))
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				_, v := api("GET", "/users/alice")
				if s, _ := v["servers"].(map[string]any)[""].(map[string]any); s != nil && s["ready"] == true {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("alice's server was not ready within 60 s:\n%s", Tail(h.Output()))
				}
				time.Sleep(200 * time.Millisecond) // polling
			}
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
