package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/tokens"
)

func TestTokenNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, `^[0-9a-f]{64}\n$`},
		{[]string{"--bytes", "16"}, `^[0-9a-f]{32}\n$`},
		{[]string{"--bytes=500"}, `^[0-9a-f]{1000}\n$`},
		{[]string{"--format", "base64url"}, `^[A-Za-z0-9_-]{43}\n$`},
		{[]string{"--format=hex", "--bytes", "20"}, `^[0-9a-f]{40}\n$`},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, "", append([]string{"token", "new"}, tt.args...)...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("token new %v: exit %d, stderr %q", tt.args, r.code, r.stderr)
		}
		if !regexp.MustCompile(tt.want).MatchString(r.stdout) {
			t.Errorf("token new %v printed %q, want %s", tt.args, r.stdout, tt.want)
		}
	}
}

func TestTokenNewStore(t *testing.T) {
	t.Parallel()
	store := tokens.NewMemory()
	r := runCLI(t, store, "", "token", "new", "--store", "cull-idle")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tok := strings.TrimSuffix(r.stdout, "\n")
	if got, err := store.Get("cull-idle"); err != nil || got != tok {
		t.Errorf("stored %q, %v; printed %q", got, err, tok)
	}
	if !strings.Contains(r.stderr, `stored token "cull-idle" in the in-memory store`) || strings.Contains(r.stderr, tok) {
		t.Errorf("stderr %q: want a note that names the store and not the token", r.stderr)
	}

	r = runCLI(t, store, "", "token", "new", "--store", "quiet-one", "--quiet")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("--quiet: exit %d, stdout %q", r.code, r.stdout)
	}
	if got, err := store.Get("quiet-one"); err != nil || len(got) != 64 {
		t.Errorf("--quiet stored %q, %v", got, err)
	}
}

func TestTokenSetGetListDelete(t *testing.T) {
	t.Parallel()
	store := tokens.NewMemory()
	for _, tt := range []struct{ name, stdin, want string }{
		{"a", "secret-a\n", "secret-a"},
		{"b", "secret-b\r\n", "secret-b"},
		{"c", "secret-c", "secret-c"},
	} {
		if r := runCLI(t, store, tt.stdin, "token", "set", tt.name); r.code != 0 || r.stdout != "" {
			t.Fatalf("token set %s: %+v", tt.name, r)
		}
		r := runCLI(t, store, "", "token", "get", tt.name)
		if r.code != 0 || r.stdout != tt.want+"\n" {
			t.Errorf("token get %s = %q (exit %d), want %q", tt.name, r.stdout, r.code, tt.want)
		}
	}
	if r := runCLI(t, store, "", "token", "list"); r.stdout != "a\nb\nc\n" {
		t.Errorf("token list = %q", r.stdout)
	}
	if r := runCLI(t, store, "", "token", "list", "--json"); r.stdout != `["a","b","c"]`+"\n" {
		t.Errorf("token list --json = %q", r.stdout)
	}
	if r := runCLI(t, store, "", "token", "delete", "b"); r.code != 0 {
		t.Errorf("token delete b: %+v", r)
	}
	r := runCLI(t, store, "", "token", "get", "b")
	if r.code != exitFailure || r.stdout != "" ||
		!strings.HasPrefix(r.stderr, `hubctl: error: no token named "b" in the in-memory store`+"\n") {
		t.Errorf("get of a deleted name: %+v", r)
	}
	if r := runCLI(t, store, "", "token", "delete", "b"); r.code != exitFailure {
		t.Errorf("deleting a missing name: %+v", r)
	}
}

func TestTokenSetRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, stdin := range []string{"", "\n", "two\nlines\n", "nul\x00byte", strings.Repeat("x", 70000)} {
		store := tokens.NewMemory()
		r := runCLI(t, store, stdin, "token", "set", "x")
		if r.code == 0 {
			t.Errorf("token set with stdin %.20q succeeded", stdin)
		}
		if names, _ := store.List(); len(names) != 0 {
			t.Errorf("stdin %.20q stored something", stdin)
		}
	}
}

