package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// loopingHub fronts a fake Hub and answers GET /users as the Hub of the
// issue did: empty pages whose next offset grows by one, forever.
func loopingHub(t *testing.T, h *fakehub.Hub) (string, *atomic.Int64) {
	t.Helper()
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api/users" {
			proxy.ServeHTTP(w, r)
			return
		}
		lists.Add(1)
		o, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		fmt.Fprintf(w, `{"items": [], "_pagination": {"offset": %d, "limit": 50, "total": 3, "next": {"offset": %d, "limit": 50}}}`, o, o+1)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hub/api", &lists
}

func TestCullOnceEndsOnEndlessPages(t *testing.T) {
	h := cullHub(t)
	u, lists := loopingHub(t, h)
	t.Setenv("JUPYTERHUB_API_TOKEN", testToken)
	r := runCLI(t, nil, "", "cull", "--once", "--url", u, "--timeout=3600")
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: listing users: GET /users: next page offset 1 advances by 1, not by the page's limit 50") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := lists.Load(); n > 5 {
		t.Errorf("%d requests for GET /users", n)
	}
	if !serverUp(h, "idle") {
		t.Error("culled on an incomplete listing")
	}
}
