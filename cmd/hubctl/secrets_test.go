package main

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hubctl/hubctl/tokens"
)

// Tokens a config may hold: an api_tokens key, a hand-written service's
// token, one written with an escape (its text in the file is not the value),
// and one behind a raw-string prefix.
const (
	tokAPITokens = "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a1b2"
	tokHand      = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0c3d4"
	tokEscaped   = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0e5f6"
	tokRaw       = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0a7b8"
	tokKeyring   = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e09c0d"
)

// handWrittenTokens is a config whose last lines (the diff's context when
// hubctl adds its block) hold every kind of literal token.
var handWrittenTokens = "c = get_config()\n" +
	"c.JupyterHub.api_tokens = {'" + tokAPITokens + "': 'alice'}\n" +
	"c.JupyterHub.services = [{'name': 'hand', 'api_token': '" + tokHand + "'}, {'name': 'esc', 'api_token': '\\x63" + tokEscaped[1:] + "'},\n" +
	"    {'name': 'raw', 'api_token': r'" + tokRaw + "'}]\n"

// hexRun is anything that looks like a whole or half token.
var hexRun = regexp.MustCompile(`[0-9a-f]{24,}`)

func assertNoTokens(t *testing.T, what string, r result, secrets ...string) {
	t.Helper()
	out := r.stdout + r.stderr
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s printed the token …%s:\n%s", what, s[len(s)-4:], out)
		}
	}
	if m := hexRun.FindString(out); m != "" {
		t.Errorf("%s printed %q, part of a token:\n%s", what, m, out)
	}
}

// TestDryRunMasksTokens: a dry run's diff shows each literal token, on
// either side and in the context around the block, as its last four
// characters only, whatever --token says.
func TestDryRunMasksTokens(t *testing.T) {
	t.Parallel()
	all := []string{tokAPITokens, tokHand, tokEscaped, tokRaw, tokKeyring}
	for _, mode := range []string{"new", "keyring", "env", "none"} {
		store := tokens.NewMemory()
		_ = store.Set("svc", tokKeyring)
		path := tempConfig(t, handWrittenTokens)
		args := []string{"service", "add", "svc", "--url", "http://127.0.0.1:9000", "--token", mode, "--dry-run", "--hub-version", "3.0", "--config", path}
		r := runCLI(t, store, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "+# >>> hubctl managed block >>>") {
			t.Fatalf("--token %s: %+v", mode, r)
		}
		assertNoTokens(t, "--token "+mode+" --dry-run", r, all...)
		// The context lines hold the hand-written tokens, masked.
		for _, want := range []string{" c.JupyterHub.api_tokens = {'…a1b2'", "'api_token': '…c3d4'", "'api_token': '…e5f6'", "'api_token': '…a7b8'"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("--token %s: the diff lacks %q:\n%s", mode, want, r.stdout)
			}
		}
		switch mode {
		case "keyring":
			if !strings.Contains(r.stdout, "+        'api_token': '…9c0d',") {
				t.Errorf("--token keyring: the diff does not show the token masked:\n%s", r.stdout)
			}
		case "new":
			if !regexp.MustCompile(`\+        'api_token': '…[0-9a-f]{4}',`).MatchString(r.stdout) {
				t.Errorf("--token new: the diff does not show the token masked:\n%s", r.stdout)
			}
		}
		if data, _ := os.ReadFile(path); string(data) != handWrittenTokens {
			t.Errorf("--token %s: --dry-run changed the file", mode)
		}
	}
}

// TestDryRunRemoveMasksTokens: removing or replacing a service with a literal
// token shows that token masked on the removed side.
func TestDryRunRemoveMasksTokens(t *testing.T) {
	t.Parallel()
	store := tokens.NewMemory()
	path := tempConfig(t, handWrittenTokens)
	if r := runCLI(t, store, "", "service", "add", "old", "--url", "http://127.0.0.1:9000", "--hub-version", "3.0", "--config", path); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	old, err := store.Get("old")
	if err != nil {
		t.Fatal(err)
	}
	_ = store.Set("old", tokKeyring)
	for _, args := range [][]string{
		{"service", "remove", "old", "--dry-run"},
		{"service", "add", "old", "--replace", "--url", "http://127.0.0.1:9000", "--token", "keyring", "--dry-run"},
		{"service", "add", "old", "--replace", "--url", "http://127.0.0.1:9000", "--token", "env", "--dry-run"},
		{"service", "add", "old", "--replace", "--url", "http://127.0.0.1:9000", "--token", "new", "--dry-run"},
		{"service", "add", "other", "--url", "http://127.0.0.1:9001", "--token", "keyring", "--dry-run"},
	} {
		_ = store.Set("other", tokKeyring)
		r := runCLI(t, store, "", append(args, "--hub-version", "3.0", "--config", path)...)
		if r.code != 0 || r.stdout == "" {
			t.Fatalf("%q: %+v", args, r)
		}
		assertNoTokens(t, strings.Join(args, " "), r, old, tokKeyring, tokAPITokens, tokHand, tokEscaped, tokRaw)
		if args[1] == "remove" && !strings.Contains(r.stdout, "-        'api_token': '…"+old[len(old)-4:]+"',") {
			t.Errorf("remove: the removed token is not shown masked:\n%s", r.stdout)
		}
	}
}