func TestTokenPassword(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "token", "password")
	if r.code != 0 || len(r.stdout) != tokens.DefaultPasswordLength+1 {
		t.Fatalf("token password: %+v", r)
	}
	r = runCLI(t, nil, "", "token", "password", "--length", "40", "--digits", "0", "--symbols", "0")
	if !regexp.MustCompile(`^[A-Za-z]{40}\n$`).MatchString(r.stdout) {
		t.Errorf("letters-only password = %q", r.stdout)
	}
}

func TestInsecureStorage(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	path := filepath.Join(cfg, "hubctl", "tokens.json")
	// The memory store must stay untouched: --insecure-storage picks the file.
	keyring := tokens.NewMemory()
	r := runCLI(t, keyring, "s3cret\n", "token", "set", "--insecure-storage", "svc")
	if r.code != 0 {
		t.Fatalf("set --insecure-storage: %+v", r)
	}
	if !strings.Contains(r.stderr, "warning: --insecure-storage") || !strings.Contains(r.stderr, path) {
		t.Errorf("no warning naming %s: %q", path, r.stderr)
	}
	if names, _ := keyring.List(); len(names) != 0 {
		t.Errorf("--insecure-storage wrote to the keyring: %q", names)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v", err, st)
	}
	// Flags may follow the name, as GNU tools allow.
	if r := runCLI(t, keyring, "", "token", "get", "svc", "--insecure-storage"); r.stdout != "s3cret\n" {
		t.Errorf("get --insecure-storage = %+v", r)
	}
	if r := runCLIEnv(t, keyring, map[string]string{"HUBCTL_INSECURE_STORAGE": "true"}, "", "token", "list"); r.stdout != "svc\n" {
		t.Errorf("list with HUBCTL_INSECURE_STORAGE=true = %+v", r)
	}
}

// TestEnvironmentDoesNotLeakBetweenRuns: a value read from the environment
// holds for its run only. (urfave/cli kept it in the flag, and the flags were
// shared: after one in-process run with HUBCTL_INSECURE_STORAGE=1 every
// later run used the file store.)
func TestEnvironmentDoesNotLeakBetweenRuns(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // where the file store would be
	keyring := tokens.NewMemory()
	if err := keyring.Set("in-keyring", testToken); err != nil {
		t.Fatal(err)
	}
	r := runCLIEnv(t, keyring, map[string]string{"HUBCTL_INSECURE_STORAGE": "1"}, "", "token", "list")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "warning: --insecure-storage") {
		t.Fatalf("with HUBCTL_INSECURE_STORAGE=1: %+v", r)
	}
	if r := runCLI(t, keyring, "", "token", "list"); r.code != 0 || r.stdout != "in-keyring\n" || r.stderr != "" {
		t.Errorf("the next run, without it: %+v", r)
	}

	h := cullHub(t)
	environ := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
	if r := runCLIEnv(t, nil, environ, "", "check"); r.code != 0 {
		t.Fatalf("with JUPYTERHUB_API_URL: %+v", r)
	}
	r = runCLIEnv(t, nil, tokenEnv, "", "check")
	if strings.Contains(r.stdout+r.stderr, h.URL()) || !strings.Contains(r.stdout, cull.DefaultURL) {
		t.Errorf("the next run, without JUPYTERHUB_API_URL, did not use the default --url %s: %+v", cull.DefaultURL, r)
	}
}

// TestFlagsAreFreshPerApp: no flag value is shared between two apps, so
// nothing one run parses can reach another.
func TestFlagsAreFreshPerApp(t *testing.T) {
	t.Parallel()
	flagsOf := func() map[cli.Flag]string {
		seen := map[cli.Flag]string{}
		var walk func(path string, cmds []*cli.Command)
		walk = func(path string, cmds []*cli.Command) {
			for _, c := range cmds {
				for _, f := range c.Flags {
					seen[f] = path + " " + c.Name + " --" + f.Names()[0]
				}
				walk(path+" "+c.Name, c.Subcommands)
			}
		}
		app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
		for _, f := range app.Flags {
			seen[f] = "hubctl --" + f.Names()[0]
		}
		walk("hubctl", app.Commands)
		return seen
	}
	first, second := flagsOf(), flagsOf()
	if len(first) < 50 {
		t.Fatalf("found only %d flags", len(first))
	}
	for f, where := range second {
		if other, ok := first[f]; ok {
			t.Errorf("%s is the same flag value as %s in another app", where, other)
		}
	}
}
