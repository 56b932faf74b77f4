package cull

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// echoingHub fronts a fake Hub; answer, when it returns a status, replaces
// the fake's reply with {"status": .., "message": ..}.
func echoingHub(t *testing.T, h *fakehub.Hub, answer func(r *http.Request) (int, string)) string {
	t.Helper()
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, msg := answer(r)
		if code == 0 {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := json.Marshal(map[string]any{"status": code, "message": msg})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hub/api"
}

// TestRepliesAreRedactedAndCapped: a Hub that echoes the token in a 10 MB
// message is repeated neither in the error nor in the log, and only in part.
func TestRepliesAreRedactedAndCapped(t *testing.T) {
	huge := "invalid token " + cullToken + " " + strings.Repeat("x", 10<<20)
	for _, tt := range []struct {
		name   string
		answer func(r *http.Request) (int, string)
		policy Policy
	}{
		{"version 500", func(r *http.Request) (int, string) {
			if r.URL.Path == "/hub/api/" {
				return 500, huge
			}
			return 0, ""
		}, basePolicy()},
		{"listing 403", func(r *http.Request) (int, string) {
			if r.URL.Path == "/hub/api/users" {
				return 403, huge
			}
			return 0, ""
		}, basePolicy()},
		{"stop 400", func(r *http.Request) (int, string) {
			if r.Method == http.MethodDelete {
				return 400, huge
			}
			return 0, ""
		}, basePolicy()},
		{"stop 418", func(r *http.Request) (int, string) {
			if r.Method == http.MethodDelete {
				return 418, huge + "\x1b[2J"
			}
			return 0, ""
		}, basePolicy()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, fakehub.Options{})
			addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			c, logs := newCuller(t, h, tt.policy)
			c.Client.cfg.Retries = 0
			c.Client.base, _ = NormalizeURL(echoingHub(t, h, tt.answer))
			_, err := c.RunPass(context.Background())
			out := logs.String()
			if err != nil {
				out += "\n" + err.Error()
			}
			if strings.Contains(out, cullToken) {
				t.Errorf("the token is in the output:\n%.600s", out)
			}
			if len(out) > 8<<10 {
				t.Errorf("%d bytes of output for a 10 MB reply", len(out))
			}
			if !strings.Contains(out, "invalid token [token] xxx") || !strings.Contains(out, "bytes more)") {
				t.Errorf("the message is not shown redacted and capped:\n%.2000s", out)
			}
			if strings.Contains(out, "\x1b") {
				t.Errorf("an escape sequence reached the output")
			}
		})
	}
}

func TestEchoHelpers(t *testing.T) {
	tok := "s3cr3t/t+k"
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"has " + tok + " and " + url.QueryEscape(tok), "has [token] and [token]"},
		{"red \x1b[31mtext\x1b[0m\n\u202eevil\xff", `red \x1b[31mtext\x1b[0m\n\u202eevil\xff`},
		{strings.Repeat("é", 200), strings.Repeat("é", 150) + "… (100 bytes more)"},
	} {
		if got := echo(tt.in, tok); got != tt.want {
			t.Errorf("echo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"alice", "alice"}, {"a b", "a b"}, {"\x1b[31m", `"\x1b[31m"`}, {`"quoted"`, `"\"quoted\""`}, {"tab\there", `"tab\there"`}, {"(default)", `"(default)"`},
		{strings.Repeat("n", 1000), strings.Repeat("n", 300) + "… (700 bytes more)"},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNormalizeURLHidesSecrets: a --url with userinfo, ?token= or that does
// not parse is refused without repeating the secret.
func TestNormalizeURLHidesSecrets(t *testing.T) {
	for _, raw := range []string{
		"http://admin:hunter2@127.0.0.1:8081/hub/api",
		"http://hunter2@127.0.0.1:8081/hub/api",
		"http://127.0.0.1:8081/hub/api?token=hunter2",
		"http://127.0.0.1:8081/hub/api#hunter2",
		"ftp://admin:hunter2@127.0.0.1/hub/api?token=hunter2",
		"http://admin:hunter2@127.0.0.1:80x81/hub/api",
		"http://127.0.0.1:8081/hub/api?token=hunter2\x7f",
		"hunter2",
	} {
		_, err := NormalizeURL(raw)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the secret is in %q", raw, err)
		}
		if !strings.HasPrefix(err.Error(), "hub API URL") {
			t.Errorf("%q: %q", raw, err)
		}
	}
	if got := RedactURL("https://u:p@hub.example.org/hub/api?token=abc#frag"); got != "https://xxxxx@hub.example.org/hub/api?xxxxx#xxxxx" {
		t.Errorf("RedactURL: %q", got)
	}
}

// TestLogsNeverCarryTheToken: a user named after the token (a Hub that
// echoes it anywhere) is logged redacted, in text and JSON, and an error
// value holding it too.
func TestLogsNeverCarryTheToken(t *testing.T) {
	var text, js lockedBuffer
	for _, inner := range []slog.Handler{slog.NewTextHandler(&text, nil), slog.NewJSONHandler(&js, nil)} {
		l := slog.New(&redactHandler{inner: inner, token: cullToken}).With("base", "x"+cullToken)
		l.Info("keeping "+cullToken, "user", cullToken, "err", errors.New("GET: "+cullToken), slog.Group("g", "k", cullToken), "n", 3)
	}
	for _, out := range []string{text.String(), js.String()} {
		if strings.Contains(out, cullToken) || strings.Count(out, tokenMark) != 5 || !strings.Contains(out, "3") {
			t.Errorf("%s", out)
		}
	}
}
