package cull

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/realhub"
)

// TestAgainstRealHubKeepsBusyKernels: on each real Hub, two users' real
// single-user servers (jupyterhub-singleuser with Debian's ipykernel), both
// idle by activity: alice's kernel is kept busy running
// `import time; time.sleep(600)`, bob's kernel is idle. A pass with
// --check-kernels stops bob's server and keeps alice's, with the line that
// names her kernel. On 3.0 the proxy's address is --public-url; on 5.2 it is
// c.JupyterHub.public_url, which the Hub gives in each server's full_url.
// That address is a recorder in front of the proxy: the servers are sent
// tokens the Hub minted for them (its log says so), never the culler's, and
// each is deleted after the pass (the user's token list is as before, and
// the token no longer authenticates).
func TestAgainstRealHubKeepsBusyKernels(t *testing.T) {
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			p := realhub.FreePorts(t, 3)
			ports := realhub.Ports{Public: p[0], Hub: p[1], ProxyAPI: p[2]}
			public := "http://127.0.0.1:" + strconv.Itoa(ports.Public)
			proxyURL, _ := url.Parse(public)
			rec := &authRecorder{next: httputil.NewSingleHostReverseProxy(proxyURL)}
			recorder := httptest.NewServer(rec)
			defer recorder.Close()
			fromHub := r.Name != "3.0" // 5.0 on: full_url, with public_url set
			var lines []string
			if fromHub {
				lines = append(lines, "c.JupyterHub.public_url = '"+recorder.URL+"/'")
			}
			const adminToken = "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
			h := startCullerHub(t, r, realhub.Options{Ports: &ports}, lines, adminToken,
				[]string{"admin:users", "admin:servers", "access:servers", "tokens"}, hub.CullerRoleScopes(r.Version, hub.CullerFlags{CheckKernels: true}))
			h.Spawn(adminToken, "alice")
			h.Spawn(adminToken, "bob")

			// A kernel on each server, through the proxy as a browser's.
			su := &singleUser{t: t, h: h, base: public, token: adminToken}
			busyID := su.startKernel("alice")
			idleID := su.startKernel("bob")
			testdata, err := filepath.Abs("testdata")
			if err != nil {
				t.Fatal(err)
			}
			// The server may miss the status of a kernel's first execution
			// (its iopub subscription is not yet up, and the kernel stays
			// "starting" for it): an idle execution is sent until the server
			// sees it, and only then alice's busy one.
			drive := func(state, user, id string, attempts int) {
				t.Helper()
				for i := 1; ; i++ {
					cmd := r.Command(t, []string{t.TempDir(), testdata}, "/usr/bin/python3", filepath.Join(testdata, "busy_kernel.py"), state,
						"ws://127.0.0.1:"+strconv.Itoa(ports.Public)+"/user/"+user+"/api/kernels/"+id+"/channels")
					cmd.Env = append(os.Environ(), "KERNEL_TOKEN="+adminToken)
					if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != state {
						t.Fatalf("busy_kernel.py %s: %v\n%s\n%s", state, err, out, realhub.Tail(h.Output()))
					}
					if su.waitKernel(user, id, state, 20*time.Second) {
						return
					}
					if i == attempts {
						t.Fatalf("%s's kernel %s is not %s on the server after %d executions", user, id, state, i)
					}
				}
			}
			drive("idle", "bob", idleID, 3)
			drive("idle", "alice", busyID, 3)
			drive("busy", "alice", busyID, 1)

			client, err := NewClient(ClientConfig{URL: h.APIURL(), Token: cullToken, Concurrency: 4, Retries: 2})
			if err != nil {
				t.Fatal(err)
			}
			if err := KernelPreflight(context.Background(), client); (err == nil) != fromHub {
				t.Errorf("start-up check: %v", err)
			}
			logs := &lockedBuffer{}
			c := &Culler{Client: client, Policy: kernelPolicy(), Concurrency: 4, Metrics: NewMetrics(),
				Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				// Two hours on, both servers are idle by activity.
				Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
			if !fromHub {
				c.PublicURL, _ = ParsePublicURL(recorder.URL)
			}
			tokensBefore := map[string][]string{"alice": su.tokenIDs("alice"), "bob": su.tokenIDs("bob")}
			sum, err := c.RunPass(context.Background())
			if err != nil || sum.ServersCulled != 1 || sum.Kept[BusyKernel] != 1 || sum.KernelChecksFailed != 0 {
				t.Fatalf("pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), `msg="keeping server" user=alice`, "reason=busy-kernel", "kernel_id="+busyID, "kernel_name=python3") {
				t.Errorf("no busy-kernel line naming alice's kernel %s:\n%s", busyID, logs)
			}
			if !containsLine(logs.String(), `msg="culled server" user=bob`) {
				t.Errorf("bob's server was not culled:\n%s", logs)
			}
			for result, want := range map[string]string{"busy": "1", "idle": "1", "failed": "0"} {
				if got := metricValue(t, c.Metrics, `hubctl_cull_kernel_checks_total{result="`+result+`"}`); got != want && !(want == "0" && got == "") {
					t.Errorf("kernel checks %s = %q, want %s", result, got, want)
				}
			}
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "kernel") || strings.Contains(line, "culled") {
					t.Log(line)
				}
			}
			if !su.ready("alice") || su.ready("bob") {
				t.Errorf("after the pass: alice ready %v (want true), bob ready %v (want false)", su.ready("alice"), su.ready("bob"))
			}

			// What the single-user servers were sent.
			sent := rec.tokens()
			if len(sent) != 2 || sent[0] == sent[1] {
				t.Errorf("the servers were sent %d tokens (want 2, one per check, distinct)", len(sent))
			}
			for _, tok := range sent {
				if tok == cullToken || tok == "" || strings.Contains(logs.String(), tok) {
					t.Errorf("a server was sent the culler's token, none, or one the log shows")
				}
				if code, _ := h.API(tok, http.MethodGet, "/user", ""); code != http.StatusForbidden {
					t.Errorf("a check's token still authenticates after the pass: GET /user %d", code)
				}
			}
			for _, user := range []string{"alice", "bob"} {
				if !strings.Contains(h.Output(), "Service cull-idle requested API token for "+user) {
					t.Errorf("the Hub minted no token for %s:\n%s", user, realhub.Tail(h.Output()))
				}
				// (a stopped server's own token goes with it)
				for _, id := range su.tokenIDs(user) {
					if !slices.Contains(tokensBefore[user], id) {
						t.Errorf("%s's token %s, new since before the pass, is still there: the check's was not deleted", user, id)
					}
				}
			}
		})
	}
}

