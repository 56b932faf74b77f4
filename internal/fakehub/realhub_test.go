package fakehub

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/realhub"
)

// The tests in this file run the same requests against each real JupyterHub
// release (realhub.Releases: Debian 12's 3.0.0 on this machine, Debian 13's
// 5.2.1 in its root; testdata/realhub.py runs in the release) and against
// the fake asked to be the same version, and compare status codes,
// Content-Type and what hubctl reads of the JSON bodies (see consumed). A
// release that cannot run here is skipped, and fails the test in CI
// (realhub.Release.Require).

// eachRelease runs f as a subtest per release, named by it.
func eachRelease(t *testing.T, f func(t *testing.T, r realhub.Release, version string)) {
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel() // each release runs a Hub of its own
			r.Require(t)
			f(t, r, r.Version.String()) // the fake answers as the Hub does
		})
	}
}

type realToken struct {
	Token  string   `json:"token"`
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

type realStep struct {
	method, path, token, accept, body string
	bearer                            string
	// settle repeats the step on both hubs until they answer alike with no
	// stop still pending: the two hubs' slow stops end at slightly different
	// moments, more so on a loaded machine.
	settle bool
}

// settleBound is how long a settling step may poll.
const settleBound = 15 * time.Second

func mustTime(t *testing.T, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// startRealHub starts testdata/realhub.py in release r with the scenario
// and returns the API base URL.
func startRealHub(t *testing.T, r realhub.Release, users []User, tokens []realToken) string {
	t.Helper()
	return startRealHubWith(t, r, users, tokens, nil)
}

// startRealHubWith is startRealHub with more scenario keys, e.g.
// token_expires_in_max_seconds (see testdata/realhub.py).
func startRealHubWith(t *testing.T, r realhub.Release, users []User, tokens []realToken, extra map[string]any) string {
	t.Helper()
	type srvSpec struct {
		Ready        bool           `json:"ready"`
		Pending      string         `json:"pending,omitempty"`
		Started      *string        `json:"started"`
		LastActivity *string        `json:"last_activity"`
		StopDelay    *float64       `json:"stop_delay,omitempty"`
		UserOptions  map[string]any `json:"user_options,omitempty"`
	}
	type userSpec struct {
		Name         string             `json:"name"`
		Admin        bool               `json:"admin"`
		Created      string             `json:"created"`
		LastActivity *string            `json:"last_activity"`
		Groups       []string           `json:"groups,omitempty"`
		Servers      map[string]srvSpec `json:"servers"`
	}
	iso := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := t.UTC().Format(time.RFC3339Nano)
		return &s
	}
	var us []userSpec
	for _, u := range users {
		s := userSpec{Name: u.Name, Admin: u.Admin, Created: *iso(&u.Created), LastActivity: iso(u.LastActivity), Groups: u.Groups, Servers: map[string]srvSpec{}}
		for n, sv := range u.Servers {
			ss := srvSpec{Ready: sv.Ready, Pending: sv.Pending, Started: iso(sv.Started), LastActivity: iso(sv.LastActivity), UserOptions: sv.UserOptions}
			if sv.StopDelay > 0 {
				d := sv.StopDelay.Seconds()
				ss.StopDelay = &d
			}
			s.Servers[n] = ss
		}
		us = append(us, s)
	}
	scDir := t.TempDir()
	scPath := filepath.Join(scDir, "sc.json")
	scenario := map[string]any{"users": us, "tokens": tokens, "slow_stop_timeout": 0.3}
	for k, v := range extra {
		scenario[k] = v
	}
	data, _ := json.Marshal(scenario)
	if err := os.WriteFile(scPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// in the 5.2 root the package and scenario directories are seen at the
	// same paths; the process keeps its PID through unshare and chroot
	cmd := r.Command(t, []string{pkgDir, scDir}, "/usr/bin/python3", "testdata/realhub.py", scPath)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			return "http://127.0.0.1:" + p + "/hub/api"
		}
	}
	t.Fatal("real hub did not start")
	return ""
}

