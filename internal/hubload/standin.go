package hubload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Standins serves every single-user server of a run from this one process,
// each on a port of its own, so that a 2-core machine holds hundreds: the
// Hub's StandinSpawner (spawnerConfig) asks its control URL for a server at
// start and to drop it at stop. A stand-in answers any request with 200 and
// the Hub's version header (what the Hub's readiness check looks for), and
// an active one posts its activity to the Hub as jupyterhub-singleuser
// does.
type Standins struct {
	// Active says which users' servers are in use: they post activity
	// every ActivityEvery; the others never do, as if idle.
	Active        func(user string) bool
	ActivityEvery time.Duration

	control *http.Server
	ln      net.Listener
	mu      sync.Mutex
	servers map[int]*standin
	posts   int
	failed  int
}

type standin struct {
	user   string
	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// startRequest is what StandinSpawner.start sends: the values the Hub puts
// in a single-user server's environment.
type startRequest struct {
	User        string `json:"user"`
	Server      string `json:"server"`
	Token       string `json:"token"`
	ActivityURL string `json:"activity_url"`
	HubVersion  string `json:"hub_version"`
}

// Start serves the control API on 127.0.0.1.
func (s *Standins) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ln, s.servers = ln, map[int]*standin{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /start", s.handleStart)
	mux.HandleFunc("POST /stop", s.handleStop)
	s.control = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.control.Serve(ln)
	return nil
}

// ControlURL is where StandinSpawner asks for servers.
func (s *Standins) ControlURL() string { return "http://" + s.ln.Addr().String() }

// Running is the number of stand-ins serving now.
func (s *Standins) Running() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.servers)
}

// Users are the users whose servers are served now.
func (s *Standins) Users() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := map[string]bool{}
	for _, st := range s.servers {
		users[st.user] = true
	}
	return users
}

// ActivityPosts is how many activity reports were accepted, and refused or
// failed.
func (s *Standins) ActivityPosts() (ok, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts, s.failed
}

func (s *Standins) handleStart(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.User == "" {
		http.Error(w, "bad start request", http.StatusBadRequest)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	port := ln.Addr().(*net.TCPAddr).Port
	version := req.HubVersion
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-JupyterHub-Version", version)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "hubload stand-in")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	st := &standin{user: req.User, srv: srv, cancel: cancel, done: make(chan struct{})}
	go srv.Serve(ln)
	if s.Active != nil && s.Active(req.User) && req.ActivityURL != "" {
		go s.postActivity(ctx, st, req)
	} else {
		close(st.done)
	}
	s.mu.Lock()
	s.servers[port] = st
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]int{"port": port})
}

func (s *Standins) handleStop(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Port int `json:"port"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		http.Error(w, "bad stop request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	st := s.servers[req.Port]
	delete(s.servers, req.Port)
	s.mu.Unlock()
	if st != nil {
		st.stop()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (st *standin) stop() {
	st.cancel()
	st.srv.Close()
	<-st.done
}

// postActivity reports the server active now, at once and then every
// ActivityEvery, as jupyterhub-singleuser does every
// JUPYTERHUB_ACTIVITY_INTERVAL (300 s there; shorter here, with the cull
// timeout).
func (s *Standins) postActivity(ctx context.Context, st *standin, req startRequest) {
	defer close(st.done)
	client := &http.Client{Timeout: 30 * time.Second}
	for {
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
		body, _ := json.Marshal(map[string]any{
			"last_activity": now,
			"servers":       map[string]any{req.Server: map[string]string{"last_activity": now}},
		})
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.ActivityURL, bytes.NewReader(body))
		if err != nil {
			return
		}
		hr.Header.Set("Authorization", "token "+req.Token)
		hr.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(hr)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		if err == nil && resp.StatusCode < 300 {
			s.posts++
		} else {
			s.failed++
		}
		s.mu.Unlock()
		if err == nil {
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.ActivityEvery):
		}
	}
}

// Close stops every stand-in and the control API.
func (s *Standins) Close() {
	if s.control != nil {
		s.control.Close()
	}
	s.mu.Lock()
	servers := s.servers
	s.servers = map[int]*standin{}
	s.mu.Unlock()
	for _, st := range servers {
		st.stop()
	}
}

// spawnerConfig is the Hub's config for the stand-ins: a Spawner that asks
// the control API at start and stop, and whose poll trusts its own record
// (LocalProcessSpawner's poll is as cheap: a signal 0 to its process).
func spawnerConfig(controlURL string) string {
	return `import json
from jupyterhub import __version__ as _hub_version
from jupyterhub.spawner import Spawner
from tornado.httpclient import AsyncHTTPClient

class StandinSpawner(Spawner):
    """A single-user server served by hubload's stand-in process."""
    _standin_port = 0

    async def start(self):
        env = self.get_env()
        body = json.dumps({
            "user": self.user.name,
            "server": self.name,
            "token": env["JUPYTERHUB_API_TOKEN"],
            "activity_url": env.get("JUPYTERHUB_ACTIVITY_URL", ""),
            "hub_version": _hub_version,
        })
        r = await AsyncHTTPClient().fetch(` + pyString(controlURL+"/start") + `, method="POST", body=body)
        self._standin_port = json.loads(r.body)["port"]
        return ("127.0.0.1", self._standin_port)

    async def poll(self):
        return None if self._standin_port else 0

    async def stop(self, now=False):
        if self._standin_port:
            await AsyncHTTPClient().fetch(` + pyString(controlURL+"/stop") + `, method="POST",
                                          body=json.dumps({"port": self._standin_port}))
        self._standin_port = 0

c.JupyterHub.spawner_class = StandinSpawner
`
}

// pyString is s as a Python string literal; s is a URL of this process.
func pyString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