// singleUser reaches real single-user servers through a real Hub's proxy.
type singleUser struct {
	t     *testing.T
	h     *realhub.Hub
	base  string // the proxy's public URL, no trailing slash
	token string // with access:servers
}

func (s *singleUser) do(method, path, body string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, data
}

// startKernel starts the default kernel (python3) on user's server.
func (s *singleUser) startKernel(user string) string {
	s.t.Helper()
	code, data := s.do(http.MethodPost, "/user/"+url.PathEscape(user)+"/api/kernels", "{}")
	var k kernel
	if code != http.StatusCreated || json.Unmarshal(data, &k) != nil || k.ID == "" {
		s.t.Fatalf("POST /user/%s/api/kernels: %d %s\n%s", user, code, data, realhub.Tail(s.h.Output()))
	}
	return k.ID
}

// waitKernel polls, up to within, until the kernel reports state.
func (s *singleUser) waitKernel(user, id, state string, within time.Duration) bool {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, data := s.do(http.MethodGet, "/user/"+url.PathEscape(user)+"/api/kernels/"+id, "")
		var k kernel
		if code == http.StatusOK && json.Unmarshal(data, &k) == nil && k.ExecutionState == state {
			return true
		}
		if time.Now().After(deadline) {
			s.t.Logf("%s's kernel %s is not %s within %s: %d %s", user, id, state, within, code, data)
			return false
		}
		time.Sleep(200 * time.Millisecond) // polling
	}
}

// tokenIDs lists the ids of user's tokens, sorted (GET /users/{name}/tokens,
// read:tokens).
func (s *singleUser) tokenIDs(user string) []string {
	s.t.Helper()
	code, data := s.h.API(s.token, http.MethodGet, "/users/"+url.PathEscape(user)+"/tokens", "")
	var list struct {
		Tokens []struct {
			ID string `json:"id"`
		} `json:"api_tokens"`
	}
	if code != http.StatusOK || json.Unmarshal(data, &list) != nil {
		s.t.Fatalf("GET /users/%s/tokens: %d %s", user, code, data)
	}
	var out []string
	for _, tk := range list.Tokens {
		out = append(out, tk.ID)
	}
	slices.Sort(out)
	return out
}

// authRecorder is the public URL the culler is given, in front of the
// proxy: it notes the token of each request and passes it on.
type authRecorder struct {
	next http.Handler
	mu   sync.Mutex
	sent []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.sent = append(a.sent, strings.TrimPrefix(r.Header.Get("Authorization"), "token "))
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

func (a *authRecorder) tokens() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.sent)
}

// ready reports whether the Hub lists user's default server as ready.
func (s *singleUser) ready(user string) bool {
	s.t.Helper()
	_, data := s.h.API(s.token, http.MethodGet, "/users/"+url.PathEscape(user), "")
	var u struct {
		Servers map[string]struct{ Ready bool } `json:"servers"`
	}
	return json.Unmarshal(data, &u) == nil && u.Servers[""].Ready
}