func newFakeFrom(t *testing.T, opts Options, users []User, tokens []realToken) *Hub {
	fake := New(opts)
	t.Cleanup(fake.Close)
	for _, u := range users {
		fake.AddUser(u)
	}
	for _, tk := range tokens {
		fake.AddToken(tk.Token, Owner{Kind: tk.Kind, Name: tk.Name}, tk.Scopes...)
	}
	return fake
}

// sendStep sends s to the Hub at base: the status, what hubctl reads of
// the body (consumed), the body and the headers compared.
func sendStep(t *testing.T, client *http.Client, base string, s realStep) (int, any, string, string) {
	t.Helper()
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, base+s.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "token "+s.token)
	}
	if s.bearer != "" {
		req.Header.Set("Authorization", "bearer   "+s.bearer)
	}
	if s.accept != "" {
		req.Header.Set("Accept", s.accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", s.method, base, s.path, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var v any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			v = "non-JSON: " + string(raw)
		}
	}
	// the headers compared: Content-Type, and the version every
	// answer carries (handlers/base.py set_default_headers)
	return resp.StatusCode, consumed(v, base), string(raw), resp.Header.Get("Content-Type") + "; version " + resp.Header.Get("X-JupyterHub-Version")
}

// compareSteps sends each step to both hubs and reports differences.
func compareSteps(t *testing.T, realBase, fakeBase string, steps []realStep) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	do := func(base string, s realStep) (int, any, string, string) { return sendStep(t, client, base, s) }
	for i, s := range steps {
		// send to both at about the same time (stop delays)
		rs, rv, rraw, rct := do(realBase, s)
		fs, fv, fraw, fct := do(fakeBase, s)
		for deadline := time.Now().Add(settleBound); s.settle && time.Now().Before(deadline); {
			pending := strings.Contains(rraw+fraw, `"pending": "stop"`)
			if !pending && rs == fs && reflect.DeepEqual(rv, fv) && rct == fct {
				break
			}
			time.Sleep(50 * time.Millisecond) // polling interval of the deadline above
			rs, rv, rraw, rct = do(realBase, s)
			fs, fv, fraw, fct = do(fakeBase, s)
		}
		if rs != fs || !reflect.DeepEqual(rv, fv) || rct != fct {
			t.Errorf("step %d %s %s (token %q, accept %q, body %q):\nreal %d %s %s\nfake %d %s %s",
				i, s.method, s.path, s.token, s.accept, s.body, rs, rct, rraw, fs, fct, fraw)
		}
	}
}

func TestAgainstRealHub(t *testing.T) { eachRelease(t, testAgainstRealHub) }

