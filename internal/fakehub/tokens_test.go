package fakehub

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMintedTokens: POST /users/{name}/tokens as the culler's kernel check
// sends it, on each release the fake answers as: 403 without unfiltered
// tokens, 400 for scopes the owner does not
// hold (another user's server), 201 with id and token for the user's own
// server; the token authenticates GET /user until it is deleted or
// expires, showing the server scope; DELETE answers 204, then 404.
func TestMintedTokens(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, Options{Version: v})
			h.AddToken("minter", Owner{Kind: "service", Name: "minter"}, "tokens")
			h.AddToken("culler-no-tokens", Owner{Kind: "service", Name: "c"}, "read:servers")
			h.AddUser(User{Name: "alice", Servers: map[string]*Server{"": {Ready: true}}})
			h.AddUser(User{Name: "bob"})
			post := func(token, user, body string) result {
				return do(t, nil, "POST", h.URL()+"/users/"+user+"/tokens", token, "", body)
			}
			const mint = `{"scopes": ["access:servers!server=alice/"], "expires_in": 60, "note": "hubctl cull --check-kernels"}`
			wantStatus(t, post("", "alice", mint), 403, "Forbidden")
			wantStatus(t, post("culler-no-tokens", "alice", mint), 403, "Service alice not found or no permissions to generate tokens")
			wantStatus(t, post("minter", "nobody", mint), 403, "Service nobody not found or no permissions to generate tokens")
			wantStatus(t, post("minter", "bob", mint), 400, "Not assigning requested scopes access:servers!server=alice/ not held by User bob")
			wantStatus(t, post("minter", "alice", `{"scopes": ["access:servers"]}`), 400, "Not assigning requested scopes access:servers not held by User alice")
			wantStatus(t, post("minter", "alice", `[1]`), 400, "Body must be a JSON dict or empty")
			wantStatus(t, post("minter", "alice", `{"scopes": ["access:servers!server=alice/"], "roles": ["user"]}`), 400, "Can only assign one of scopes or roles when creating tokens.")
			if r := post("minter", "alice", `{"scopes": ["no:such"]}`); v == "3.0.0" {
				wantStatus(t, r, 500, "")
			} else {
				wantStatus(t, r, 400, `"Scope 'no:such' for token does not exist"`)
			}
			if r := post("minter", "alice", `{"scopes": ["access:servers!server=alice/"], "expires_in": -1}`); v == "5.2.1" {
				wantStatus(t, r, 400, "expires_in must be a positive integer or null, not -1")
			}
			if len(h.Tokens("alice")) != 0 || len(h.Tokens("bob")) != 0 {
				t.Fatalf("a refused request left a token: %v %v", h.Tokens("alice"), h.Tokens("bob"))
			}

			before := time.Now()
			r := post("minter", "alice", mint)
			wantStatus(t, r, http.StatusCreated, "")
			m := r.obj(t)
			tok, _ := m["token"].(string)
			id, _ := m["id"].(string)
			if len(tok) != 32 || !strings.HasPrefix(id, "a") || m["user"] != "alice" || m["note"] != "hubctl cull --check-kernels" || m["kind"] != "api_token" {
				t.Fatalf("token model %s", r.body)
			}
			infos := h.Tokens("alice")
			if len(infos) != 1 || infos[0].ID != id || infos[0].ExpiresAt == nil ||
				infos[0].ExpiresAt.Before(before.Add(60*time.Second)) || infos[0].ExpiresAt.After(time.Now().Add(60*time.Second)) {
				t.Fatalf("Tokens(alice) = %+v", infos)
			}
			self := do(t, nil, "GET", h.URL()+"/user", tok, "", "")
			wantStatus(t, self, 200, "")
			scopes := self.obj(t)["scopes"].([]any)
			if self.obj(t)["name"] != "alice" || !slices.Contains(scopes, any("access:servers!server=alice/")) || slices.Contains(scopes, any("access:servers")) {
				t.Errorf("GET /user with the minted token: %s", self.body)
			}
			// it can do nothing else with the Hub
			wantStatus(t, do(t, nil, "GET", h.URL()+"/users", tok, "", ""), 403, "")

			del := func(token, user, id string) result {
				return do(t, nil, "DELETE", h.URL()+"/users/"+user+"/tokens/"+id, token, "", "")
			}
			wantStatus(t, del("culler-no-tokens", "alice", id), 403, "")
			wantStatus(t, del("minter", "bob", id), 404, map[string]string{"3.0.0": "Token not found <APIToken('" + tok[:4] + "...', user='alice', client_id='jupyterhub')>", "5.2.1": "No such token " + id + " for user bob"}[v])
			wantStatus(t, del("minter", "bob", "a999"), 404, map[string]string{"3.0.0": "Token not found None", "5.2.1": "No such token a999 for user bob"}[v])
			wantStatus(t, del("minter", "alice", "x1"), 404, "No such token x1 for user alice")
			if r := del("minter", "alice", id); r.status != 204 || len(r.body) != 0 {
				t.Fatalf("DELETE: %d %s", r.status, r.body)
			}
			wantStatus(t, do(t, nil, "GET", h.URL()+"/user", tok, "", ""), 403, "")
			if len(h.Tokens("alice")) != 0 {
				t.Errorf("deleted, yet %v", h.Tokens("alice"))
			}
			wantStatus(t, del("minter", "alice", id), 404, "")

			// an expired token authenticates nothing, and DELETE still finds it
			r = post("minter", "alice", `{"scopes": ["access:servers!server=alice/"], "expires_in": 1}`)
			wantStatus(t, r, http.StatusCreated, "")
			tok, id = r.obj(t)["token"].(string), r.obj(t)["id"].(string)
			deadline := time.Now().Add(5 * time.Second)
			for do(t, nil, "GET", h.URL()+"/user", tok, "", "").status == 200 {
				if time.Now().After(deadline) {
					t.Fatal("the token did not expire")
				}
				time.Sleep(50 * time.Millisecond) // polling
			}
			if r := del("minter", "alice", id); r.status != 204 {
				t.Errorf("DELETE of an expired token: %d %s", r.status, r.body)
			}
		})
	}
}

