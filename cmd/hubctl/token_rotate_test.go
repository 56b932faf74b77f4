package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/tokens"
)

// rotorService writes a config with service rotor (a literal token, or
// the env form) and returns it with the keyring.
func rotorService(t *testing.T, mode string) (string, *tokens.Memory) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	writeFile(t, path, "c = get_config()  # noqa\n")
	store := tokens.NewMemory()
	if mode == "env" {
		_ = store.Set("rotor", "envtoken0000000000000000000000000000000000000000000000000000000a")
	}
	if r := runCLI(t, store, "", "service", "add", "rotor", "--config", path, "--hub-version", "3.0.0", "--token", mode, "--scope", "list:users"); r.code != 0 {
		t.Fatalf("service add: %+v", r)
	}
	return path, store
}

func storeValue(s tokens.Store, name string) string {
	v, _ := s.Get(name)
	return v
}

func TestTokenRotateAndConfirm(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "new")
	old := storeValue(store, "rotor")
	before := readFile(t, path)

	r := runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "-        'api_token': '…"+old[len(old)-4:]+"',") ||
		!strings.Contains(r.stdout, "+        'api_token': '…") || strings.Contains(r.stdout+r.stderr, old) {
		t.Errorf("--dry-run: exit %d, want a diff with the tokens masked:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if names, _ := store.List(); readFile(t, path) != before || !slices.Equal(names, []string{"rotor"}) {
		t.Errorf("--dry-run changed something: %v", names)
	}

	r = runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0")
	fresh := storeValue(store, "rotor")
	if r.code != 0 || fresh == old || storeValue(store, "rotor.previous") != old || !strings.Contains(readFile(t, path), fresh) {
		t.Fatalf("rotate: %+v", r)
	}
	if strings.Contains(r.stdout+r.stderr, fresh) || strings.Contains(r.stdout+r.stderr, old) || !strings.Contains(r.stderr, "--confirm") || !strings.Contains(r.stderr, "--revoke-old") {
		t.Errorf("rotate printed a token or no next step:\n%s", r.stderr)
	}

	fh := fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	r = runCLI(t, store, "", "token", "rotate", "rotor", "--verify", "--config", path, "--url", fh.URL())
	if r.code != exitFailure || !strings.Contains(r.stderr, "does not accept the new token") {
		t.Errorf("--verify before the restart: %+v", r)
	}
	fh.AddToken(fresh, fakehub.Owner{Kind: "service", Name: "rotor"})
	fh.AddToken(old, fakehub.Owner{Kind: "service", Name: "rotor"})
	r = runCLI(t, store, "", "token", "rotate", "rotor", "--confirm", "--config", path, "--url", fh.URL())
	if r.code != exitFailure || !strings.Contains(r.stderr, "JupyterHub 3.0.0 only adds a token") || !strings.Contains(r.stderr, "hubctl: hint: `hubctl token rotate rotor --revoke-old") {
		t.Errorf("--confirm with the old token still valid: %+v", r)
	}
	fh.RemoveToken(old)
	r = runCLI(t, store, "", "token", "rotate", "rotor", "--confirm", "--config", path, "--url", fh.URL())
	if r.code != 0 || !strings.Contains(r.stderr, "the rotation is confirmed") || storeValue(store, "rotor.previous") != "" {
		t.Errorf("--confirm: %+v", r)
	}
	if strings.Contains(r.stdout+r.stderr, fresh) || strings.Contains(r.stdout+r.stderr, old) {
		t.Errorf("--confirm printed a token:\n%s", r.stderr)
	}
}

func TestTokenRotateEnvFormSaysWhatTheAdminMustChange(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "env")
	before := readFile(t, path)
	r := runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0")
	if r.code != 0 || readFile(t, path) != before || storeValue(store, "rotor.previous") == "" {
		t.Fatalf("env form: %+v", r)
	}
	if !strings.Contains(r.stderr, "the token is not rotated yet") || !strings.Contains(r.stderr, "Set HUBCTL_TOKEN_ROTOR to the new token") || strings.Contains(r.stderr, "rotated the token") {
		t.Errorf("env form: want what the admin must change, and no claim of a rotation:\n%s", r.stderr)
	}
	// --revoke-old needs the new token in the Hub's environment first; here
	// the rotation is pending, so the sequence would run: not without --yes.
	r = runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--revoke-old", "--restart-command", "true")
	if r.code != exitUsage || !strings.Contains(r.stderr, "pass --yes") || readFile(t, path) != before {
		t.Errorf("--revoke-old without --yes: %+v", r)
	}
}

