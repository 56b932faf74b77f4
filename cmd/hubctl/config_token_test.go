package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/tokens"
)

// renderedTokens is each service's apiToken in rendered Helm values ("" for none).
func renderedTokens(t *testing.T, values []byte) map[string]string {
	t.Helper()
	var v struct {
		Hub struct {
			Services map[string]struct {
				APIToken string `yaml:"apiToken"`
			}
		}
	}
	if err := yaml.Unmarshal(values, &v); err != nil {
		t.Fatalf("%v:\n%s", err, values)
	}
	out := map[string]string{}
	for name, s := range v.Hub.Services {
		out[name] = s.APIToken
	}
	return out
}

// noTokenIn fails when any token of store appears in text.
func noTokenIn(t *testing.T, store tokens.Store, what, text string) {
	t.Helper()
	names, _ := store.List()
	for _, n := range names {
		if tok, _ := store.Get(n); strings.Contains(text, tok) {
			t.Errorf("%s holds the token of %s: %q", what, n, text)
		}
	}
}

// TestConfigRenderHelmTokenKeyring: --token keyring gives the services
// without a literal token (env, none) the keyring's token under their
// name, keeps the literal ones, and says the file is secret.
func TestConfigRenderHelmTokenKeyring(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t) // lit1, lit2 literal; fromenv env; notoken none
	tok1, _ := store.Get("lit1")
	tok2, _ := store.Get("lit2")
	// The keyring's lit1 differs from the block's: the block's is kept.
	if err := store.Set("lit1", strings.Repeat("9", 64)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lit1": tok1, "lit2": tok2, "fromenv": strings.Repeat("ab", 32), "notoken": strings.Repeat("cd", 32)}
	_ = store.Set("fromenv", want["fromenv"])
	_ = store.Set("notoken", want["notoken"])
	out := filepath.Join(t.TempDir(), "values.yaml")
	r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "keyring", "--output", out, "--config", path)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("%+v", r)
	}
	data, _ := os.ReadFile(out)
	got := renderedTokens(t, data)
	for n, tok := range want {
		if got[n] != tok {
			t.Errorf("%s: apiToken %q, want %q", n, got[n], tok)
		}
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	wantLine := "hubctl: wrote " + out + " (mode 0600); it is secret: it holds the literal tokens of 4 services; do not commit it or show it to others; --existing-secret NAME keeps the tokens out of the values\n"
	if r.stderr != wantLine {
		t.Errorf("stderr %q\nwant   %q", r.stderr, wantLine)
	}
	noTokenIn(t, store, "stderr", r.stderr)
	// To stdout: the same tokens, and the note names stdout.
	r = runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "keyring", "--service", "fromenv", "--config", path)
	if r.code != 0 || renderedTokens(t, []byte(r.stdout))["fromenv"] != want["fromenv"] ||
		!strings.HasPrefix(r.stderr, "hubctl: warning: stdout: the output holds the literal tokens of 1 service; it is secret: do not commit it") ||
		strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--existing-secret NAME") {
		t.Errorf("stdout: %+v", r)
	}
	noTokenIn(t, store, "stderr", r.stderr)
}

// TestConfigRenderHelmTokenKeyringMissing: a service whose token is not in
// the keyring is one error naming it, with the way out; nothing is written.
func TestConfigRenderHelmTokenKeyringMissing(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	_ = store.Set("notoken", strings.Repeat("cd", 32))
	out := filepath.Join(t.TempDir(), "values.yaml")
	r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "keyring", "--output", out, "--config", path)
	if r.code != exitFailure || r.stdout != "" ||
		r.stderr != "hubctl: error: --token keyring: the in-memory store holds no token for service fromenv\n"+
			"hubctl: hint: store it with `hubctl token set fromenv` (or `hubctl token new --store fromenv`), or pass --token new to make one\n" {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the values were written: %v", err)
	}
}

// TestConfigRenderHelmTokenNew: --token new writes and stores the same new
// token for each service without a literal one, and says so without it.
func TestConfigRenderHelmTokenNew(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	tok1, _ := store.Get("lit1")
	out := filepath.Join(t.TempDir(), "values.yaml")
	r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "new", "--output", out, "--config", path)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("%+v", r)
	}
	data, _ := os.ReadFile(out)
	got := renderedTokens(t, data)
	if got["lit1"] != tok1 {
		t.Errorf("lit1's literal token was not kept: %q", got["lit1"])
	}
	for _, n := range []string{"fromenv", "notoken"} {
		stored, err := store.Get(n)
		if err != nil || len(stored) != 64 || got[n] != stored {
			t.Errorf("%s: rendered %q, stored %q (%v)", n, got[n], stored, err)
		}
	}
	if got["fromenv"] == got["notoken"] {
		t.Error("two services got the same token")
	}
	if !strings.Contains(r.stderr, "hubctl: stored the new tokens of fromenv, notoken in the in-memory store (`hubctl token get fromenv`)") ||
		!strings.Contains(r.stderr, "it holds the literal tokens of 4 services") {
		t.Errorf("stderr %q", r.stderr)
	}
	noTokenIn(t, store, "stderr", r.stderr)

	// Again: the keyring now holds those names, so --token new refuses
	// before anything is written or stored, and --token keyring reuses them.
	again := filepath.Join(t.TempDir(), "again.yaml")
	before, _ := store.Get("fromenv")
	r = runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "new", "--output", again, "--config", path)
	if r.code != exitFailure || r.stdout != "" ||
		r.stderr != "hubctl: error: --token new: the in-memory store already holds a token for services fromenv, notoken; hubctl does not replace it\n"+
			"hubctl: hint: --token keyring uses the stored token\n" {
		t.Errorf("--token new again: %+v", r)
	}
	if _, err := os.Stat(again); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the values were written: %v", err)
	}
	if after, _ := store.Get("fromenv"); after != before {
		t.Error("--token new replaced a stored token")
	}
	r = runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "keyring", "--config", path)
	if r.code != 0 || renderedTokens(t, []byte(r.stdout))["fromenv"] != before {
		t.Errorf("--token keyring after new: %+v", r)
	}
}

