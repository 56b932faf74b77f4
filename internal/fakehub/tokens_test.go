package fakehub

import (
	"net/http"
	"slices"
	"strconv"
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

// TestTokenListing: GET /users/{name}/tokens answers {"api_tokens": [...]}
// without the secret, sorted by last_activity or created, leaving out
// expired tokens; a request the token authenticates sets its
// last_activity; GET by id finds one; DELETE of an OAuth token deletes all
// of the user's tokens of that client; without read:tokens 403, for a
// missing user 404. The real Hubs' answers are compared in
// TestAgainstRealHubTokens.
func TestTokenListing(t *testing.T) {
	h := newHub(t, Options{Version: "5.2.1"})
	h.AddToken("auditor", Owner{Kind: "service", Name: "auditor"}, "list:users", "tokens")
	h.AddToken("noread", Owner{Kind: "service", Name: "n"}, "list:users")
	h.AddUser(User{Name: "alice"})
	old := time.Now().Add(-200 * 24 * time.Hour)
	past := time.Now().Add(-time.Hour)
	idOld := h.AddTokenWith("alice-old", Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"read:users!user=alice"}, Note: "old", Created: old})
	h.AddTokenWith("alice-expired", Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"read:users!user=alice"}, ExpiresAt: &past})
	idOA := h.AddTokenWith("alice-oauth1", Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"read:users!user=alice"}, OAuthClient: "Server at /user/alice/"})
	idOA2 := h.AddTokenWith("alice-oauth2", Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"read:users!user=alice"}, OAuthClient: "Server at /user/alice/"})
	idNew := h.AddTokenWith("alice-new", Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"inherit"}})
	wantStatus(t, do(t, nil, "GET", h.URL()+"/user", "alice-new", "", ""), 200, "")

	r := do(t, nil, "GET", h.URL()+"/users/alice/tokens", "auditor", "", "")
	wantStatus(t, r, 200, "")
	if strings.Contains(string(r.body), `"token"`) || strings.Contains(string(r.body), "alice-") {
		t.Fatalf("the list shows a secret: %s", r.body)
	}
	list, _ := r.obj(t)["api_tokens"].([]any)
	var ids []string
	for _, x := range list {
		m := x.(map[string]any)
		ids = append(ids, m["id"].(string))
		if m["id"] == idNew && (m["last_activity"] == nil || !slices.Contains(m["scopes"].([]any), any("tokens!user=alice"))) {
			t.Errorf("the used inherit token: %v", m)
		}
		if m["id"] == idOld && (m["last_activity"] != nil || m["note"] != "old") {
			t.Errorf("the old token: %v", m)
		}
		if m["id"] == idOA && m["oauth_client"] != "Server at /user/alice/" {
			t.Errorf("the OAuth token: %v", m)
		}
	}
	if want := []string{idOld, idOA, idOA2, idNew}; !slices.Equal(ids, want) {
		t.Fatalf("listed %v, want %v (oldest first, no expired one)", ids, want)
	}
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users/alice/tokens/"+idOld, "auditor", "", ""), 200, "")
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users/alice/tokens", "noread", "", ""), 403, "Action is not authorized with current scopes; requires any of [read:tokens]")
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users/nobody/tokens", "auditor", "", ""), 404, "No such user: nobody")

	wantStatus(t, do(t, nil, "DELETE", h.URL()+"/users/alice/tokens/"+idOA, "auditor", "", ""), 204, "")
	var left []string
	for _, ti := range h.Tokens("alice") {
		left = append(left, ti.ID)
	}
	if slices.Contains(left, idOA2) || !slices.Contains(left, idOld) {
		t.Fatalf("after deleting OAuth token %s: %v left (its client's %s must go with it, %s stay)", idOA, left, idOA2, idOld)
	}
}

// Tokens lists a user's tokens in the order they were made: a2 before a10.
func TestTokensInOrder(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "alice"})
	var want []string
	for i := range 12 {
		want = append(want, h.AddTokenWith("alice-"+strconv.Itoa(i), Owner{Kind: "user", Name: "alice"}, TokenOptions{Scopes: []string{"read:users!user=alice"}}))
	}
	var got []string
	for _, ti := range h.Tokens("alice") {
		got = append(got, ti.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Tokens: %v, want %v", got, want)
	}
}
