package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hubtokens"
	"github.com/hubctl/hubctl/internal/realhub"
	"github.com/hubctl/hubctl/tokens"
)

// tokenAdminToken is the token of the token tests' own service on the
// real Hub: it may create users, and create, read and delete their tokens.
const tokenAdminToken = "tokenadmin0000000000000000000000000000000000000000000000000000000"

// TestAgainstRealHubTokenLifecycle: on each real Hub, `hubctl token
// request` mints a token that authenticates as its user, or is one clear
// error for a scope the user does not hold, a scope the Hub does not know
// (3.0 answers 500, 5.2 400) and a user that does not exist; `token audit`
// lists the tokens with their flags; `token revoke` deletes one, which
// then gets 403; `revoke --unused-for --yes` deletes the unused ones.
func TestAgainstRealHubTokenLifecycle(t *testing.T) {
	onEveryHub(t, func(t *testing.T, r realhub.Release) {
		dir := t.TempDir()
		config := filepath.Join(dir, "jupyterhub_config.py")
		src := `c.JupyterHub.services = [{'name': 'token-admin', 'api_token': '` + tokenAdminToken + `'}]
c.JupyterHub.load_roles = [{'name': 'token-admin-role', 'services': ['token-admin'], 'scopes': ['admin:users', 'tokens', 'list:users']}]
`
		if err := os.WriteFile(config, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		h := realhub.Start(t, realhub.Options{Release: r, Dir: dir, Config: config, After: "c.Authenticator.admin_users = {'bob'}\n" +
			// 5.1+: the longest a requested token may live, and the expiry of one
			// requested without (3.0 warns that it does not know the option)
			"c.JupyterHub.token_expires_in_max_seconds = 400 * 86400\n"})
		h.MustBeUp(60 * time.Second)
		// bob, an admin, is made at the Hub's start (admin_users)
		if code, data := h.API(tokenAdminToken, http.MethodPost, "/users/alice", ""); code != http.StatusCreated {
			t.Fatalf("POST /users/alice: %d %s", code, data)
		}
		env := map[string]string{"JUPYTERHUB_API_TOKEN": tokenAdminToken, "JUPYTERHUB_API_URL": h.APIURL()}
		cli := func(args ...string) result { return runCLIEnv(t, nil, env, "", args...) }
		whoami := func(token string) (int, string) {
			code, data := h.API(token, http.MethodGet, "/user", "")
			var id struct{ Name string }
			_ = json.Unmarshal(data, &id)
			return code, id.Name
		}

		res := cli("token", "request", "--user", "alice", "--scope", "read:users!user=alice", "--note", "ci", "--expires-in", "30d")
		if res.code != 0 || !hexToken.MatchString(res.stdout) {
			t.Fatalf("request: exit %d, stdout %q, stderr %s", res.code, res.stdout, res.stderr)
		}
		t.Logf("$ hubctl token request --user alice --scope 'read:users!user=alice' --note ci --expires-in 30d\n%s", res.stderr)
		ci := strings.TrimSpace(res.stdout)
		if code, name := whoami(ci); code != 200 || name != "alice" {
			t.Fatalf("the new token: %d %q", code, name)
		}
		store := tokens.NewMemory()
		if res = runCLIEnv(t, store, env, "", "token", "request", "--user", "bob", "--store", "bob-all"); res.code != 0 || res.stdout != "" {
			t.Fatalf("request --store: exit %d, stdout %q, stderr %s", res.code, res.stdout, res.stderr)
		}
		bobAll, _ := store.Get("bob-all")
		if code, name := whoami(bobAll); code != 200 || name != "bob" {
			t.Fatalf("the stored token: %d %q", code, name)
		}

		unknown := "the Hub does not know the scope 'custom:nope'"
		if r.Name == "3.0" {
			unknown = "the Hub answered 500 to the token request for user alice: JupyterHub 3.0.0 answers so when a scope does not exist"
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--user", "alice", "--scope", "read:users"}, "hubctl: error: the Hub refused the scopes read:users"},
			{[]string{"--user", "alice", "--scope", "custom:nope"}, "hubctl: error: " + unknown},
			{[]string{"--user", "nobody"}, "hubctl: error: the Hub refused to create a token for user nobody: no such user"},
		} {
			res = cli(append([]string{"token", "request"}, c.args...)...)
			if res.code != 1 || res.stdout != "" || !strings.HasPrefix(res.stderr, c.want) || strings.Count(res.stderr, "\n") != 2 {
				t.Errorf("request %v: exit %d, stdout %q, stderr:\n%s", c.args, res.code, res.stdout, res.stderr)
			}
			t.Logf("$ hubctl token request %s\n%s", strings.Join(c.args, " "), res.stderr)
		}

		if r.Name == "5.2" {
			res = cli("token", "request", "--user", "alice", "--expires-in", "401d")
			if res.code != 1 || !strings.HasPrefix(res.stderr, "hubctl: error: the Hub refused --expires-in 401d: token expires_in: 34646400 must not exceed 34560000") ||
				!strings.Contains(res.stderr, "c.JupyterHub.token_expires_in_max_seconds") {
				t.Errorf("request --expires-in 401d: exit %d, stderr:\n%s", res.code, res.stderr)
			}
			t.Logf("$ hubctl token request --user alice --expires-in 401d\n%s", res.stderr)
		}

		res = cli("token", "audit")
		if res.code != 0 {
			t.Fatalf("audit: exit %d, stderr %s", res.code, res.stderr)
		}
		t.Logf("$ hubctl token audit\n%s", res.stdout)
		res = cli("token", "audit", "--json", "--config", config)
		var rep hubtokens.AuditReport
		if res.code != 0 || json.Unmarshal([]byte(res.stdout), &rep) != nil {
			t.Fatalf("audit --json: exit %d, stdout %s, stderr %s", res.code, res.stdout, res.stderr)
		}
		var ciID, bobID string
		for _, tk := range rep.Tokens {
			switch {
			case tk.Owner == "alice" && tk.Note == "ci" && tk.ExpiresAt != nil && tk.Kind == "api":
				ciID = tk.ID
			// requested without --expires-in: never expires on 3.0, the maximum on 5.2
			case tk.Owner == "bob" && slices.Contains(tk.Flags, hubtokens.FlagBroad) && slices.Contains(tk.Flags, hubtokens.FlagNoExpiry) == (r.Name == "3.0"):
				bobID = tk.ID
			}
		}
		if ciID == "" || bobID == "" {
			t.Fatalf("audit: alice's ci token %q, bob's broad token %q in %+v", ciID, bobID, rep.Tokens)
		}
		// the config's token is the service's; 5.2 gives its id
		if len(rep.Config) != 1 || !rep.Config[0].Known || rep.Config[0].OwnerIs != "service token-admin" || (rep.Config[0].TokenID != "") != (r.Name == "5.2") {
			t.Fatalf("audit --config: %+v", rep.Config)
		}

		res = cli("token", "revoke", "--user", "alice", "--id", ciID)
		if res.code != 0 || !strings.Contains(res.stdout, "revoked "+ciID+" of user alice") {
			t.Fatalf("revoke: exit %d, stdout %s, stderr %s", res.code, res.stdout, res.stderr)
		}
		t.Logf("$ hubctl token revoke --user alice --id %s\n%s", ciID, res.stdout)
		if code, _ := whoami(ci); code != http.StatusForbidden {
			t.Fatalf("the revoked token: GET /user answered %d, not 403", code)
		}

		// bob's token was used once (whoami above); poll until it is a
		// second old, then it is unused for 1s.
		var dry result
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if dry = cli("token", "revoke", "--unused-for", "1s", "--dry-run"); strings.Contains(dry.stdout, "would revoke "+bobID) {
				break
			}
		}
		if dry.code != 0 || !strings.Contains(dry.stdout, "would revoke "+bobID+" of user bob") {
			t.Fatalf("dry run: exit %d, stdout %s, stderr %s", dry.code, dry.stdout, dry.stderr)
		}
		if code, _ := whoami(bobAll); code != 200 {
			t.Fatal("--dry-run revoked a token")
		}
		res = cli("token", "revoke", "--unused-for", "1s", "--yes")
		if res.code != 0 || !strings.Contains(res.stdout, "revoked "+bobID+" of user bob") {
			t.Fatalf("revoke --yes: exit %d, stdout %s, stderr %s", res.code, res.stdout, res.stderr)
		}
		t.Logf("$ hubctl token revoke --unused-for 1s --yes\n%s%s", res.stdout, res.stderr)
		if code, _ := whoami(bobAll); code != http.StatusForbidden {
			t.Fatalf("bob's revoked token: GET /user answered %d, not 403", code)
		}
		if code, _ := whoami(tokenAdminToken); code != 200 {
			t.Fatal("hubctl's own token was revoked")
		}
	})
}