// refusingStore stores nothing, and counts the tokens asked of it.
type refusingStore struct {
	tokens.Memory
	gets atomic.Int32
}

func (s *refusingStore) Set(name, secret string) error { return errors.New("the keyring is locked") }
func (s *refusingStore) String() string                { return "the keyring" }
func (s *refusingStore) Get(name string) (string, error) {
	s.gets.Add(1)
	return s.Memory.Get(name)
}

// TestConfigRenderHelmTokenNewNotStored: a token that cannot be stored is
// never written into values.
func TestConfigRenderHelmTokenNewNotStored(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, cullIdleBlock)
	out := filepath.Join(t.TempDir(), "values.yaml")
	store := &refusingStore{}
	r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "new", "--output", out, "--config", path)
	if r.code != exitFailure || r.stdout != "" || r.stderr != "hubctl: error: storing the new token of cull-idle: the keyring is locked; nothing was written\n" {
		t.Errorf("%+v", r)
	}
	// --token new makes tokens: it asks the store for none (each would be
	// a keyring request over D-Bus).
	if n := store.gets.Load(); n != 0 {
		t.Errorf("--token new asked the store for %d tokens", n)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the values were written: %v", err)
	}
}

func TestConfigRenderTokenUsage(t *testing.T) {
	t.Parallel()
	path, store := renderConfig(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--token", "keyring"}, "--token goes with --format helm"},
		{[]string{"--format", "python", "--token", "new"}, "--token goes with --format helm"},
		{[]string{"--format", "helm", "--token", "env"}, `--token "env": use keyring or new`},
		{[]string{"--format", "helm", "--token", "keyring", "--existing-secret", "hubctl-tokens"}, "--token and --existing-secret: with --existing-secret the tokens belong in your Secret"},
	} {
		r := runCLI(t, store, "", append(append([]string{"config", "render"}, tt.args...), "--config", path)...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "hubctl: error: "+tt.want) {
			t.Errorf("%q: %+v", tt.args, r)
		}
	}
	if names, _ := store.List(); len(names) != 2 {
		t.Errorf("the store changed: %q", names)
	}
}

// TestConfigRenderHelmTokenNewWriteFails: values that cannot be written
// after the new tokens were stored lose nothing: the tokens stay stored and
// the error says how to use them.
func TestConfigRenderHelmTokenNewWriteFails(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, cullIdleBlock)
	store := tokens.NewMemory()
	out := filepath.Join(t.TempDir(), "missing-dir", "values.yaml")
	r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "new", "--output", out, "--config", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: the new tokens of cull-idle are stored in the in-memory store, but writing the values failed: ") ||
		!strings.HasSuffix(r.stderr, "hubctl: hint: run the command again with --token keyring to use them\n") {
		t.Errorf("%+v", r)
	}
	if tok, err := store.Get("cull-idle"); err != nil || len(tok) != 64 {
		t.Errorf("the new token is not stored: %v", err)
	}
	noTokenIn(t, store, "stderr", r.stderr)
	if r := runCLI(t, store, "", "config", "render", "--format", "helm", "--token", "keyring", "--output", filepath.Join(t.TempDir(), "v.yaml"), "--config", path); r.code != 0 {
		t.Errorf("--token keyring after: %+v", r)
	}
}

// refusingName refuses to store one name.
type refusingName struct {
	tokens.Store
	name string
}

func (s refusingName) Set(name, secret string) error {
	if name == s.name {
		return errors.New("the keyring is full")
	}
	return s.Store.Set(name, secret)
}

// TestConfigRenderHelmTokenNewRollsBack: when the second new token cannot be
// stored, the first is deleted again (no values hold it) and nothing is
// written, so the same command can be run again.
func TestConfigRenderHelmTokenNewRollsBack(t *testing.T) {
	t.Parallel()
	path, mem := renderConfig(t) // fromenv, then notoken, need tokens
	out := filepath.Join(t.TempDir(), "values.yaml")
	r := runCLI(t, refusingName{mem, "notoken"}, "", "config", "render", "--format", "helm", "--token", "new", "--output", out, "--config", path)
	if r.code != exitFailure || r.stderr != "hubctl: error: storing the new token of notoken: the keyring is full; nothing was written\n" {
		t.Errorf("%+v", r)
	}
	if _, err := mem.Get("fromenv"); !errors.Is(err, tokens.ErrNotFound) {
		t.Errorf("fromenv's new token is still stored: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the values were written: %v", err)
	}
}