func TestTokenRotateUsageErrors(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "new")
	before := readFile(t, path)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--revoke-old"}, "--revoke-old needs --restart-command"},
		{[]string{"--confirm", "--revoke-old", "--restart-command", "true"}, "--revoke-old confirms at its end"},
		{[]string{"--restart-command", "true"}, "--restart-command is for --revoke-old"},
		{[]string{"--confirm", "--dry-run"}, "--dry-run is for the rotation itself"},
		{[]string{"--yes"}, "--yes is for --revoke-old"},
		{[]string{"--revoke-old", "--restart-command", "'unterminated"}, "--restart-command:"},
		{[]string{"--wait", "soon"}, `--wait "soon" is not a duration`},
		{[]string{"--revoke-old", "--restart-command", "true"}, "pass --yes"},
	} {
		r := runCLI(t, store, "", append([]string{"token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0"}, tt.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tt.args, r.code, tt.want, r.stderr)
		}
	}
	if names, _ := store.List(); readFile(t, path) != before || !slices.Equal(names, []string{"rotor"}) {
		t.Errorf("a refused command changed something: %v", names)
	}
}

// TestTokenRotateRevokeOldRestartFails runs the sequence with a restart
// command that fails: the service is back in the block, and the
// error says where it stopped and what the keyring holds.
func TestTokenRotateRevokeOldRestartFails(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "new")
	fh := fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	r := runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0")
	if r.code != 0 {
		t.Fatal(r)
	}
	rotated := readFile(t, path)
	r = runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--url", fh.URL(),
		"--revoke-old", "--yes", "--restart-command", "false")
	if r.code != exitFailure || !strings.Contains(r.stderr, "stopped at step 2/6") || !strings.Contains(r.stderr, `service "rotor" is back in`) ||
		!strings.Contains(r.stderr, `the old as "rotor.previous"`) {
		t.Errorf("a failing restart command: %+v", r)
	}
	if readFile(t, path) != rotated {
		t.Errorf("the block is not back as it was:\n%s", readFile(t, path))
	}
}

func TestTokenRotateRestartEnvironHasNoToken(t *testing.T) {
	t.Parallel()
	got := restartEnviron([]string{"PATH=/usr/bin", "JUPYTERHUB_API_TOKEN=x", "HUBCTL_TOKEN_ROTOR=y", "JPY_API_TOKEN=z", "HOME=/root"})
	if !slices.Equal(got, []string{"PATH=/usr/bin", "HOME=/root"}) {
		t.Errorf("restartEnviron: %q", got)
	}
}

