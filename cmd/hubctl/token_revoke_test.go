package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

func tokenIDs(h *fakehub.Hub, user string) []string {
	var ids []string
	for _, t := range h.Tokens(user) {
		ids = append(ids, t.ID)
	}
	return ids
}

// TestTokenRevoke: --user --id deletes that token (which then gets 403),
// a missing one is an error; an OAuth token is said to take its client's
// other tokens with it.
func TestTokenRevoke(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h, ids := auditHub(t, v, "list:users", "tokens")
			env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
			r := runCLIEnv(t, nil, env, "", "token", "revoke", "--user", "alice", "--id", ids["used"])
			if r.code != 0 || !strings.Contains(r.stdout, "revoked "+ids["used"]+" of user alice") || slices.Contains(tokenIDs(h, "alice"), ids["used"]) {
				t.Fatalf("exit %d, stdout %s, stderr %s, left %v", r.code, r.stdout, r.stderr, tokenIDs(h, "alice"))
			}
			if whoIs(t, h, "alice-used-token-000000000000000") != "" {
				t.Fatal("the revoked token still authenticates")
			}
			r = runCLIEnv(t, nil, env, "", "token", "revoke", "--user", "alice", "--id", ids["used"])
			if r.code != 1 || !strings.Contains(r.stderr, "hubctl: error: user alice has no token "+ids["used"]) {
				t.Fatalf("again: exit %d, stderr %s", r.code, r.stderr)
			}
			r = runCLIEnv(t, nil, env, "", "token", "revoke", "--user", "alice", "--id", ids["oauth"])
			if r.code != 0 || !strings.Contains(r.stderr, ids["oauth"]+` of user alice is an OAuth token of client "Server at /user/alice/": the Hub deletes all of alice's tokens of that client with it`) {
				t.Fatalf("oauth: exit %d, stderr %s", r.code, r.stderr)
			}
		})
	}
}

// TestTokenRevokeOwnToken: hubctl never revokes the token it is using: on
// 5.2 it knows which (token_id) and refuses that one only; on 3.0 it
// refuses all of its user's tokens, and --unused-for keeps them.
func TestTokenRevokeOwnToken(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h, ids := auditHub(t, v, "list:users", "tokens")
			// hubctl runs with bob's (the admin's) full-power token, unused for 200 days till now
			old := time.Now().Add(-200 * 24 * time.Hour)
			own := h.AddTokenWith("bob-own-token-000000000000000000", fakehub.Owner{Kind: "user", Name: "bob"}, fakehub.TokenOptions{Scopes: []string{"inherit"}, Created: old})
			env := map[string]string{"JUPYTERHUB_API_TOKEN": "bob-own-token-000000000000000000", "JUPYTERHUB_API_URL": h.URL()}
			r := runCLIEnv(t, nil, env, "", "token", "revoke", "--user", "bob", "--id", own)
			want := "is the one hubctl is using"
			if v == "3.0.0" {
				want = "does not say which"
			}
			if r.code != 1 || !strings.Contains(r.stderr, want) || !slices.Contains(tokenIDs(h, "bob"), own) {
				t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
			}
			r = runCLIEnv(t, nil, env, "", "token", "revoke", "--user", "bob", "--id", ids["admin"])
			if gone := !slices.Contains(tokenIDs(h, "bob"), ids["admin"]); (v == "5.2.1") != gone || (r.code == 0) != gone {
				t.Fatalf("bob's other token: exit %d, gone %v, stderr %s", r.code, gone, r.stderr)
			}
			// bob's old token may be the one in use, as far as 3.0 tells
			bobOld := h.AddTokenWith("bob-old-token-000000000000000000", fakehub.Owner{Kind: "user", Name: "bob"}, fakehub.TokenOptions{Created: old, Scopes: []string{"read:users!user=bob"}})
			r = runCLIEnv(t, nil, env, "", "token", "revoke", "--unused-for", "90d", "--yes")
			kept := slices.Contains(tokenIDs(h, "bob"), bobOld)
			if r.code != 0 || !slices.Contains(tokenIDs(h, "bob"), own) || kept != (v == "3.0.0") ||
				v == "3.0.0" && !strings.Contains(r.stdout, "keep    "+bobOld+" of user bob: hubctl's token is one of bob's and JupyterHub 3.0.0 does not say which") {
				t.Fatalf("--unused-for: exit %d, bob's %v, stdout %s, stderr %s", r.code, tokenIDs(h, "bob"), r.stdout, r.stderr)
			}
		})
	}
}

// TestTokenRevokeUnused: --dry-run lists what would go and deletes
// nothing; --yes deletes exactly the tokens not used for the duration.
func TestTokenRevokeUnused(t *testing.T) {
	h, ids := auditHub(t, "5.2.1", "list:users", "tokens")
	env := map[string]string{"JUPYTERHUB_API_TOKEN": testToken, "JUPYTERHUB_API_URL": h.URL()}
	before := append(tokenIDs(h, "alice"), tokenIDs(h, "bob")...)
	r := runCLIEnv(t, nil, env, "", "token", "revoke", "--unused-for", "90d", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would revoke "+ids["old"]+" of user alice (never used, created 200d ago") ||
		!strings.Contains(r.stdout, "would revoke "+ids["oauth"]) || strings.Contains(r.stdout, ids["used"]) || strings.Contains(r.stdout, ids["inherit"]) ||
		!slices.Equal(before, append(tokenIDs(h, "alice"), tokenIDs(h, "bob")...)) {
		t.Fatalf("dry run: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	r = runCLIEnv(t, nil, env, "", "token", "revoke", "--unused-for", "90d", "--yes")
	left := tokenIDs(h, "alice")
	if r.code != 0 || slices.Contains(left, ids["old"]) || slices.Contains(left, ids["oauth"]) || !slices.Contains(left, ids["used"]) || !slices.Contains(left, ids["inherit"]) {
		t.Fatalf("exit %d, left %v, stdout %s, stderr %s", r.code, left, r.stdout, r.stderr)
	}
}

func TestTokenRevokeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--unused-for", "90d"}, "--unused-for needs exactly one of --dry-run (list what would go) and --yes"},
		{[]string{"--unused-for", "90d", "--dry-run", "--yes"}, "exactly one of --dry-run"},
		{[]string{"--user", "alice"}, "give --user NAME and --id ID, or --unused-for DURATION"},
		{[]string{"--unused-for", "90d", "--yes", "--user", "alice"}, "does not go with --user or --id"},
		{[]string{"--unused-for", "0", "--yes"}, "--unused-for must be positive"},
	} {
		r := runCLIEnv(t, nil, tokenEnv, "", append([]string{"token", "revoke"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %s", c.args, r.code, r.stderr)
		}
	}
}
