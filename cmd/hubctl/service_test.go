package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/tokens"
)

func tempConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if content != "" {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestServiceAddCullIdle(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "c = get_config()\n")
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--timeout=1800", "--cull-users", "--hub-version", "3.0", "--config", path)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, want := range []string{"least-privilege role cull-idle-role", "delete:users", "added service \"cull-idle\"", "restart the Hub"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = runCLI(t, nil, "", "service", "show", "cull-idle", "--json", "--config", path)
	var v serviceView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if !v.Managed || v.Kind != "hub-managed" || len(v.Roles) != 1 || v.Roles[0].Name != "cull-idle-role" ||
		!strings.HasSuffix(strings.Join(v.Command, " "), "cull --timeout=1800 --cull-users=true") {
		t.Errorf("show: %+v", v)
	}
	// Before RBAC, --admin is 'admin': True.
	old := tempConfig(t, "")
	if r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "1.5.0", "--config", old); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if data, _ := os.ReadFile(old); !strings.Contains(string(data), "'admin': True") || strings.Contains(string(data), "load_roles") {
		t.Errorf("1.5 config:\n%s", data)
	}
}

func TestServiceAddTokens(t *testing.T) {
	t.Parallel()
	store := tokens.NewMemory()
	path := tempConfig(t, "c = get_config()\n")
	r := runCLI(t, store, "", "service", "add", "ext", "--url", "http://127.0.0.1:9000", "--scope", "read:users", "--hub-version", "3.0", "--config", path)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	tok, err := store.Get("ext")
	if err != nil || len(tok) != 64 {
		t.Fatalf("keyring: %q %v", tok, err)
	}
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Error("service add printed the token")
	}
	data, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if !strings.Contains(string(data), tok) || st.Mode().Perm() != 0o600 || !strings.Contains(r.stderr, "its mode is 0600") {
		t.Errorf("literal token: mode %v, stderr %q", st.Mode(), r.stderr)
	}
	// show and list never print the token, only its last four characters.
	r = runCLI(t, store, "", "service", "list", "--config", path)
	if strings.Contains(r.stdout, tok) || !strings.Contains(r.stdout, "…"+tok[60:]) {
		t.Errorf("list: %q", r.stdout)
	}
	// --token keyring reuses it; --token env keeps it out of the file.
	if r := runCLI(t, store, "", "service", "add", "ext", "--replace", "--token", "keyring", "--url", "http://127.0.0.1:9000", "--hub-version", "3.0", "--config", path); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), tok) || strings.Contains(string(data), "read:users") {
		t.Errorf("after --replace --token keyring:\n%s", data)
	}
	if r := runCLI(t, store, "", "service", "add", "ext", "--replace", "--token", "env", "--url", "http://127.0.0.1:9000", "--hub-version", "3.0", "--config", path); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), tok) || !strings.Contains(string(data), "_hubctl_os.environ['HUBCTL_TOKEN_EXT']") {
		t.Errorf("after --token env:\n%s", data)
	}
	if r := runCLI(t, tokens.NewMemory(), "", "service", "add", "other", "--token", "keyring", "--url", "http://x:1", "--hub-version", "3.0", "--config", path); r.code != 1 ||
		!strings.Contains(r.stderr, `no token named "other"`) {
		t.Errorf("--token keyring without one: %+v", r)
	}
}