// rotatedWithBinary is the fixture of the tests that run the binary: in
// dir, a config whose service rotor hubctl has rotated (its file store,
// under XDG_CONFIG_HOME in env, holds rotor and rotor.previous), the
// config's text after the rotation, and a fake Hub that knows neither token.
func rotatedWithBinary(t *testing.T) (dir, path string, env []string, rotated string, fh *fakehub.Hub) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "jupyterhub_config.py")
	writeFile(t, path, "c = get_config()  # noqa\n")
	env = envWithout([]string{"XDG_CONFIG_HOME"}, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	for _, args := range [][]string{
		{"service", "add", "rotor", "--token", "new", "--scope", "list:users"},
		{"token", "rotate", "rotor"},
	} {
		if r := hubctl(t, env, append(args, "--config", path, "--hub-version", "3.0.0", "--insecure-storage")...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	fh = fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	return dir, path, env, readFile(t, path), fh
}

// TestTokenRotateRevokeOldEndsOnSignal: a SIGTERM while the restart command
// runs ends hubctl within two seconds with 143, after it has put the
// service back into the block, with the old token still in the keyring.
func TestTokenRotateRevokeOldEndsOnSignal(t *testing.T) {
	t.Parallel()
	_, path, env, rotated, fh := rotatedWithBinary(t)
	cmd := exec.Command(hubctlBin, "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--insecure-storage",
		"--url", fh.URL(), "--revoke-old", "--yes", "--restart-command", "sleep 60")
	cmd.Env = env
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	code, took := signalWhen(t, cmd, syscall.SIGTERM, func() bool { return strings.Contains(stderr.String(), "step 2/6") })
	if code != 143 || took > 2*time.Second {
		t.Errorf("exit %d after %s, want 143 within 2s:\n%s", code, took, stderr)
	}
	if !strings.Contains(stderr.String(), "stopped at step 2/6") || !strings.Contains(stderr.String(), `service "rotor" is back in`) {
		t.Errorf("no word of where it stopped:\n%s", stderr)
	}
	if readFile(t, path) != rotated {
		t.Errorf("the block is not back as it was:\n%s", readFile(t, path))
	}
	if r := hubctl(t, env, "token", "list", "--insecure-storage"); !strings.Contains(r.stdout, "rotor.previous") {
		t.Errorf("the old token is gone from the keyring: %+v", r)
	}
}

// TestTokenRotateRevokeOldAsksOnATerminal: without --yes, on a terminal,
// hubctl asks before the first restart; "n" changes nothing and runs no
// command, "y" starts the sequence.
func TestTokenRotateRevokeOldAsksOnATerminal(t *testing.T) {
	t.Parallel()
	dir, path, env, rotated, fh := rotatedWithBinary(t)
	marker := filepath.Join(dir, "restarted")
	for _, answer := range []string{"n", "y"} {
		master, slave := openPTY(t)
		cmd := exec.Command(hubctlBin, "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--insecure-storage",
			"--url", fh.URL(), "--revoke-old", "--restart-command", "touch "+marker)
		cmd.Env, cmd.Stdin = env, slave
		stderr := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = io.Discard, stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stderr.String(), "Restart the Hub twice now? [y/N]") {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("no question within 10s:\n%s", stderr)
			}
			time.Sleep(10 * time.Millisecond) // polling interval of the deadline above
		}
		if _, err := master.Write([]byte(answer + "\n")); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		master.Close()
		slave.Close()
		_, err := os.Stat(marker)
		switch answer {
		case "n":
			if !strings.Contains(stderr.String(), "not confirmed; nothing was changed") || err == nil || readFile(t, path) != rotated {
				t.Errorf("answer n: the restart command ran %t, the config changed %t:\n%s", err == nil, readFile(t, path) != rotated, stderr)
			}
		case "y":
			// The fake Hub never learns the new token: the sequence
			// stops at its confirmation, with the service in the block.
			if err != nil || !strings.Contains(stderr.String(), "stopped at step 6/6") || readFile(t, path) != rotated {
				t.Errorf("answer y: the restart command ran %t, the config is back %t:\n%s", err == nil, readFile(t, path) == rotated, stderr)
			}
		}
	}
}

// TestTokenRotateRevokeOldRotatesFirst: with no rotation pending,
// --revoke-old rotates first, so the sequence has an old token to revoke.
func TestTokenRotateRevokeOldRotatesFirst(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "new")
	old := storeValue(store, "rotor")
	fh := fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	r := runCLI(t, store, "", "token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--url", fh.URL(),
		"--revoke-old", "--yes", "--restart-command", "false")
	fresh := storeValue(store, "rotor")
	if r.code != exitFailure || !strings.Contains(r.stderr, `rotated the token of service "rotor"`) || !strings.Contains(r.stderr, "stopped at step 2/6") {
		t.Errorf("--revoke-old with nothing pending: %+v", r)
	}
	if fresh == old || storeValue(store, "rotor.previous") != old || !strings.Contains(readFile(t, path), fresh) {
		t.Errorf("want the rotation done and the service back with the new token:\n%s", readFile(t, path))
	}
}

// TestTokenRotateConnectsAsTheOtherCommands: --confirm and --revoke-old
// reach the Hub through hubFlags' connection (hubConnConfig), so they read
// JUPYTERHUB_REQUEST_TIMEOUT and take --ssl-enabled.
func TestTokenRotateConnectsAsTheOtherCommands(t *testing.T) {
	t.Parallel()
	path, store := rotorService(t, "new")
	for _, tt := range []struct {
		environ map[string]string
		args    []string
		want    string
	}{
		{map[string]string{"JUPYTERHUB_REQUEST_TIMEOUT": "soon"}, []string{"--confirm"}, `JUPYTERHUB_REQUEST_TIMEOUT="soon" is not a positive number`},
		{nil, []string{"--confirm", "--ssl-enabled"}, "internal TLS needs an https:// URL"},
		{nil, []string{"--revoke-old", "--yes", "--restart-command", "true", "--ssl-enabled"}, "internal TLS needs an https:// URL"},
	} {
		args := append([]string{"token", "rotate", "rotor", "--config", path, "--hub-version", "3.0.0", "--url", "http://127.0.0.1:1/hub/api"}, tt.args...)
		r := runCLIEnv(t, store, tt.environ, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: %+v, want a usage error with %q", tt.args, r, tt.want)
		}
	}
}