// renderConfig is a config whose block has two services with literal
// tokens, one reading its token from the environment and one without.
func renderConfig(t *testing.T) (path string, store tokens.Store) {
	t.Helper()
	store = tokens.NewMemory()
	path = tempConfig(t, "c = get_config()\n")
	for _, args := range [][]string{
		{"lit1", "--url", "http://127.0.0.1:9001"}, {"lit2", "--url", "http://127.0.0.1:9002"},
		{"fromenv", "--url", "http://127.0.0.1:9003", "--token", "env"}, {"notoken", "--command", "prog"},
	} {
		if r := runCLI(t, store, "", append(append([]string{"service", "add"}, args...), "--hub-version", "3.0", "--config", path)...); r.code != 0 {
			t.Fatalf("%q: %+v", args, r)
		}
	}
	return path, store
}

// TestConfigRenderWarnsOfTokens: render to stdout says, in one line, how
// many services' literal tokens its output holds.
func TestConfigRenderWarnsOfTokens(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	tok1, _ := store.Get("lit1")
	for _, tt := range []struct {
		args  []string
		count string // "" for no warning
	}{
		{[]string{"--format", "helm"}, "2 services"},
		{[]string{"--format", "python"}, "2 services"},
		{nil, "2 services"},
		{[]string{"--format", "helm", "--service", "lit1"}, "1 service"},
		{[]string{"--format", "helm", "--service", "fromenv", "--service", "notoken"}, ""},
		{[]string{"--service", "notoken"}, ""},
	} {
		r := runCLI(t, nil, "", append(append([]string{"config", "render"}, tt.args...), "--config", path)...)
		if r.code != 0 || r.stdout == "" {
			t.Fatalf("%q: %+v", tt.args, r)
		}
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		switch {
		case tt.count == "" && r.stderr != "":
			t.Errorf("%q: stderr %q, want nothing", tt.args, r.stderr)
		case tt.count != "" && (len(lines) != 1 || !strings.HasPrefix(lines[0], "hubctl: warning: ") ||
			!strings.Contains(lines[0], "literal tokens of "+tt.count+";") || !strings.Contains(lines[0], "--output FILE")):
			t.Errorf("%q: stderr %q, want one warning line naming %s and --output FILE", tt.args, r.stderr, tt.count)
		}
		if strings.Contains(r.stderr, tok1) {
			t.Errorf("%q: the warning holds the token", tt.args)
		}
	}
}

