package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/tokens"
)

// tokenHub is a fake Hub at version v with users alice and bob (an admin)
// and hubctl's token, a service's with scopes.
func tokenHub(t *testing.T, v string, scopes ...string) *fakehub.Hub {
	t.Helper()
	h := fakehub.New(fakehub.Options{Version: v})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "hubctl-admin"}, scopes...)
	h.AddUser(fakehub.User{Name: "alice", Created: time.Now().Add(-time.Hour)})
	h.AddUser(fakehub.User{Name: "bob", Admin: true, Created: time.Now().Add(-time.Hour)})
	return h
}

// whoIs asks the fake who a token is (GET /user): the name, or "" on 403.
func whoIs(t *testing.T, h *fakehub.Hub, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", h.URL()+"/user", nil)
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return ""
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	m := regexp.MustCompile(`"name": "([^"]*)"`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("GET /user: %s", b.String())
	}
	return m[1]
}

var hexToken = regexp.MustCompile(`^[0-9a-f]{32}\n$`)

// TestTokenRequest: on each version, the new token is stdout's only line
// and authenticates as its user; stderr names its id, never its secret.
// --store keeps it in the keyring only; --expires-in 90d is 90 days.
func TestTokenRequest(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h := tokenHub(t, v, "tokens")
			env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
			r := runCLIEnv(t, nil, env, "", "token", "request", "--user", "alice", "--scope", "read:users!user=alice", "--note", "ci", "--expires-in", "90d")
			if r.code != 0 || !hexToken.MatchString(r.stdout) {
				t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			secret := strings.TrimSpace(r.stdout)
			if whoIs(t, h, secret) != "alice" {
				t.Fatal("the printed token is not alice's")
			}
			infos := h.Tokens("alice")
			if len(infos) != 1 || infos[0].Note != "ci" || infos[0].ExpiresAt == nil ||
				time.Until(*infos[0].ExpiresAt) < 89*24*time.Hour || time.Until(*infos[0].ExpiresAt) > 90*24*time.Hour {
				t.Fatalf("alice's tokens: %+v", infos)
			}
			if !strings.Contains(r.stderr, "created token "+infos[0].ID+" of user alice") || strings.Contains(r.stderr, secret) {
				t.Fatalf("stderr %q", r.stderr)
			}

			store := tokens.NewMemory()
			r = runCLIEnv(t, store, env, "", "token", "request", "--user", "alice", "--store", "alice-ci")
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("--store: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			kept, err := store.Get("alice-ci")
			if err != nil || whoIs(t, h, kept) != "alice" || strings.Contains(r.stderr, kept) {
				t.Fatalf("stored %q (%v); stderr %s", kept, err, r.stderr)
			}
			if !regexp.MustCompile(`stored token a\d+ of user alice .* as "alice-ci"`).MatchString(r.stderr) {
				t.Fatalf("stderr does not say where the token went: %s", r.stderr)
			}
		})
	}
}

// TestTokenRequestRefused: each refusal is one error line naming the scope
// or user, a hint, exit 1 (2 for a usage error), and no token made.
func TestTokenRequestRefused(t *testing.T) {
	type tc struct {
		name    string
		scopes  []string // hubctl's token's
		args    []string
		code    int
		want    string // in the error line
		hint    string // in the hint
		version string // "" both
	}
	cases := []tc{
		{"not held by the owner", []string{"tokens"}, []string{"--user", "alice", "--scope", "read:users"}, 1,
			"the Hub refused the scopes read:users,read:users:activity,read:users:groups,read:users:name for user alice's token: user alice does not hold them", "not against the requesting token", ""},
		{"no tokens scope", []string{"list:users"}, []string{"--user", "alice"}, 1,
			"the Hub refused to create a token for user alice: no such user, or the API token (service hubctl-admin) may not create tokens for them", "a service needs it unfiltered", ""},
		{"no such user", []string{"tokens"}, []string{"--user", "nobody"}, 1, "token for user nobody: no such user", "", ""},
		{"unknown scope, locally", []string{"tokens"}, []string{"--user", "alice", "--scope", "read:user"}, 1, `--scope: scope "read:user" does not exist in JupyterHub`, "filters are", ""},
		{"bad filter, locally", []string{"tokens"}, []string{"--user", "alice", "--scope", "read:users!goup=a"}, 1, `unknown filter "!goup=a"`, "", ""},
		{"unknown custom scope, 3.0", []string{"tokens"}, []string{"--user", "alice", "--scope", "custom:x"}, 1, "the Hub answered 500 to the token request for user alice: JupyterHub 3.0.0 answers so when a scope does not exist, so one of custom:x is probably unknown", "custom_scopes", "3.0.0"},
		{"unknown custom scope, 5.2", []string{"tokens"}, []string{"--user", "alice", "--scope", "custom:x"}, 1, "the Hub does not know the scope 'custom:x' (JupyterHub 5.2.1)", "custom_scopes", "5.2.1"},
		{"expires-in 0 on 3.0", []string{"tokens"}, []string{"--user", "alice", "--expires-in", "0"}, 2, "--expires-in 0: JupyterHub 3.0.0 makes a token with expires_in 0 that is expired at once", "leave out --expires-in", "3.0.0"},
		{"no --user", []string{"tokens"}, []string{"--scope", "read:users"}, 2, "--user NAME is required", "", ""},
		{"bad duration", []string{"tokens"}, []string{"--user", "alice", "--expires-in", "soon"}, 2, `--expires-in: "soon" is not a duration like 90d, 12h or 30m`, "", ""},
	}
	for _, c := range cases {
		for _, v := range []string{"3.0.0", "5.2.1"} {
			if c.version != "" && c.version != v {
				continue
			}
			t.Run(c.name+"/"+v, func(t *testing.T) {
				t.Parallel()
				h := tokenHub(t, v, c.scopes...)
				env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
				r := runCLIEnv(t, nil, env, "", append([]string{"token", "request"}, c.args...)...)
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				if r.code != c.code || r.stdout != "" || !strings.HasPrefix(lines[0], "hubctl: error: ") || !strings.Contains(lines[0], c.want) {
					t.Fatalf("exit %d (want %d), stdout %q, stderr:\n%s\nwant in the error: %s", r.code, c.code, r.stdout, r.stderr, c.want)
				}
				if len(lines) > 2 || len(lines) == 2 && !strings.HasPrefix(lines[1], "hubctl: hint: ") || !strings.Contains(r.stderr, c.hint) {
					t.Fatalf("stderr:\n%s\nwant one error line and a hint with %q", r.stderr, c.hint)
				}
				if n := len(h.Tokens("alice")); n != 0 {
					t.Fatalf("a refused request left %d tokens", n)
				}
			})
		}
	}
}