func testAgainstRealHub(t *testing.T, r realhub.Release, version string) {
	ts := func(s string) *time.Time { return mustTime(t, s) }
	created := *ts("2026-01-01T00:00:00Z")
	const slow = 1500 * time.Millisecond
	users := []User{
		{Name: "alice", Admin: true, Created: created, LastActivity: ts("2026-01-02T03:04:05.123456Z"), Groups: []string{"staff", "instructors"},
			Servers: map[string]*Server{"": {Ready: true, Started: ts("2026-01-02T00:00:00Z"), LastActivity: ts("2026-01-02T03:04:05Z"), UserOptions: map[string]any{"profile": "gpu", "n": 2}}}},
		{Name: "bob", Created: created,
			Servers: map[string]*Server{"": {}, "x y": {Ready: true}, "p": {Pending: "spawn"}}},
		{Name: "carol", Created: created},
		{Name: "a b/c%d é", Created: created, LastActivity: ts("2026-02-01T00:00:00Z"),
			Servers: map[string]*Server{"": {Ready: true, Started: ts("2026-02-01T00:00:00Z")}, "n/1 %": {Ready: true}}},
		{Name: "dave", Created: created, Servers: map[string]*Server{"": {Pending: "check"}, "st": {Pending: "stop"}}},
		{Name: "erin", Created: created,
			Servers: map[string]*Server{"": {Ready: true, StopDelay: slow}, "slow": {Ready: true, StopDelay: slow}, "gone": {}}},
		{Name: "frank", Created: created, Servers: map[string]*Server{"": {Ready: true}}},
		{Name: "gina", Created: created, Servers: map[string]*Server{"": {Ready: true}, "n": {Ready: true}}},
		{Name: "hank", Created: created, Servers: map[string]*Server{"": {Ready: true, StopDelay: slow}}},
		{Name: "ivy", Created: created, Servers: map[string]*Server{"": {Pending: "stop"}}},
		{Name: "jo", Created: created, Servers: map[string]*Server{"ps": {Pending: "spawn", StopDelay: slow}}},
	}
	tokens := []realToken{
		{"culler-token", "service", "culler", []string{"list:users", "read:users:activity", "read:servers", "delete:servers", "admin:users"}},
		{"names-token", "service", "names", []string{"list:users"}},
		{"noscope-token", "service", "noscope", []string{"read:hub"}},
		{"frank-token", "user", "frank", []string{"read:users:activity", "delete:users", "list:users"}},
		{"carol-token", "user", "carol", []string{"read:users:activity"}},
		{"groups-token", "service", "groups", []string{"list:users", "read:users:groups", "read:servers"}},
	}

	realBase := startRealHub(t, r, users, tokens)
	fake := newFakeFrom(t, Options{Version: version}, users, tokens)
	const pag = hub.PaginationMediaType
	steps := []realStep{
		{method: "GET", path: "/"},
		{method: "GET", path: ""},
		{method: "GET", path: "/users/", token: "culler-token"},
		{method: "GET", path: "/user"},
		{method: "GET", path: "/user", token: "wrong-token"},
		{method: "GET", path: "/user", token: "culler-token"},
		{method: "GET", path: "/user", token: "names-token"},
		{method: "GET", path: "/user", token: "carol-token"},
		{method: "GET", path: "/user", token: "frank-token"},
		{method: "GET", path: "/user", bearer: "culler-token"},
		{method: "DELETE", path: "/users//server", token: "culler-token"},
		{method: "GET", path: "/users"},
		{method: "GET", path: "/users", token: "noscope-token"},
		{method: "GET", path: "/users", token: "culler-token"},
		{method: "GET", path: "/users", token: "names-token", accept: pag},
		{method: "GET", path: "/users", token: "frank-token", accept: pag},
		{method: "GET", path: "/users", token: "groups-token", accept: pag},
		{method: "GET", path: "/users?limit=2", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?limit=2", token: "culler-token", accept: pag + "; q=1"},
		{method: "GET", path: "/users?limit=2", token: "culler-token", accept: "text/html, " + strings.ToUpper(pag)},
		{method: "GET", path: "/users?limit=2&offset=2&x=&y=1+2&y=%41", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?offset=-3&limit=-2", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?limit=0", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?limit=5000", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?limit=abc", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?offset=", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=bogus", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=active", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=active&limit=3", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=ready&limit=3", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=ready&limit=3&offset=3", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=ready&limit=3&offset=6", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=ready&limit=3&offset=9", token: "culler-token", accept: pag},
		{method: "GET", path: "/users?state=ready", token: "culler-token"},
		{method: "GET", path: "/users?state=inactive", token: "culler-token", accept: pag},
		{method: "GET", path: "/users/bob", token: "culler-token"},
		{method: "GET", path: "/users/nobody", token: "culler-token"},
		{method: "GET", path: "/users/a%20b%2Fc%25d%20%C3%A9", token: "culler-token"},
		{method: "GET", path: "/users/frank", token: "frank-token"},
		{method: "GET", path: "/users/bob", token: "frank-token"},
		{method: "GET", path: "/users/bob", token: "names-token"},
		// carol's first scope held (read:users:name) is filtered on her, a
		// later one (read:users:activity) is not
		{method: "GET", path: "/users/bob", token: "carol-token"},
		{method: "DELETE", path: "/users/bob/server"},
		{method: "DELETE", path: "/users/bob/server", token: "culler-token", body: `{"remove": true}`},

		{method: "DELETE", path: "/users/bob/server", token: "names-token"},
		{method: "DELETE", path: "/users/nobody/server", token: "culler-token"},
		{method: "DELETE", path: "/users/nobody/servers/x", token: "culler-token"},
		{method: "DELETE", path: "/users/bob/servers/nope", token: "culler-token"},
		{method: "DELETE", path: "/users/bob/servers/p", token: "culler-token"},
		{method: "DELETE", path: "/users/dave/server", token: "culler-token"},
		{method: "DELETE", path: "/users/dave/servers/st", token: "culler-token"},
		{method: "DELETE", path: "/users/bob/server", token: "culler-token", body: `{bad`},
		{method: "DELETE", path: "/users/bob/server", token: "culler-token"},
		{method: "DELETE", path: "/users/alice/server", token: "culler-token"},
		{method: "GET", path: "/users/alice", token: "culler-token"},
		{method: "DELETE", path: "/users/bob/servers/x%20y", token: "culler-token", body: `{"remove": true}`},
		{method: "GET", path: "/users/bob", token: "culler-token"},
		{method: "DELETE", path: "/users/a%20b%2Fc%25d%20%C3%A9/servers/n%2F1%20%25", token: "culler-token"},
		{method: "GET", path: "/users/a%20b%2Fc%25d%20%C3%A9", token: "culler-token"},
		{method: "DELETE", path: "/users/erin/servers/gone", token: "culler-token", body: `{"remove": true}`},
		// slow stops (1.5s): both Hubs answer 202 and show them pending
		{method: "DELETE", path: "/users/erin/servers/slow", token: "culler-token", body: `{"remove": true}`},
		{method: "DELETE", path: "/users/erin/server", token: "culler-token"},
		{method: "GET", path: "/users/erin", token: "culler-token"},
		{method: "DELETE", path: "/users/erin/server", token: "culler-token"},
		{method: "DELETE", path: "/users/hank", token: "culler-token"},
		// 3.0 refuses; 5.2 cancels the spawn, then stops (slowly) and removes
		{method: "DELETE", path: "/users/jo/servers/ps", token: "culler-token", body: `{"remove": true}`},
		{method: "DELETE", path: "/users/ivy", token: "culler-token"},
		{method: "DELETE", path: "/users/gina", token: "culler-token"},
		{method: "GET", path: "/users/gina", token: "culler-token"},
		{method: "DELETE", path: "/users/nobody", token: "culler-token"},
		{method: "DELETE", path: "/users/frank", token: "frank-token"},
		{method: "DELETE", path: "/users/carol", token: "frank-token"},
		{method: "DELETE", path: "/users/carol", token: "names-token"},
		// once the slow stops are over on both
		{method: "GET", path: "/users", token: "culler-token", settle: true},
		{method: "GET", path: "/users/jo", token: "culler-token"},
		{method: "GET", path: "/users?state=active", token: "culler-token", accept: pag},
		{method: "DELETE", path: "/users/hank", token: "culler-token"},
		{method: "GET", path: "/users", token: "culler-token"},
	}
	compareSteps(t, realBase, fake.URL(), steps)
}

// TestAgainstRealHubPaging walks every page of every state filter over
// random users and servers.
func TestAgainstRealHubPaging(t *testing.T) { eachRelease(t, testAgainstRealHubPaging) }

func testAgainstRealHubPaging(t *testing.T, r realhub.Release, version string) {
	rng := rand.New(rand.NewSource(7))
	created := *mustTime(t, "2026-01-01T00:00:00Z")
	states := []Server{{Ready: true}, {Ready: true}, {}, {Pending: "spawn"}, {Pending: "stop"}, {Pending: "check"}}
	var users []User
	for i := 0; i < 60; i++ {
		u := User{Name: fmt.Sprintf("u%02d", i), Created: created, Servers: map[string]*Server{}}
		n := rng.Intn(4)
		for j := 0; j < n; j++ {
			s := states[rng.Intn(len(states))]
			name := ""
			if j > 0 {
				name = fmt.Sprintf("s%d", j)
			}
			u.Servers[name] = &s
		}
		users = append(users, u)
	}
	tokens := []realToken{{"paging-token", "service", "pager", []string{"list:users", "read:servers"}}}
	realBase := startRealHub(t, r, users, tokens)
	fake := newFakeFrom(t, Options{Version: version}, users, tokens)
	var steps []realStep
	for _, state := range []string{"", "active", "ready", "inactive"} {
		for _, limit := range []int{1, 2, 3, 7, 50} {
			for off := 0; off <= 70; off += limit {
				steps = append(steps, realStep{method: "GET", token: "paging-token", accept: hub.PaginationMediaType,
					path: fmt.Sprintf("/users?state=%s&offset=%d&limit=%d", state, off, limit)})
			}
		}
		steps = append(steps, realStep{method: "GET", token: "paging-token", path: "/users?state=" + state})
	}
	compareSteps(t, realBase, fake.URL(), steps)
}

// consumed keeps of a reply what hubctl reads (cull's Identity, apiUser,
// apiServer, pagination and error message), and the keys of each model,
// so that the fake need not carry exact values of fields nobody reads: next.url's base is replaced by a marker and its
// query sorted (the Hub keeps the request's order), recent timestamps (set
// by each Hub's clock) are replaced by a marker.
func consumed(v any, base string) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, u := range x {
			out[i] = consumedUser(u)
		}
		return out
	case map[string]any:
		switch {
		case x["api_tokens"] != nil:
			list, _ := x["api_tokens"].([]any)
			out := make([]any, len(list))
			for i, t := range list {
				out[i] = consumedToken(t)
			}
			return map[string]any{"api_tokens": out}
		case x["id"] != nil && x["kind"] == "api_token":
			return consumedToken(x)
		case x["items"] != nil:
			out := map[string]any{"items": consumed(x["items"], base)}
			if p, ok := x["_pagination"].(map[string]any); ok {
				pag := pick(p, "offset", "limit", "total")
				if next, ok := p["next"].(map[string]any); ok {
					n := pick(next, "offset", "limit")
					n["url"] = consumedURL(next["url"].(string), base)
					pag["next"] = n
				} else {
					pag["next"] = p["next"]
				}
				out["_pagination"] = pag
			}
			return out
		case x["scopes"] != nil:
			out := pick(x, "kind", "name", "admin", "scopes")
			out["<keys>"] = keyList(x)
			return out
		case x["kind"] == "user":
			return consumedUser(x)
		}
		return pick(x, "version", "status", "message")
	}
	return v
}

