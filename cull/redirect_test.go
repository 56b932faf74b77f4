package cull

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recordingServer counts the requests it gets and those with a token.
func recordingServer(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	t.Helper()
	var all, withToken atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all.Add(1)
		if r.Header.Get("Authorization") != "" {
			withToken.Add(1)
		}
		w.Write([]byte(`{"version": "3.0.0"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &all, &withToken
}

func redirectTo(target string, code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target+r.URL.RequestURI())
		w.WriteHeader(code)
	})
}

// TestRedirectsAreNotFollowed: a 3xx from the Hub is an error naming where
// it pointed, and the token never reaches that place: not another port on
// the same host (Go keeps the header when only the port changes), not
// cleartext http after https.
func TestRedirectsAreNotFollowed(t *testing.T) {
	other, all, withToken := recordingServer(t)
	plainFront := httptest.NewServer(redirectTo(other.URL, http.StatusTemporaryRedirect))
	t.Cleanup(plainFront.Close)
	tlsFront := httptest.NewTLSServer(redirectTo(other.URL, http.StatusTemporaryRedirect))
	t.Cleanup(tlsFront.Close)
	pool := x509.NewCertPool()
	pool.AddCert(tlsFront.Certificate())
	secretFront := httptest.NewServer(redirectTo("http://u:"+cullToken+"@"+other.Listener.Addr().String()+"/x?token="+cullToken+"&", http.StatusFound))
	t.Cleanup(secretFront.Close)

	for _, tt := range []struct {
		name, url string
		tls       *tls.Config
		want      string
	}{
		{"loopback port to port", plainFront.URL + "/hub/api", nil, "307 Temporary Redirect to " + other.URL + "/hub/api/"},
		{"https to http", tlsFront.URL + "/hub/api", &tls.Config{RootCAs: pool}, "307 Temporary Redirect to " + other.URL + "/hub/api/"},
		{"location with secrets", secretFront.URL + "/hub/api", nil, "302 Found to http://xxxxx@" + other.Listener.Addr().String() + "/x?xxxxx"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all.Store(0)
			withToken.Store(0)
			c, err := NewClient(ClientConfig{URL: tt.url, Token: cullToken, TLS: tt.tls, Retries: 3, BackoffBase: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Version(context.Background())
			var re *RedirectError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) || ErrorKind(err) != "redirect" {
				t.Fatalf("err %v (kind %s), want a redirect error with %q", err, ErrorKind(err), tt.want)
			}
			if strings.Contains(err.Error(), cullToken) {
				t.Errorf("the token is in %q", err)
			}
			if all.Load() != 0 || withToken.Load() != 0 {
				t.Errorf("the redirect target got %d requests, %d with a token", all.Load(), withToken.Load())
			}
			// and check says so
			r := Check(context.Background(), c, &Policy{})
			if r.OK || !strings.Contains(results(r)["hub"].Detail, tt.want) || all.Load() != 0 {
				t.Errorf("check: %+v", r.Results)
			}
		})
	}
}