// TestServerAccess: a single-user server lets in a token scoped to it, its
// user's, or one with access:servers, and no other; a deleted token not.
func TestServerAccess(t *testing.T) {
	h := newHub(t, Options{Version: "5.2.1"})
	h.AddToken("minter", Owner{Kind: "service", Name: "minter"}, "tokens")
	h.AddToken("all", Owner{Kind: "service", Name: "all"}, "access:servers")
	h.AddUser(User{Name: "alice"})
	h.AddUser(User{Name: "bob"})
	r := do(t, nil, "POST", h.URL()+"/users/alice/tokens", "minter", "", `{"scopes": ["access:servers!server=alice/lab"], "expires_in": 60}`)
	wantStatus(t, r, 201, "")
	tok, id := r.obj(t)["token"].(string), r.obj(t)["id"].(string)
	for _, c := range []struct {
		auth, user, server string
		want               bool
	}{
		{"token " + tok, "alice", "lab", true},
		{"Bearer " + tok, "alice", "lab", true},
		{"token " + tok, "alice", "", false},
		{"token " + tok, "bob", "lab", false},
		{"token all", "bob", "", true},
		{"token minter", "alice", "lab", false},
		{tok, "alice", "lab", false},
		{"", "alice", "lab", false},
	} {
		if got := h.ServerAccess(c.auth, c.user, c.server); got != c.want {
			t.Errorf("ServerAccess(%q, %s/%s) = %v", c.auth, c.user, c.server, got)
		}
	}
	if u, _ := h.User("alice"); u.LastActivity == nil {
		t.Error("the server's check of alice's token recorded no activity on alice")
	}
	wantStatus(t, do(t, nil, "DELETE", h.URL()+"/users/alice/tokens/"+id, "minter", "", ""), 204, "")
	if h.ServerAccess("token "+tok, "alice", "lab") {
		t.Error("a deleted token let in")
	}
}
