package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
	"github.com/hubctl/hubctl/tokens"
)

// TestTokenRotateRevokeOnRealHubs is the proof on both releases: a
// rotated token is in the config and the keyring, the old one kept as
// NAME.previous; after a plain restart the Hub still takes the old token,
// and --confirm says so and fails; --revoke-old restarts the Hub without
// the service and then with it, after which the old token gets 403, the
// new one is the service, the block is byte for byte what the rotation
// wrote and NAME.previous is gone. No token appears in hubctl's output.
func TestTokenRotateRevokeOnRealHubs(t *testing.T) {
	t.Parallel()
	onEveryHub(t, func(t *testing.T, rel realhub.Release) { testTokenRotateRevoke(t, rel, false) })
}

// whoamiOf is GET /hub/api/user with token: the code and the identity.
func whoamiOf(t *testing.T, h *testHub, token string) (int, string) {
	t.Helper()
	code, data := h.API(token, http.MethodGet, "/user", "")
	var id struct{ Kind, Name string }
	if code == http.StatusOK {
		if err := json.Unmarshal(data, &id); err != nil {
			t.Fatalf("GET /user: %v: %s", err, data)
		}
	}
	return code, id.Kind + " " + id.Name
}

// restartScript asks the test to restart the Hub and waits until it has,
// as `systemctl restart` returns once the unit is started: it writes a
// request file and polls for the answer, within a deadline.
const restartScript = `#!/bin/sh
dir="$1"
n="$(date +%s%N)"
echo "$n" > "$dir/restart-request.tmp" && mv "$dir/restart-request.tmp" "$dir/restart-request"
i=0
while [ "$(cat "$dir/restart-done" 2>/dev/null)" != "$n" ]; do
	i=$((i + 1))
	if [ "$i" -gt 1800 ]; then echo "restart.sh: the test did not restart the Hub within 180 s" >&2; exit 1; fi
	sleep 0.1
done
echo "restart.sh: the Hub is up again"
`

// rotateCLI is how the test runs hubctl and reads its keyring: in-process
// with a memory keyring, or the binary with --insecure-storage (a Hub-managed
// service's command must be the real binary).
type rotateCLI struct {
	run func(args ...string) result
	get func(name string) string
}

func inProcessCLI(t *testing.T) rotateCLI {
	store := tokens.NewMemory()
	return rotateCLI{
		run: func(args ...string) result { return runCLI(t, store, "", args...) },
		get: func(name string) string { v, _ := store.Get(name); return v },
	}
}

