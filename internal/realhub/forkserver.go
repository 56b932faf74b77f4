package realhub

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// forkServerPy serves Hub runs as forks of one process that has imported
// JupyterHub; see its docstring for what a forked Hub can tell apart.
//
//go:embed forkserver.py
var forkServerPy []byte

// forkServerReady bounds the server's start: one import of JupyterHub.
const forkServerReady = 60 * time.Second

// forkServer is one release's forkserver.py serve, shared by the test
// binary's preloaded runs of that release.
type forkServer struct {
	dir    string         // its own directory, with script and socket; removed by the server as it ends
	script string         // forkserver.py, written where host and release both see it
	socket string         // where it listens
	seen   string         // the host directory it sees at the same path (a root's server only)
	stdin  io.WriteCloser // held open: the server ends when the test binary does
}

var forkServers = NewPerRelease(func(r Release) (*forkServer, error) {
	s, err := startForkServer(r)
	if err != nil {
		return nil, fmt.Errorf("the preloaded JupyterHub %s: %w", r.Name, err)
	}
	return s, nil
})

func startForkServer(r Release) (*forkServer, error) {
	tmp, err := filepath.Abs(os.TempDir())
	if err != nil {
		return nil, err
	}
	if t, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = t
	}
	dir, err := os.MkdirTemp(tmp, "realhub-forkserver-")
	if err != nil {
		return nil, err
	}
	s, err := serveForks(r, tmp, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// serveForks starts the server in dir, which the server removes when its
// stdin ends; on an error it is stopped (the caller removes dir).
func serveForks(r Release, tmp, dir string) (*forkServer, error) {
	s := &forkServer{dir: dir, script: filepath.Join(dir, "forkserver.py"), socket: filepath.Join(dir, "socket")}
	if r.Root != "" {
		s.seen = tmp
	}
	if err := os.WriteFile(s.script, forkServerPy, 0o600); err != nil {
		return nil, err
	}
	// Not -I: a new Hub's python3 (the #! of /usr/bin/jupyterhub) has no
	// options either. The environment JupyterHub reads as it is imported
	// is the one a fresh Hub of Start gets: without what Start takes out.
	srv, err := r.Serve([]string{tmp}, hubEnviron(), Python, s.script, "serve", s.socket)
	if err != nil {
		return nil, err
	}
	s.stdin = srv.In
	ready := make(chan error, 1)
	go func() {
		line, err := srv.Out.ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("it said %q, not ready", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
		if err != nil {
			err = fmt.Errorf("it did not start: %w", err)
		}
	case <-time.After(forkServerReady):
		err = fmt.Errorf("it was not ready within %s", forkServerReady)
	}
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return s, nil
}

// sees says whether a run's path is visible to the server at that path.
func (s *forkServer) sees(path string) bool {
	return s.seen == "" || Within(path, s.seen)
}

// command is one preloaded run of the Hub with args: a process of this
// machine that lives as long as the forked Hub, which joins its process
// group and exits as it does.
func (s *forkServer) command(args ...string) *exec.Cmd {
	// This machine's python3, whatever the release: the client only passes
	// the run to the server and waits.
	return exec.Command(Python, append([]string{"-I", "-S", s.script, "run", s.socket}, args...)...)
}

// preloadedEnvOK says why an Options.Env entry would not reach a forked Hub
// as it reaches a new one, "" when it would.
func preloadedEnvOK(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	switch {
	case strings.HasPrefix(k, "JUPYTERHUB_"):
		return "JupyterHub reads JUPYTERHUB_* as it is imported, before the fork"
	case strings.HasPrefix(k, "PYTHON"), LocaleVar(k):
		return "python3 reads it as it starts, before the fork"
	}
	return ""
}