func TestServiceAddErrors(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "c = get_config()\n")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"Bad_Name"}, 2, "service name"},
		{[]string{"x", "--url", "ftp://x"}, 2, "--url: \"ftp://x\" is not an http(s) URL"},
		{[]string{"x", "--url", "http://x:1", "--oauth-client-id", "client-x"}, 2, "--oauth-client-id: \"client-x\" must start with \"service-\""},
		{[]string{"x", "--url", "http://x:1", "--scope", "read:nonsense"}, 2, "--scope:"},
		{[]string{"x", "--url", "http://x:1", "--scope", "read:users", "--admin"}, 2, "--admin and --scope"},
		{[]string{"x", "--command", "'unterminated"}, 2, "--command: unterminated single quote"},
		{[]string{"x", "--env", "NOEQUALS", "--command", "x"}, 2, "--env \"NOEQUALS\": want KEY=VALUE"},
		{[]string{"x", "--timeout=5"}, 2, "--timeout is for the cull-idle preset only"},
		{[]string{"x", "--token", "maybe", "--url", "http://x:1"}, 2, "--token \"maybe\""},
		{[]string{"x", "--display", "--no-display", "--url", "http://x:1"}, 2, "contradict"},
		{[]string{"x", "--command", "y", "--hub-version", "banana"}, 2, "--hub-version"},
		{[]string{"x", "--scope", "read:users", "--command", "y", "--hub-version", "1.5"}, 2, "has no roles or scopes"},
		{[]string{"x", "--service-timeout", "30", "--command", "y"}, 2, "--service-timeout: JupyterHub 3.0.0 does not accept the service key \"timeout\""},
		{[]string{"x", "--oauth-scope", "read:users", "--command", "y", "--hub-version", "2.3"}, 2, "--oauth-scope: JupyterHub 2.3.0 does not accept"},
		{[]string{"x", "--oauth-scope", "bogus", "--command", "y"}, 2, "--oauth-scope:"},
		// 6.0's timeout is an Integer trait; 5.x refuses OAuth without a redirect.
		{[]string{"x", "--service-timeout", "2.5", "--url", "http://x:1", "--hub-version", "6.0.0b2"}, 2, "--service-timeout: 2.5 is not a whole number"},
		{[]string{"x", "--oauth-client-id", "service-x", "--token", "none", "--command", "y", "--hub-version", "5.2"}, 2, "--oauth-client-id: without a url or an oauth_redirect_uri, JupyterHub 5.2.0 refuses to start"},
		{[]string{"x", "--oauth-no-confirm", "--token", "none", "--command", "y", "--hub-version", "5.2"}, 2, "--oauth-no-confirm: without a url"},
	} {
		args := append([]string{"service", "add"}, tt.args...)
		args = append(args, "--config", path)
		if !strings.Contains(strings.Join(tt.args, " "), "--hub-version") {
			args = append(args, "--hub-version", "3.0")
		}
		r := runCLI(t, tokens.NewMemory(), "", args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "c = get_config()\n" {
		t.Errorf("a refused add changed the file:\n%s", data)
	}
	// A second add of the same name needs --replace.
	runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	if r.code != 2 || !strings.Contains(r.stderr, "already has a service named \"cull-idle\"") || !strings.Contains(r.stderr, "--replace") {
		t.Errorf("second add: %+v", r)
	}
}

func TestServiceCommandSplitting(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "")
	r := runCLI(t, nil, "", "service", "add", "svc", "--command", `python3 -m "my svc" --opt='a b' x\ y`, "--arg", "it's \"quoted\"", "--arg", "--flag=1",
		"--env", "A=1=2", "--info", "k=v", "--no-display", "--hub-version", "3.0", "--config", path)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r = runCLI(t, nil, "", "service", "show", "svc", "--json", "--config", path)
	var v serviceView
	_ = json.Unmarshal([]byte(r.stdout), &v)
	want := []string{"python3", "-m", "my svc", "--opt=a b", "x y", `it's "quoted"`, "--flag=1"}
	if strings.Join(v.Command, "|") != strings.Join(want, "|") {
		t.Errorf("command %q, want %q", v.Command, want)
	}
}

func TestServiceDryRunAndRemove(t *testing.T) {
	t.Parallel()
	orig := "c = get_config()\n# keep me\n"
	path := tempConfig(t, orig)
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--dry-run", "--hub-version", "3.0", "--config", path)
	if r.code != 0 || !strings.Contains(r.stdout, "+# >>> hubctl managed block >>>") || !strings.Contains(r.stdout, " # keep me") {
		t.Fatalf("dry run: %+v", r)
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Fatal("--dry-run changed the file")
	}
	runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	r = runCLI(t, nil, "", "config", "render", "--config", path)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# >>> hubctl managed block >>>") || !strings.Contains(r.stdout, "cull-idle-role") {
		t.Errorf("render: %+v", r)
	}
	r = runCLI(t, nil, "", "service", "remove", "cull-idle", "--config", path)
	if r.code != 0 || !strings.Contains(r.stderr, "deletes the service and its tokens at its next restart") {
		t.Errorf("remove: %+v", r)
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Errorf("after remove:\n%q", data)
	}
	if r := runCLI(t, nil, "", "service", "remove", "cull-idle", "--config", path); r.code != 1 {
		t.Errorf("removing twice: %+v", r)
	}
}