// TestTokenRequestExpiresInZero52: from 4.1 --expires-in 0 means never.
func TestTokenRequestExpiresInZero52(t *testing.T) {
	h := tokenHub(t, "5.2.1", "tokens")
	env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
	r := runCLIEnv(t, nil, env, "", "token", "request", "--user", "alice", "--expires-in", "0")
	if infos := h.Tokens("alice"); r.code != 0 || len(infos) != 1 || infos[0].ExpiresAt != nil || !strings.Contains(r.stderr, "never expires") {
		t.Fatalf("exit %d, %+v, stderr %s", r.code, infos, r.stderr)
	}
}

// TestTokenRequestStoreFails: a token the keyring does not take is named
// by its id, with the command that revokes it, and never printed.
func TestTokenRequestStoreFails(t *testing.T) {
	h := tokenHub(t, "5.2.1", "tokens")
	env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
	r := runCLIEnv(t, &refusingStore{}, env, "", "token", "request", "--user", "alice", "--store", "k")
	infos := h.Tokens("alice")
	if r.code != 1 || r.stdout != "" || len(infos) != 1 ||
		!strings.Contains(r.stderr, "hubctl: error: the Hub made token "+infos[0].ID+" of user alice, but the keyring did not take it: the keyring is locked") ||
		!strings.Contains(r.stderr, "hubctl: hint: nobody holds it now: revoke it with `hubctl token revoke --user alice --id "+infos[0].ID+"`") {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestTokenRequestTokenName: hubctl's token may come from the keyring
// (--token-name), the Hub from --url, as for `hubctl cull`.
func TestTokenRequestTokenName(t *testing.T) {
	h := tokenHub(t, "3.0.0", "tokens")
	store := tokens.NewMemory()
	if err := store.Set("hubctl-admin", testToken); err != nil {
		t.Fatal(err)
	}
	r := runCLIEnv(t, store, nil, "", "token", "request", "--user", "alice", "--token-name", "hubctl-admin", "--url", h.URL())
	if r.code != 0 || !hexToken.MatchString(r.stdout) || whoIs(t, h, strings.TrimSpace(r.stdout)) != "alice" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	r = runCLIEnv(t, nil, nil, "", "token", "request", "--user", "alice", "--url", h.URL())
	if r.code != 2 || !strings.Contains(r.stderr, "no API token: JUPYTERHUB_API_TOKEN is unset and --token-name was not given") {
		t.Fatalf("no token: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestTokenRequestExpiresInMax: a 5.1+ Hub with token_expires_in_max_seconds
// refuses a longer --expires-in (one error naming the limit and the
// setting) and gives its limit to a token requested without.
func TestTokenRequestExpiresInMax(t *testing.T) {
	h := fakehub.New(fakehub.Options{Version: "5.2.1", TokenExpiresInMaxSeconds: 3600})
	t.Cleanup(h.Close)
	h.AddToken(testToken, fakehub.Owner{Kind: "service", Name: "hubctl-admin"}, "tokens")
	h.AddUser(fakehub.User{Name: "alice"})
	env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
	r := runCLIEnv(t, nil, env, "", "token", "request", "--user", "alice", "--expires-in", "2h")
	if r.code != 1 || !strings.Contains(r.stderr, "hubctl: error: the Hub refused --expires-in 2h: token expires_in: 7200 must not exceed 3600") ||
		!strings.Contains(r.stderr, "hubctl: hint: the Hub caps token lifetimes at 3600 seconds (c.JupyterHub.token_expires_in_max_seconds)") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	r = runCLIEnv(t, nil, env, "", "token", "request", "--user", "alice")
	infos := h.Tokens("alice")
	if r.code != 0 || len(infos) != 1 || infos[0].ExpiresAt == nil || time.Until(*infos[0].ExpiresAt) > time.Hour || time.Until(*infos[0].ExpiresAt) < 59*time.Minute {
		t.Fatalf("exit %d, %+v, stderr %s", r.code, infos, r.stderr)
	}
}