func binaryCLI(t *testing.T, dir string) rotateCLI {
	env := envWithout([]string{"XDG_CONFIG_HOME"}, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"))
	run := func(args ...string) result {
		r := hubctl(t, env, append(args, "--insecure-storage")...)
		return result{r.stdout, r.stderr, r.code}
	}
	return rotateCLI{run: run, get: func(name string) string {
		r := run("token", "get", name)
		if r.code != 0 {
			return ""
		}
		return strings.TrimSuffix(r.stdout, "\n")
	}}
}

// TestTokenRotateRevokeManagedOnRealHubs is the sequence for a Hub-managed
// service (the cull-idle preset with a token of its own): the Hub stops it
// while it is out of the config and starts it again with the new token,
// whose cull passes succeed.
func TestTokenRotateRevokeManagedOnRealHubs(t *testing.T) {
	t.Parallel()
	onEveryHub(t, func(t *testing.T, rel realhub.Release) { testTokenRotateRevoke(t, rel, true) })
}

func testTokenRotateRevoke(t *testing.T, rel realhub.Release, managed bool) {
	dir := t.TempDir()
	config := filepath.Join(dir, "jupyterhub_config.py")
	writeFile(t, config, "c = get_config()  # noqa\n")
	vf := versionFlags(rel)
	cli, name, add := inProcessCLI(t), "rotor", []string{"service", "add", "rotor", "--token", "new", "--scope", "list:users"}
	if managed {
		cli, name, add = binaryCLI(t, dir), "cull-idle", []string{"service", "add", "cull-idle", "--admin", "--token", "new", "--timeout=600", "--cull-every=1"}
	}
	if r := cli.run(append(add, append([]string{"--config", config}, vf...)...)...); r.code != 0 {
		t.Fatalf("service add: %+v", r)
	}
	old := cli.get(name)
	if old == "" {
		t.Fatal("service add stored no token")
	}
	h := startTestHub(t, rel, dir, config, "", nil, 0)
	ports := h.Ports()
	if code, who := whoamiOf(t, h, old); code != http.StatusOK || who != "service "+name {
		t.Fatalf("before the rotation the token is %d %q, want 200 service %s", code, who, name)
	}

	noSecrets := func(what string, r result, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("%s printed a token:\n%s%s", what, r.stdout, r.stderr)
			}
		}
	}
	r := cli.run(append([]string{"token", "rotate", name, "--config", config}, vf...)...)
	t.Logf("$ hubctl token rotate %s\n%s%s", name, r.stdout, r.stderr)
	fresh, previous := cli.get(name), cli.get(name+".previous")
	if r.code != 0 || fresh == old || previous != old {
		t.Fatalf("rotate: exit %d, new token changed %t, previous is the old %t:\n%s", r.code, fresh != old, previous == old, r.stderr)
	}
	rotated := readFile(t, config)
	if !strings.Contains(rotated, fresh) || strings.Contains(rotated, old) {
		t.Fatalf("the config does not hold the new token alone:\n%s", rotated)
	}
	noSecrets("rotate", r, old, fresh)

	// A plain restart: the Hub adds the new token and keeps the old one.
	h.Stop()
	h = startTestHub(t, rel, dir, config, "", &ports, 1)
	r = cli.run("token", "rotate", name, "--confirm", "--config", config, "--url", h.APIURL())
	t.Logf("$ hubctl token rotate %s --confirm\n%s%s", name, r.stdout, r.stderr)
	if r.code != exitFailure || !strings.Contains(r.stderr, "but the old one too") || !strings.Contains(r.stderr, "--revoke-old") {
		t.Errorf("--confirm after a plain restart: exit %d, want 1 saying the old token is still valid:\n%s", r.code, r.stderr)
	}
	noSecrets("--confirm", r, old, fresh)
	for _, tok := range []string{old, fresh} {
		if code, who := whoamiOf(t, h, tok); code != http.StatusOK || who != "service "+name {
			t.Fatalf("after a plain restart a token is %d %q, want both to be service %s", code, who, name)
		}
	}
	if cli.get(name+".previous") != old {
		t.Errorf("a failed --confirm deleted %s.previous", name)
	}

	// --revoke-old, with a restart command that has the test restart the Hub.
	script := filepath.Join(dir, "restart.sh")
	if err := os.WriteFile(script, []byte(restartScript), 0o700); err != nil {
		t.Fatal(err)
	}
	done := make(chan result, 1)
	go func() {
		done <- cli.run(append([]string{"token", "rotate", name, "--revoke-old", "--yes", "--config", config, "--url", h.APIURL(),
			"--restart-command", "sh " + script + " " + dir, "--wait", "3m"}, vf...)...)
	}()
	run, handled, restarts := 1, "", 0
	deadline := time.Now().Add(8 * time.Minute)
	for r = (result{code: -1}); r.code == -1; {
		select {
		case r = <-done:
			continue
		case <-time.After(100 * time.Millisecond): // polling interval for the restart request
		}
		if time.Now().After(deadline) {
			t.Fatal("--revoke-old did not finish within 8 minutes")
		}
		req, err := os.ReadFile(filepath.Join(dir, "restart-request"))
		if err != nil || string(req) == handled {
			continue
		}
		handled, restarts = string(req), restarts+1
		if restarts == 1 && strings.Contains(readFile(t, config), "'"+name+"'") {
			t.Errorf("at the first restart the config still has service %s:\n%s", name, readFile(t, config))
		}
		h.Stop()
		run++
		h = startTestHub(t, rel, dir, config, "", &ports, run)
		if err := os.WriteFile(filepath.Join(dir, "restart-done.tmp"), req, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "restart-done.tmp"), filepath.Join(dir, "restart-done")); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("$ hubctl token rotate %s --revoke-old --yes --restart-command 'sh restart.sh DIR'\n%s%s", name, r.stdout, r.stderr)
	if r.code != 0 || restarts != 2 {
		t.Fatalf("--revoke-old: exit %d after %d restarts, want 0 after 2:\n%s", r.code, restarts, r.stderr)
	}
	noSecrets("--revoke-old", r, old, fresh)
	for _, step := range []string{"step 1/6", "step 2/6", "step 3/6", "step 4/6", "step 5/6", "step 6/6", "the rotation is confirmed"} {
		if !strings.Contains(r.stderr, step) {
			t.Errorf("--revoke-old did not say %q:\n%s", step, r.stderr)
		}
	}
	if code, _ := whoamiOf(t, h, old); code != http.StatusForbidden {
		t.Errorf("after --revoke-old the old token gets %d, want 403", code)
	}
	if code, who := whoamiOf(t, h, fresh); code != http.StatusOK || who != "service "+name {
		t.Errorf("after --revoke-old the new token is %d %q, want 200 service %s", code, who, name)
	}
	if got := readFile(t, config); got != rotated {
		t.Errorf("the block is not back as it was:\n--- want\n%s--- got\n%s", rotated, got)
	}
	if cli.get(name+".previous") != "" {
		t.Errorf("%s.previous is still in the keyring after the confirmed rotation", name)
	}
	if cli.get(name) != fresh {
		t.Errorf("the keyring's %s is not the new token", name)
	}
	if managed {
		if !strings.Contains(r.stderr, "is a Hub-managed service: the Hub stops its process") {
			t.Errorf("no word that the managed service is stopped while it is out:\n%s", r.stderr)
		}
		// The Hub started the culler again with the config's (new) token.
		h.WaitOutput("cull pass done", 30*time.Second)
		if strings.Contains(h.Output(), "cull pass failed") {
			t.Errorf("the culler's passes fail after the sequence:\n%s", realhub.Tail(h.Output()))
		}
	}
}
