// Package realhub runs Debian's real JupyterHubs on 127.0.0.1 for tests:
// 3.0 from this Debian 12 machine, and 5.2 from a Debian 13 root that
// scripts/jupyterhub52-root.sh builds once and caches. A wrapper config
// fixes ports, paths and classes and loads the config under test; Stop ends
// the Hub and everything it started, including the proxy and managed
// services, which run in sessions of their own.
package realhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// Binary is the Hub the tests run: Debian's, never another on PATH (inside
// a release's root for 5.2).
const Binary = "/usr/bin/jupyterhub"

// StopGrace is how long the Hub gets after SIGTERM before SIGKILL.
const StopGrace = 10 * time.Second

// Require fails in CI (CI=true) and skips elsewhere when JupyterHub 3.0 is
// missing.
func Require(t testing.TB) {
	t.Helper()
	V30.Require(t)
}

// Ports a Hub listens on.
type Ports struct{ Public, Hub, ProxyAPI int }

// Options describe one run.
type Options struct {
	Dir    string   // the run's directory: database, secrets, wrapper, log
	Config string   // the config under test, loaded with load_subconfig
	Before string   // Python run before Config is loaded
	After  string   // Python run after it (e.g. a test's own admin service)
	Env    []string // extra environment for the Hub
	Ports  *Ports   // nil: free ports
	Run    int      // numbers the wrapper and log of restarts in one Dir
	// Release is the JupyterHub to run; the zero value is 3.0.
	Release Release
	// Binds are more host paths the Hub must see at the same path, such as
	// the directory of a hubctl it runs as a managed service (Dir and the
	// config's directory are always seen). Only a release in a root needs
	// them; a binary run there must be static (CGO_ENABLED=0).
	Binds []string
	// Preloaded starts the Hub as a fork of a process of the release that
	// has already imported JupyterHub (forkserver.py): the Hub's own code
	// from its own entry point, for about half the CPU of a new python3,
	// most of which is that import. The fork joins the run's process group
	// and the run ends when it does, so Stop, How and Output are as for a
	// new process. For runs that start and stop a Hub: a root's preloaded
	// Hubs share one overlay (writes outside Dir are seen by the next) and
	// see the host only under os.TempDir(), and Env must not set what
	// python3 or JupyterHub read before the fork (JUPYTERHUB_*, PYTHON*,
	// LANG, LC_*).
	Preloaded bool
}

// Hub is one run of JupyterHub.
type Hub struct {
	t       testing.TB
	opts    Options
	ports   Ports
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	stopped bool
}

