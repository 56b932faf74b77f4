package main

import (
	"os"
	"regexp"
	"strings"
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