// TestConfigRenderOutput: --output writes a new file of mode 0600 owned by
// the caller, whatever was at that path: a file of another user, a wider
// mode, or a symlink (which is replaced, its target left alone).
func TestConfigRenderOutput(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	tok1, _ := store.Get("lit1")
	dir := t.TempDir()
	planted := dir + "/planted.yaml"
	_ = os.WriteFile(planted, []byte("old\n"), 0o666)
	_ = os.Chmod(planted, 0o666)
	if os.Getuid() == 0 {
		if err := os.Chown(planted, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	target := dir + "/target"
	_ = os.WriteFile(target, []byte("target\n"), 0o644)
	link := dir + "/link.yaml"
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ format, out string }{{"helm", dir + "/new.yaml"}, {"python", dir + "/new.py"}, {"helm", planted}, {"helm", link}} {
		r := runCLI(t, nil, "", "config", "render", "--format", tt.format, "--output", tt.out, "--config", path)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("--output %s: %+v", tt.out, r)
		}
		if !strings.Contains(r.stderr, "wrote "+tt.out) || !strings.Contains(r.stderr, "0600") || strings.Contains(r.stderr, tok1) {
			t.Errorf("--output %s: stderr %q", tt.out, r.stderr)
		}
		st, err := os.Lstat(tt.out)
		if err != nil {
			t.Fatal(err)
		}
		owner := st.Sys().(*syscall.Stat_t)
		if !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 || int(owner.Uid) != os.Getuid() {
			t.Errorf("--output %s: mode %v, owner %d; want a regular file, 0600, %d", tt.out, st.Mode(), owner.Uid, os.Getuid())
		}
		if data, _ := os.ReadFile(tt.out); !strings.Contains(string(data), tok1) {
			t.Errorf("--output %s does not hold the rendering:\n%s", tt.out, data)
		}
	}
	if data, _ := os.ReadFile(target); string(data) != "target\n" {
		t.Errorf("the symlink's target was written: %q", data)
	}
	if r := runCLI(t, nil, "", "config", "render", "--output", dir, "--config", path); r.code != exitUsage || !strings.Contains(r.stderr, "--output "+dir+": a directory") {
		t.Errorf("--output DIR: %+v", r)
	}
	before, _ := os.ReadFile(path)
	if err := os.Symlink(path, dir+"/config-link.py"); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{path, dir + "/config-link.py"} {
		r := runCLI(t, nil, "", "config", "render", "--output", out, "--config", path)
		if after, _ := os.ReadFile(path); r.code != exitUsage || !strings.Contains(r.stderr, "is the config itself") || string(after) != string(before) {
			t.Errorf("--output %s (the config): %+v", out, r)
		}
	}
}

// TestConfigRenderMissingFile: rendering (or listing, or showing) a config
// that is not there is an error naming it, not an empty rendering.
func TestConfigRenderMissingFile(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct {
		args []string
		name string
	}{
		{[]string{"config", "render"}, "jupyterhub_config.py"}, {[]string{"config", "render", "--config", "nope.py"}, "nope.py"},
		{[]string{"config", "render", "--format", "helm", "--config", "nope.py"}, "nope.py"},
		{[]string{"service", "list"}, "jupyterhub_config.py"}, {[]string{"service", "list", "--json", "--config", "nope.py"}, "nope.py"},
		{[]string{"service", "show", "x", "--config", "nope.py"}, "nope.py"},
	} {
		r := runCLI(t, nil, "", tt.args...)
		if r.code != exitFailure || r.stdout != "" || !strings.HasPrefix(r.stderr, "hubctl: error: "+tt.name+": no such file\n") {
			t.Errorf("%q: %+v", tt.args, r)
		}
	}
	if _, err := os.Stat("nope.py"); err == nil {
		t.Error("render created the file")
	}
}

// TestServiceAddEnvVarCollision: a-b, a.b and a_b would all read
// HUBCTL_TOKEN_A_B, so two services would share one token (and the Hub gives
// it to one of them only): the second is refused, naming the first.
func TestServiceAddEnvVarCollision(t *testing.T) {
	t.Parallel()
	add := func(path string, args ...string) result {
		return runCLI(t, nil, "", append(append([]string{"service", "add"}, args...), "--url", "http://127.0.0.1:9000", "--hub-version", "3.0", "--config", path)...)
	}
	path := tempConfig(t, "")
	if r := add(path, "a-b", "--token", "env"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, name := range []string{"a.b", "a_b"} {
		before, _ := os.ReadFile(path)
		r := add(path, name, "--token", "env")
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != exitUsage || len(lines) != 2 ||
			!strings.Contains(lines[0], `service "a-b" already reads its token from HUBCTL_TOKEN_A_B`) ||
			!strings.HasPrefix(lines[1], "hubctl: hint: ") || !strings.Contains(lines[1], "--token keyring") {
			t.Errorf("%s: %+v", name, r)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Errorf("%s: the refused add changed the file", name)
		}
	}
	// Replacing a-b itself, or giving a.b a token of its own, is fine.
	if r := add(path, "a-b", "--token", "env", "--replace"); r.code != 0 {
		t.Errorf("replace a-b: %+v", r)
	}
	if r := add(path, "a.b", "--token", "none"); r.code != 0 {
		t.Errorf("a.b --token none: %+v", r)
	}
	// A hand-written service that reads the variable counts too.
	hand := tempConfig(t, "import os\nc = get_config()\nc.JupyterHub.services = [{'name': 'x-y', 'api_token': os.environ['HUBCTL_TOKEN_X_Y']}]\n")
	if r := add(hand, "x.y", "--token", "env"); r.code != exitUsage || !strings.Contains(r.stderr, `service "x-y" already reads its token from HUBCTL_TOKEN_X_Y`) {
		t.Errorf("hand-written x-y: %+v", r)
	}
}