// consumedToken is what hubctl reads of a token model (cull.APIToken):
// times only as set or not (they differ between the hubs).
func consumedToken(v any) any {
	t, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := pick(t, "user", "kind", "note", "oauth_client", "session_id")
	if sc, ok := t["scopes"].([]any); ok {
		sorted := append([]any(nil), sc...)
		sort.Slice(sorted, func(i, j int) bool { return fmt.Sprint(sorted[i]) < fmt.Sprint(sorted[j]) })
		out["scopes"] = sorted
	}
	for _, k := range []string{"created", "last_activity", "expires_at"} {
		out[k+" set"] = t[k] != nil
	}
	out["<keys>"] = keyList(t)
	return out
}

func consumedUser(v any) any {
	u, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := pick(u, "name", "admin", "groups", "created", "last_activity")
	out["<keys>"] = keyList(u)
	if servers, ok := u["servers"].(map[string]any); ok {
		ss := map[string]any{}
		for name, s := range servers {
			sm := s.(map[string]any)
			p := pick(sm, "name", "ready", "pending", "started", "last_activity", "user_options")
			p["<keys>"] = keyList(sm)
			ss[name] = p
		}
		out["servers"] = ss
	}
	return out
}

// keyList is the sorted keys of a model: the fake sends every key the
// release's model has (values of the ones hubctl does not read are
// approximate), so that hubctl decodes replies of the real shape.
func keyList(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// pick copies the keys m has, with recent timestamps replaced by a marker.
func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if s, isStr := v.(string); isStr {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil && time.Since(t) < time.Hour {
				v = "<recent>"
			}
		}
		out[k] = v
	}
	return out
}

