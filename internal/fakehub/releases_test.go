package fakehub

import (
	"cmp"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Each behaviour that changed after 3.0.0 appears from the release whose
// source first has it, and not before (TestAgainstRealHub checks 3.0.0 and
// 5.2.1 against the real Hubs; these check the gates in between).
func TestReleaseDifferences(t *testing.T) {
	for _, v := range []string{"", "3.0.0", "4.0.0", "4.1.0", "5.0.0", "5.1.0", "5.2.1", "not a version"} {
		t.Run(cmp.Or(v, "default"), func(t *testing.T) {
			t.Parallel()
			checkReleaseDifferences(t, newHub(t, Options{Version: v}))
		})
	}
}

func checkReleaseDifferences(t *testing.T, h *Hub) {
	since := h.since
	h.AddUser(User{Name: "two", Created: t0, Servers: map[string]*Server{"": {Ready: true}, "b": {Ready: true}}})
	h.AddUser(User{Name: "one", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	h.AddUser(User{Name: "idle", Created: t0})

	// state=active counts a row per active server (3.0.0), per user (5.0.0)
	r := get(t, h, "/users?state=active&limit=1&x=", pag)
	wantStatus(t, r, 200, "")
	p := r.obj(t)["_pagination"].(map[string]any)
	next := p["next"].(map[string]any)
	wantTotal, wantNext := 3.0, 1.0
	if since(5, 0) {
		wantTotal = 2
	}
	if p["total"] != wantTotal || next["offset"] != wantNext {
		t.Errorf("state=active total %v next %v, want %v and %v", p["total"], next["offset"], wantTotal, wantNext)
	}
	// the blank x= is kept in next.url from 4.1.0
	if got := strings.Contains(next["url"].(string), "x="); got != since(4, 1) {
		t.Errorf("next.url %q keeps x=: %v", next["url"], got)
	}

	// 5.0.0 server model keys
	s := get(t, h, "/users/two", "").obj(t)["servers"].(map[string]any)["b"].(map[string]any)
	_, hasFull := s["full_name"]
	if hasFull != since(5, 0) || hasFull && (s["full_name"] != "two/b" || s["full_url"] != nil || s["full_progress_url"] != nil) {
		t.Errorf("server model %v", s)
	}
	if _, ok := s["full_url"]; ok != since(5, 0) {
		t.Errorf("server model %v: full_url", s)
	}

	// GET /user: session_id always, token_id from 5.0.0
	self := get(t, h, "/user", "").obj(t)
	if v, ok := self["session_id"]; !ok || v != nil {
		t.Errorf("GET /user session_id: %v", self)
	}
	if id, ok := self["token_id"]; ok != since(5, 0) || ok && id != "a1" {
		t.Errorf("GET /user token_id: %v", self)
	}

	// no credentials: 4.1.0's message
	msg := "Action is not authorized with current scopes; requires any of [list:users]"
	if since(4, 1) {
		msg = "Missing or invalid credentials."
	}
	wantStatus(t, do(t, nil, "GET", h.URL()+"/users", "", "", ""), 403, msg)

	// a user token whose first scope held is filtered on its owner, a later
	// one not: 404 on 3.0.0, the model from 5.0.0
	h.AddToken("one-token", Owner{Kind: "user", Name: "one"}, "read:users:activity")
	r = do(t, nil, "GET", h.URL()+"/users/two", "one-token", "", "")
	if since(5, 0) {
		wantStatus(t, r, 200, "")
		if m := r.obj(t); !reflect.DeepEqual(keys(m), []string{"kind", "last_activity", "name"}) {
			t.Errorf("GET /users/two with read:users:activity: %v", m)
		}
	} else {
		wantStatus(t, r, 404, "No access to resources or resources not found")
	}

	// the sharing scopes exist from 5.0.0: AddToken panics on a scope the
	// release does not have
	func() {
		defer func() {
			if panicked := recover() != nil; panicked == since(5, 0) {
				t.Errorf("AddToken(shares) panicked %v", panicked)
			}
		}()
		h.AddToken("shares-token", Owner{Kind: "service", Name: "s"}, "shares")
	}()
	// and 5.x expands them
	if since(5, 0) {
		self := do(t, nil, "GET", h.URL()+"/user", "shares-token", "", "").obj(t)
		want := []any{"access:servers", "groups:shares", "read:groups:shares", "read:shares", "read:users:shares", "shares", "users:shares"}
		if !reflect.DeepEqual(self["scopes"], want) {
			t.Errorf("shares expands to %v, want %v", self["scopes"], want)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// From 5.1.0 a DELETE of a server pending spawn cancels the spawn and, a
// second later, stops the server; one still pending (a check) is a 500.
// Before, both are refused with 400. The other requests are answered
// meanwhile.
func TestDeletePendingServer(t *testing.T) {
	for _, c := range []struct {
		version      string
		interrupts   bool
		spawn, check int
	}{
		{"5.0.0", false, 400, 400},
		{"5.1.0", true, 204, 500},
		{"5.2.1", true, 204, 500},
	} {
		t.Run(c.version, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, Options{Version: c.version})
			h.AddUser(User{Name: "u", Created: t0, Servers: map[string]*Server{
				"spawn": {Pending: "spawn"},
				"rm":    {Pending: "spawn"},
				"check": {Pending: "check"},
				"slow":  {Pending: "spawn", StopDelay: time.Hour},
			}})
			for _, d := range []struct {
				path, body string
				status     int
			}{
				{"/users/u/servers/spawn", "", c.spawn},
				{"/users/u/servers/check", "", c.check},
			} {
				start := time.Now()
				r := del(t, h, d.path, d.body)
				if took := time.Since(start); c.interrupts != (took >= interruptWait) {
					t.Errorf("DELETE %s took %s", d.path, took)
				}
				wantStatus(t, r, d.status, "")
			}
			if !c.interrupts {
				return
			}
			u, _ := h.User("u")
			if s := u.Servers["spawn"]; s == nil || s.Ready || s.Pending != "" || s.Started != nil {
				t.Errorf("interrupted spawn: %+v", s)
			}
			if s := u.Servers["check"]; s == nil || s.Pending != "check" {
				t.Errorf("the check stays pending: %+v", s)
			}

			// the Hub answers others while it waits; remove works; a slow
			// stop answers 202
			h.ResetRequests()
			done := make(chan result, 2)
			go func() { done <- del(t, h, "/users/u/servers/rm", `{"remove": true}`) }()
			go func() { done <- del(t, h, "/users/u/servers/slow", "") }()
			for deadline := time.Now().Add(10 * time.Second); len(h.Requests()) < 2; {
				if time.Now().After(deadline) {
					t.Fatal("the DELETEs did not arrive")
				}
				time.Sleep(time.Millisecond) // polling interval of the deadline above
			}
			wantStatus(t, get(t, h, "/users/u", ""), 200, "")
			if len(done) != 0 {
				t.Error("GET was answered only after the DELETEs waiting a second")
			}
			got := []int{(<-done).status, (<-done).status}
			slices.Sort(got)
			if !slices.Equal(got, []int{http.StatusAccepted, http.StatusNoContent}) {
				t.Errorf("remove and slow stop: %v, want 202 and 204", got)
			}
			u, _ = h.User("u")
			if u.Servers["rm"] != nil || u.Servers["slow"] == nil || u.Servers["slow"].Pending != "stop" {
				t.Errorf("after the stops: rm %+v slow %+v", u.Servers["rm"], u.Servers["slow"])
			}
		})
	}
}

// The default server cannot be removed (users.py, 3.0.0 and 5.2.1).
func TestRemoveDefaultServer(t *testing.T) {
	h := newHub(t, Options{})
	h.AddUser(User{Name: "u", Created: t0, Servers: map[string]*Server{"": {Ready: true}}})
	wantStatus(t, del(t, h, "/users/u/server", `{"remove": true}`), 400, "Cannot delete the default server")
	if !isRunning(h, "u") {
		t.Fatal("the refused DELETE stopped the server")
	}
}

func isRunning(h *Hub, name string) bool {
	u, ok := h.User(name)
	return ok && u.Servers[""] != nil && u.Servers[""].Ready
}

// TestPublicURL: with c.JupyterHub.public_url a 5.x server model's full_url
// and full_progress_url are it with the path of url and progress_url
// (base.py server_model, 5.2.1); 3.0.0 has neither key.
func TestPublicURL(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		h := newHub(t, Options{Version: v, PublicURL: "https://hub.example.org/"})
		h.AddUser(User{Name: "u%41", Created: t0, Servers: map[string]*Server{"g": {Ready: true}}})
		s := get(t, h, "/users/u%2541", "").obj(t)["servers"].(map[string]any)["g"].(map[string]any)
		_, has := s["full_url"]
		if has != (v == "5.2.1") || has && (s["full_url"] != "https://hub.example.org/user/u%2541/g/" ||
			s["full_progress_url"] != "https://hub.example.org/hub/api/users/u%2541/servers/g/progress") {
			t.Errorf("%s: server model %v", v, s)
		}
	}
}
