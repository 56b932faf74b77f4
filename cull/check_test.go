package cull

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

func results(r *Report) map[string]CheckResult {
	m := map[string]CheckResult{}
	for _, res := range r.Results {
		m[res.Check] = res
	}
	return m
}

func TestCheck(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	weak := "weakweakweakweakweakweakweakweak"
	h.AddUser(fakehub.User{Name: "alice", Created: time.Now()})
	h.AddToken(weak, fakehub.Owner{Kind: "user", Name: "alice"}, "list:users", "read:users:activity")
	for _, tt := range []struct {
		name   string
		token  string
		policy Policy
		ok     bool
		want   map[string]string // check → text in its detail
	}{
		{"all good", cullToken, Policy{CullUsers: true}, true, map[string]string{
			"hub": "answered in", "version": "JupyterHub 3.0.0", "token": "valid: service cull-idle", "scopes": "has what hubctl cull needs", "clock": "0s"}},
		{"missing scopes", weak, Policy{}, false, map[string]string{
			"token": "valid: user alice", "scopes": "missing read:servers, delete:servers"}},
		{"bad token", "nottheone-nottheone-nottheone-00", Policy{}, false, map[string]string{"token": "does not accept the token"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(ClientConfig{URL: h.URL(), Token: tt.token})
			if err != nil {
				t.Fatal(err)
			}
			r := Check(context.Background(), c, &tt.policy)
			if r.OK != tt.ok {
				t.Errorf("ok = %v: %+v", r.OK, r.Results)
			}
			got := results(r)
			for check, text := range tt.want {
				if !strings.Contains(got[check].Detail, text) {
					t.Errorf("%s: %q lacks %q", check, got[check].Detail, text)
				}
			}
		})
	}
}

func TestCheckUnreachable(t *testing.T) {
	c, _ := NewClient(ClientConfig{URL: "http://127.0.0.1:1/hub/api", Token: cullToken, RequestTimeout: time.Second})
	r := Check(context.Background(), c, &Policy{})
	if r.OK || len(r.Results) != 1 || r.Results[0].Check != "hub" || !strings.Contains(r.Results[0].Detail, "did not answer") {
		t.Errorf("%+v", r)
	}
}

// TestCheckClockSkew puts a Hub whose clock runs an hour ahead behind a proxy.
func TestCheckClockSkew(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	proxy.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Set("Date", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	c, _ := NewClient(ClientConfig{URL: front.URL + "/hub/api", Token: cullToken})
	r := Check(context.Background(), c, &Policy{})
	clock := results(r)["clock"]
	if r.OK || clock.OK || !strings.Contains(clock.Detail, "1h0m0s ahead of") || r.ClockSkew < 3590 {
		t.Errorf("%+v", r)
	}
}