func consumedURL(s, base string) string {
	rest, ok := strings.CutPrefix(s, base)
	if !ok {
		rest, ok = strings.CutPrefix(s, internalURL)
	}
	path, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if !ok || err != nil {
		return "unexpected: " + s
	}
	return "<base>" + path + "?" + q.Encode()
}

// TestAgainstRealHubTokens: the token endpoints the culler's kernel check
// uses (POST /users/{name}/tokens, DELETE /users/{name}/tokens/{id}) answer
// the fake as each real Hub: the refusals and their messages, the token
// model of a minted token (its keys and scopes), what GET /user says of it,
// and its deletion. Each Hub's own token and id are used in the steps that
// follow, and an id in a message is compared as <id>.
func TestAgainstRealHubTokens(t *testing.T) { eachRelease(t, testAgainstRealHubTokens) }

func testAgainstRealHubTokens(t *testing.T, r realhub.Release, version string) {
	created := *mustTime(t, "2026-01-01T00:00:00Z")
	users := []User{
		{Name: "carol", Created: created, Servers: map[string]*Server{"": {Ready: true}}},
		{Name: "bob", Created: created},
	}
	tokens := []realToken{
		{"culler-token", "service", "culler", []string{"list:users", "read:servers"}},
		{"minter-token", "service", "minter", []string{"tokens"}},
	}
	type hubUnder struct {
		name, base string
		minted     string // the token minted in step "mint"
		id         string
	}
	hubs := []*hubUnder{{name: "real", base: startRealHub(t, r, users, tokens)}, {name: "fake"}}
	fake := newFakeFrom(t, Options{Version: version}, users, tokens)
	hubs[1].base = fake.URL()
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(h *hubUnder, method, path, token, body string) (int, any, string) {
		path = strings.ReplaceAll(path, "<id>", h.id)
		token = strings.ReplaceAll(token, "<minted>", h.minted)
		status, v, raw, _ := sendStep(t, client, h.base, realStep{method: method, path: path, token: token, body: body})
		if m, ok := v.(map[string]any); ok {
			if msg, ok := m["message"].(string); ok && h.id != "" {
				m["message"] = strings.ReplaceAll(strings.ReplaceAll(msg, h.id, "<id>"), h.minted[:4]+"...", "<prefix>...")
			}
			// _check_token_scopes joins a Python set: unordered
			if msg, ok := m["message"].(string); ok {
				if rest, ok := strings.CutPrefix(msg, "Not assigning requested scopes "); ok {
					list, owner, _ := strings.Cut(rest, " not held by ")
					names := strings.Split(list, ",")
					sort.Strings(names)
					m["message"] = "Not assigning requested scopes " + strings.Join(names, ",") + " not held by " + owner
				}
			}
			// token_model's scopes are a Python set's list: unordered
			if sc, ok := m["scopes"].([]any); ok {
				sort.Slice(sc, func(i, j int) bool { return fmt.Sprint(sc[i]) < fmt.Sprint(sc[j]) })
			}
		}
		return status, v, raw
	}
	const mint = `{"scopes": ["access:servers!server=carol/"], "expires_in": 60, "note": "hubctl cull --check-kernels"}`
	steps := []struct{ name, method, path, token, body string }{
		{"no token", "POST", "/users/carol/tokens", "", mint},
		{"no tokens scope", "POST", "/users/carol/tokens", "culler-token", mint},
		{"no such user", "POST", "/users/nobody/tokens", "minter-token", mint},
		{"not bob's", "POST", "/users/bob/tokens", "minter-token", mint},
		{"unfiltered", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["access:servers"]}`},
		{"not a dict", "POST", "/users/carol/tokens", "minter-token", `[1]`},
		{"scopes and roles", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["read:users"], "roles": ["user"]}`},
		{"unknown scope", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["no:such"]}`},
		{"mint", "POST", "/users/carol/tokens", "minter-token", mint},
		{"whoami", "GET", "/user", "<minted>", ""},
		{"list", "GET", "/users/carol/tokens", "minter-token", ""},
		{"get one", "GET", "/users/carol/tokens/<id>", "minter-token", ""},
		{"get another's", "GET", "/users/bob/tokens/<id>", "minter-token", ""},
		{"list without read:tokens", "GET", "/users/carol/tokens", "culler-token", ""},
		{"list no such user", "GET", "/users/nobody/tokens", "minter-token", ""},
		{"not held by carol", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["read:users"]}`},
		{"inherit", "POST", "/users/bob/tokens", "minter-token", `{"note": "all of bob's"}`},
		{"list bob's", "GET", "/users/bob/tokens", "minter-token", ""},
		{"list with it", "GET", "/users", "<minted>", ""},
		{"no tokens scope to delete", "DELETE", "/users/carol/tokens/<id>", "culler-token", ""},
		{"another's", "DELETE", "/users/bob/tokens/<id>", "minter-token", ""},
		{"not an id", "DELETE", "/users/carol/tokens/x1", "minter-token", ""},
		{"delete", "DELETE", "/users/carol/tokens/<id>", "minter-token", ""},
		{"deleted", "GET", "/user", "<minted>", ""},
		{"again", "DELETE", "/users/carol/tokens/<id>", "minter-token", ""},
	}
	if version == "5.2.1" {
		steps = append(steps,
			struct{ name, method, path, token, body string }{"expires_in 0: never", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["access:servers!server=carol/"], "expires_in": 0}`},
			struct{ name, method, path, token, body string }{"expires_in < 0", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["access:servers!server=carol/"], "expires_in": -5}`},
			struct{ name, method, path, token, body string }{"expires_in not an int", "POST", "/users/carol/tokens", "minter-token", `{"scopes": ["access:servers!server=carol/"], "expires_in": "60"}`})
	}
	for _, s := range steps {
		var got [2]struct {
			status int
			v      any
			raw    string
		}
		for i, h := range hubs {
			got[i].status, got[i].v, got[i].raw = send(h, s.method, s.path, s.token, s.body)
			if s.name == "mint" {
				var m struct{ ID, Token string }
				if json.Unmarshal([]byte(got[i].raw), &m) != nil || m.ID == "" || m.Token == "" {
					t.Fatalf("%s: mint: %d %s", h.name, got[i].status, got[i].raw)
				}
				h.id, h.minted = m.ID, m.Token
			}
		}
		if got[0].status != got[1].status || !reflect.DeepEqual(got[0].v, got[1].v) {
			t.Errorf("%s: %s %s %s:\nreal %d %s\nfake %d %s", s.name, s.method, s.path, s.body, got[0].status, got[0].raw, got[1].status, got[1].raw)
		}
	}
}