// py is s as a Python str literal: printable ASCII as it is, everything
// else escaped, so that nothing in s can end the literal. (Not
// templates.PyStr: templates' own tests use this package for the oracle.)
func py(s string) string {
	if !utf8.ValidString(s) {
		panic(fmt.Sprintf("realhub: %q is not UTF-8", s))
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Start starts the Hub (it does not wait for it: see WaitUp) and registers
// Stop as a cleanup.
func Start(t testing.TB, opts Options) *Hub {
	t.Helper()
	h := &Hub{t: t, opts: opts, done: make(chan struct{}),
		logPath: filepath.Join(opts.Dir, fmt.Sprintf("hub-%d.log", opts.Run))}
	if opts.Ports != nil {
		h.ports = *opts.Ports
	} else {
		p := FreePorts(t, 3)
		h.ports = Ports{Public: p[0], Hub: p[1], ProxyAPI: p[2]}
	}
	wrapper := filepath.Join(opts.Dir, fmt.Sprintf("wrapper-%d.py", opts.Run))
	w := strings.Join([]string{
		"c = get_config()  # noqa",
		"c.JupyterHub.ip = '127.0.0.1'",
		"c.JupyterHub.port = " + strconv.Itoa(h.ports.Public),
		"c.JupyterHub.hub_ip = '127.0.0.1'",
		"c.JupyterHub.hub_port = " + strconv.Itoa(h.ports.Hub),
		"c.ConfigurableHTTPProxy.api_url = " + py("http://127.0.0.1:"+strconv.Itoa(h.ports.ProxyAPI)),
		"c.JupyterHub.db_url = " + py("sqlite:///"+filepath.Join(opts.Dir, "jupyterhub.sqlite")),
		"c.JupyterHub.cookie_secret_file = " + py(filepath.Join(opts.Dir, "jupyterhub_cookie_secret")),
		"c.ConfigurableHTTPProxy.pid_file = " + py(filepath.Join(opts.Dir, "jupyterhub-proxy.pid")),
		"c.JupyterHub.authenticator_class = 'dummy'",
		"c.JupyterHub.spawner_class = 'simple'",
		"c.Spawner.args = ['--allow-root']",
		opts.Before,
		"load_subconfig(" + py(opts.Config) + ")",
		opts.After,
		"",
	}, "\n")
	if err := os.WriteFile(wrapper, []byte(w), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(h.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	binds := append([]string{opts.Dir, filepath.Dir(opts.Config)}, opts.Binds...)
	var cmd *exec.Cmd
	if opts.Preloaded {
		cmd = preloadedCommand(t, opts, binds, wrapper)
	} else {
		cmd = opts.Release.command(t, binds, Binary, "-f", wrapper)
	}
	cmd.Dir = opts.Dir
	// Debian's proxy needs NODE_PATH where node is not Debian's; the marker
	// finds the Hub and the proxy it starts when they must be stopped.
	cmd.Env = append(append(hubEnviron(), "NODE_PATH=/usr/share/nodejs", "HUBCTL_REALHUB_RUN="+opts.Dir), opts.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf // a file: the proxy inherits it and may outlive the Hub
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.cmd = cmd
	go func() {
		h.waitErr = cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(h.Stop)
	return h
}

// hubEnviron is this process's environment less what would reach a Hub
// from outside its run: JupyterHub's and the proxy's variables, NODE_PATH
// and another run's marker.
func hubEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "JUPYTERHUB_") || strings.HasPrefix(kv, "CONFIGPROXY_") ||
			strings.HasPrefix(kv, "NODE_PATH=") || strings.HasPrefix(kv, "HUBCTL_REALHUB_RUN=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// preloadedCommand is the run of Options.Preloaded: the release's fork
// server must see binds, and Env must not need a new python3.
func preloadedCommand(t testing.TB, opts Options, binds []string, wrapper string) *exec.Cmd {
	t.Helper()
	s, err := forkServers.Of(opts.Release)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range binds {
		if abs, err := filepath.Abs(b); err != nil || !s.sees(abs) {
			t.Fatalf("a preloaded JupyterHub %s sees %s, not %s: use a directory under it or a Hub of its own", opts.Release.Name, s.seen, b)
		}
	}
	for _, kv := range opts.Env {
		if why := preloadedEnvOK(kv); why != "" {
			t.Fatalf("a preloaded JupyterHub %s cannot take %s from Options.Env: %s", opts.Release.Name, kv, why)
		}
	}
	return s.command("-f", wrapper)
}

// APIURL is the Hub's API base, e.g. http://127.0.0.1:PORT/hub/api.
func (h *Hub) APIURL() string { return fmt.Sprintf("http://127.0.0.1:%d/hub/api", h.ports.Hub) }

// PublicURL is the proxy's address, through which users reach their servers.
func (h *Hub) PublicURL() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports.Public) }

// Ports are the ports this run listens on, for a restart on the same ones.
func (h *Hub) Ports() Ports { return h.ports }

// WaitUp reports whether the Hub came up within bound: its API answered 200
// and it logged the end of start() (the API answers before start() ends).
// It returns false as soon as the Hub exits.
func (h *Hub) WaitUp(bound time.Duration) bool {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	running := fmt.Sprintf("JupyterHub is now running at http://127.0.0.1:%d/", h.ports.Public)
	deadline := time.Now().Add(bound)
	answered := false
	for time.Now().Before(deadline) {
		if !answered {
			if resp, err := client.Get(h.APIURL() + "/"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered = resp.StatusCode == http.StatusOK
			}
		}
		if answered && strings.Contains(h.Output(), running) {
			return true
		}
		select {
		case <-h.done:
			return false
		case <-time.After(150 * time.Millisecond):
		}
	}
	return false
}

// MustBeUp fails the test unless the Hub comes up within bound.
func (h *Hub) MustBeUp(bound time.Duration) {
	h.t.Helper()
	if !h.WaitUp(bound) {
		h.t.Fatalf("JupyterHub did not come up (%s):\n%s", h.How(), Tail(h.Output()))
	}
}

// Exited reports whether the Hub process has ended.
func (h *Hub) Exited() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// How says how the run ended, for messages.
func (h *Hub) How() string {
	if h.Exited() {
		if h.waitErr == nil {
			return "exit status 0"
		}
		return h.waitErr.Error()
	}
	return "still running"
}

// Output is everything the Hub (and the services it manages) printed.
func (h *Hub) Output() string {
	data, _ := os.ReadFile(h.logPath)
	return string(data)
}

// WaitOutput waits until the output contains s.
func (h *Hub) WaitOutput(s string, within time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(h.Output(), s) {
		if time.Now().After(deadline) {
			h.t.Fatalf("no %q in the Hub's output within %s:\n%s", s, within, Tail(h.Output()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the Hub's process group (SIGTERM, SIGKILL after StopGrace), then
// whatever it started in sessions of their own: the proxy (it carries the
// run's marker) and managed services (they run in Dir or carry this Hub's
// JUPYTERHUB_API_URL). When the Hub fails in start() after the proxy is up,
// it exits without stopping the proxy.
func (h *Hub) Stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	pgid := h.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(StopGrace):
		h.t.Logf("the Hub did not stop within %s of SIGTERM; killing it", StopGrace)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-h.done
	if h.opts.Preloaded {
		// The forked Hub is the fork server's child, not this process's:
		// killed with its run, it may still be dying.
		waitGroupGone(h.t, pgid)
	}
	sweep(h.t, h.opts.Dir, h.ports.Hub)
}

// waitGroupGone waits, up to StopGrace, until no live process is left in
// process group pgid (a zombie is dead: its parent has yet to reap it).
func waitGroupGone(t testing.TB, pgid int) {
	deadline := time.Now().Add(StopGrace)
	for {
		var left []int
		for _, pid := range groupMembers(pgid) {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("processes of the run's group still alive %s after SIGKILL: %v", StopGrace, left)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupMembers are the processes in process group pgid.
func groupMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive says whether pid is a process that has not exited (not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// sweep ends the processes, and their groups, that carry the run's marker,
// whose working directory is in dir, or that serve the Hub on hubPort.
func sweep(t testing.TB, dir string, hubPort int) {
	strays := find(dir, hubPort)
	if len(strays) == 0 {
		return
	}
	t.Logf("ending processes left behind by the Hub: %v", strays)
	for _, pid := range strays {
		syscall.Kill(-pid, syscall.SIGTERM) // the proxy and services lead their own sessions
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(StopGrace)
	for time.Now().Before(deadline) {
		if len(find(dir, hubPort)) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range find(dir, hubPort) {
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// find lists the processes of a run: those that carry its marker, whose
// working directory is in dir, or that serve the Hub on hubPort.
func find(dir string, hubPort int) []int {
	marker := []byte("\x00HUBCTL_REALHUB_RUN=" + dir + "\x00")
	apiURL := []byte(fmt.Sprintf("\x00JUPYTERHUB_API_URL=http://127.0.0.1:%d/hub/api\x00", hubPort))
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		environ = append([]byte{0}, environ...)
		if cwd == dir || strings.HasPrefix(cwd, dir+"/") || bytes.Contains(environ, marker) || bytes.Contains(environ, apiURL) {
			pids = append(pids, pid)
		}
	}
	return pids
}

var portMu sync.Mutex

// Ports are drawn below Linux's ephemeral range (32768-60999 by default):
// a port the kernel hands out as :0 is also what it gives the next outgoing
// connection of any process, so a Hub or proxy (which open many) could take
// it before the Hub it was meant for binds it ("Address already in use").
const portLow, portHigh = 20000, 32000

// portLocks holds a file per port, locked (flock) by the test process that
// drew the port for as long as the test runs: test processes run side by
// side (go test ./... runs packages in parallel), and a Hub stopped and
// restarted on its ports leaves them unbound meanwhile, free to be drawn
// again. The lock ends with its process, so a killed run leaves none held.
var portLocks = filepath.Join(os.TempDir(), "hubctl-realhub-ports")

// reserve locks port for the rest of the test, or reports that another
// test holds it. Without a usable lock directory it reserves nothing.
func reserve(t testing.TB, port int) bool {
	if err := os.MkdirAll(portLocks, 0o700); err != nil {
		return true
	}
	f, err := os.OpenFile(filepath.Join(portLocks, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return true
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return false
	}
	t.Cleanup(func() { f.Close() })
	return true
}

// FreePorts returns n distinct loopback ports that were free a moment ago
// and that no other test (in any process) draws until this one ends.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			t.Fatalf("no free loopback port in %d-%d after %d tries", portLow, portHigh, tries)
		}
		port := portLow + rand.IntN(portHigh-portLow)
		if !reserve(t, port) {
			continue // another test's
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue // taken
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	return ports
}

// Tail is the end of a long output, for failure messages.
func Tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}

// API sends one request to the Hub's REST API with token and returns the
// status and body; the test fails if the Hub cannot be reached.
func (h *Hub) API(token, method, path, body string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.APIURL()+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// Spawn creates user with token (which needs admin:users and
// admin:servers) and waits until the user's default server is ready.
func (h *Hub) Spawn(token, user string) {
	h.t.Helper()
	h.SpawnWith(token, user, "")
}

// SpawnWith is Spawn with the spawn request's JSON body, which the Hub
// keeps as the server's user_options (e.g. {"profile": "gpu"}).
func (h *Hub) SpawnWith(token, user, options string) {
	h.t.Helper()
	if code, data := h.API(token, http.MethodPost, "/users/"+user, ""); code != http.StatusCreated {
		h.t.Fatalf("POST /users/%s: %d %s", user, code, data)
	}
	if code, data := h.API(token, http.MethodPost, "/users/"+user+"/server", options); code != http.StatusCreated && code != http.StatusAccepted {
		h.t.Fatalf("POST /users/%s/server: %d %s\n%s", user, code, data, Tail(h.Output()))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, data := h.API(token, http.MethodGet, "/users/"+user, "")
		var u struct {
			Servers map[string]struct{ Ready bool } `json:"servers"`
		}
		if json.Unmarshal(data, &u) == nil && u.Servers[""].Ready {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s's server was not ready within 60 s:\n%s", user, Tail(h.Output()))
		}
		time.Sleep(200 * time.Millisecond) // polling
	}
}