// TestServiceAddCrash kills `hubctl service add` at random moments of its
// write; the config must always be the old file or the new one, whole.
func TestServiceAddCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	// A big config makes the write long enough to be hit.
	var big bytes.Buffer
	big.WriteString("c = get_config()\n")
	for big.Len() < 4<<20 {
		big.WriteString("# padding padding padding padding padding padding padding padding\n")
	}
	old := big.Bytes()
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	// The new content, from an uninterrupted run on a copy.
	copyPath := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	_ = os.WriteFile(copyPath, old, 0o644)
	args := []string{"service", "add", "cull-idle", "--admin", "--hub-version", "3.0"}
	window := time.Hour
	for i := 0; i < 3; i++ {
		_ = os.WriteFile(copyPath, old, 0o644)
		start := time.Now()
		if out, err := exec.Command(hubctlBin, append(args, "--config", copyPath)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		window = min(window, time.Since(start))
	}
	// Kill times spread over the whole of an uninterrupted run.
	newData, _ := os.ReadFile(copyPath)
	rng := rand.New(rand.NewPCG(1, 2))
	sawOld, sawNew := 0, 0
	for i := 0; i < 30; i++ {
		_ = os.WriteFile(path, old, 0o644)
		cmd := exec.Command(hubctlBin, append(args, "--config", path)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Not a wait: a random moment within the run to kill it at.
		time.Sleep(time.Duration(rng.Int64N(int64(window))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		got, _ := os.ReadFile(path)
		switch {
		case bytes.Equal(got, old):
			sawOld++
		case bytes.Equal(got, newData):
			sawNew++
		default:
			t.Fatalf("run %d left a file of %d bytes that is neither the old (%d) nor the new (%d)", i, len(got), len(old), len(newData))
		}
	}
	t.Logf("killed 30 runs: %d left the old file, %d the new one", sawOld, sawNew)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Logf("a killed run left its temp file %s (harmless; never read)", e.Name())
		}
	}
}

// failingStore is a keyring that cannot be reached.
type failingStore struct{ tokens.Memory }

func (f *failingStore) List() ([]string, error) { return nil, errors.New("no D-Bus session bus") }
func (f *failingStore) String() string          { return "the keyring" }

// TestServiceAddKeyringDownWritesNothing: with --token new and no keyring,
// the config is left alone rather than given a token nobody kept.
func TestServiceAddKeyringDownWritesNothing(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "c = get_config()\n")
	r := runCLI(t, &failingStore{}, "", "service", "add", "ext", "--url", "http://127.0.0.1:9000", "--hub-version", "3.0", "--config", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, "no D-Bus session bus") {
		t.Errorf("%+v", r)
	}
	if data, _ := os.ReadFile(path); string(data) != "c = get_config()\n" {
		t.Errorf("the config was written:\n%s", data)
	}
}

// TestServiceAddConcurrent runs eight `hubctl service add` at once on one
// config: the lock serialises them, so no run loses another's service.
func TestServiceAddConcurrent(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "c = get_config()\n")
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			cmd := exec.Command(hubctlBin, "service", "add", fmt.Sprintf("svc%d", i), "--url", fmt.Sprintf("http://127.0.0.1:%d", 9000+i),
				"--token", "env", "--hub-version", "3.0", "--config", path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				err = fmt.Errorf("svc%d: %v: %s", i, err, out)
			}
			errs <- err
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	r := runCLI(t, nil, "", "service", "list", "--json", "--config", path)
	var views []serviceView
	if err := json.Unmarshal([]byte(r.stdout), &views); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if len(views) != n {
		t.Errorf("%d services after %d concurrent adds: %+v", len(views), n, views)
	}
}

func TestServiceAddCullIdleCullURL(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "c = get_config()\n")
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--cull-url", "http://localhost:8081/hub/api", "--hub-version", "5.2", "--config", path)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r = runCLI(t, nil, "", "service", "show", "cull-idle", "--json", "--config", path)
	var v serviceView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if !strings.HasSuffix(strings.Join(v.Command, " "), " cull --timeout=3600 --url=http://localhost:8081/hub/api") || v.URL != "" {
		t.Errorf("show: %+v", v)
	}
	for _, args := range [][]string{
		{"grader", "--command", "grader", "--cull-url", "http://localhost:8081/hub/api"},
		{"cull-idle", "--external", "--cull-url", "http://localhost:8081/hub/api"},
		{"cull-idle", "--cull-url", "localhost:8081"},
	} {
		p := tempConfig(t, "c = get_config()\n")
		r := runCLI(t, nil, "", append(append([]string{"service", "add"}, args...), "--hub-version", "5.2", "--config", p)...)
		if data, _ := os.ReadFile(p); r.code != exitUsage || !strings.Contains(r.stderr, "--cull-url") || string(data) != "c = get_config()\n" {
			t.Errorf("%q: %+v", args, r)
		}
	}
}