// TestAgainstRealHubTokenExpiresInMax: with 5.1's
// token_expires_in_max_seconds, POST refuses a longer expires_in and gives
// a token without one the maximum, on the real 5.2 and the fake alike.
func TestAgainstRealHubTokenExpiresInMax(t *testing.T) {
	eachRelease(t, func(t *testing.T, r realhub.Release, version string) {
		if !r.Version.AtLeast(5, 1) {
			return // the setting came with 5.1
		}
		users := []User{{Name: "carol", Created: *mustTime(t, "2026-01-01T00:00:00Z")}}
		tokens := []realToken{{"minter-token", "service", "minter", []string{"tokens"}}}
		real := startRealHubWith(t, r, users, tokens, map[string]any{"token_expires_in_max_seconds": 3600})
		fake := newFakeFrom(t, Options{Version: version, TokenExpiresInMaxSeconds: 3600}, users, tokens)
		compareSteps(t, real, fake.URL(), []realStep{
			{method: "POST", path: "/users/carol/tokens", token: "minter-token", body: `{"expires_in": 7200}`},
			{method: "POST", path: "/users/carol/tokens", token: "minter-token", body: `{"expires_in": "60"}`},
			{method: "POST", path: "/users/carol/tokens", token: "minter-token", body: `{"note": "no expires_in"}`},
			{method: "POST", path: "/users/carol/tokens", token: "minter-token", body: `{"expires_in": 60}`},
		})
		// the token without expires_in got the maximum
		for _, ti := range fake.Tokens("carol") {
			if ti.Note == "no expires_in" && (ti.ExpiresAt == nil || time.Until(*ti.ExpiresAt) > time.Hour) {
				t.Errorf("fake: %+v", ti)
			}
		}
		req, _ := http.NewRequest("GET", real+"/users/carol/tokens", nil)
		req.Header.Set("Authorization", "token minter-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			APITokens []struct {
				Note      string     `json:"note"`
				ExpiresAt *time.Time `json:"expires_at"`
			} `json:"api_tokens"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		for _, tk := range list.APITokens {
			if tk.Note == "no expires_in" && (tk.ExpiresAt == nil || time.Until(*tk.ExpiresAt) > time.Hour || time.Until(*tk.ExpiresAt) < 59*time.Minute) {
				t.Errorf("real: %+v", tk)
			}
		}
	})
}
