package realhub

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// Release is one JupyterHub the tests can run: Debian 12's 3.0 on this
// machine, or Debian 13's 5.2 in a root of its own.
type Release struct {
	Name    string      // "3.0", "5.2": subtests are named by it
	Version hub.Version // the JupyterHub it runs (Debian's package)
	Root    string      // "" for this machine; else a Debian root with its Hub
}

// Python is every release's python3, on this machine or in its root.
const Python = "/usr/bin/python3"

// V30 is Debian 12's JupyterHub 3.0.0, installed on this machine.
var V30 = Release{Name: "3.0", Version: hub.Version{Major: 3, Minor: 0, Patch: 0}}

// Root52Link is where scripts/jupyterhub52-root.sh links the cached root.
const Root52Link = "/var/cache/hubctl-test/jupyterhub-5.2"

// V52 is Debian 13's JupyterHub 5.2.1, in the root the test script built
// (HUBCTL_JUPYTERHUB52_ROOT, else Root52Link).
func V52() Release {
	root := os.Getenv("HUBCTL_JUPYTERHUB52_ROOT")
	if root == "" {
		root = Root52Link
	}
	return Release{Name: "5.2", Version: hub.Version{Major: 5, Minor: 2, Patch: 1}, Root: root}
}

// Releases are the Hubs every real-Hub test runs on, oldest first.
func Releases() []Release { return []Release{V30, V52()} }

// Require fails in CI (CI=true) and skips elsewhere when the release cannot
// run here.
func (r Release) Require(t testing.TB) {
	t.Helper()
	if err := r.missing(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs JupyterHub %s (scripts/test.sh installs it): %v", r.Name, err)
		}
		t.Skipf("JupyterHub %s is not available (scripts/test.sh installs it): %v", r.Name, err)
	}
}

// Available says why the release cannot run here, nil if it can.
func (r Release) Available() error { return r.missing() }

func (r Release) missing() error {
	for _, p := range []string{Binary, "/usr/bin/configurable-http-proxy", Python} {
		if _, err := os.Stat(filepath.Join(r.Root, p)); err != nil {
			return err
		}
	}
	if r.Root == "" {
		return nil
	}
	if os.Geteuid() != 0 {
		return &os.PathError{Op: "chroot", Path: r.Root, Err: os.ErrPermission}
	}
	_, err := exec.LookPath("unshare")
	return err
}

// enterRoot runs a command in a root without changing it: in a private
// mount namespace (so every mount ends with the last process in it) it
// mounts an overlay whose upper layer is the run's own directory, gives it
// /proc and /dev, binds the host paths the command needs at the same paths,
// and execs the command there in the given directory. Arguments: upper,
// work, merged, lower, cwd, the binds, "--", the command.
const enterRoot = `set -e
upper=$1 work=$2 merged=$3 lower=$4 cwd=$5
shift 5
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
mount -t proc proc "$merged/proc"
mount --rbind /dev "$merged/dev"
while [ "$1" != -- ]; do
  mkdir -p "$merged$1"
  mount --bind "$1" "$merged$1"
  shift
done
shift
exec chroot "$merged" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@"
`

// enterRootDetached is enterRoot for a command that outlives any one test:
// the command is not exec'd, and when it ends the shell unmounts the
// overlay and removes the layers' directory, the parent of upper.
var enterRootDetached = strings.TrimSuffix(strings.Replace(enterRoot, "exec chroot", "s=0\nchroot", 1), "\n") + ` || s=$?
cd /
umount -R -l "$merged" && rm -rf --one-file-system "$upper" "$work" && rmdir "$merged" "${upper%/upper}"
exit $s
`

// command is name run in the release: on this machine, or in its root with
// binds seen at the same paths and the working directory binds[0]. The
// overlay's layers live in a directory removed when the test ends.
func (r Release) command(t testing.TB, binds []string, name string, args ...string) *exec.Cmd {
	if r.Root == "" {
		return exec.Command(name, args...)
	}
	cmd, err := r.rootCommand(t.TempDir(), enterRoot, binds, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// Detached is Command for a process not tied to a test, e.g. a server
// shared by a test binary's tests: in a root the overlay's layers are a
// directory of its own that the enclosing shell removes when name exits.
func (r Release) Detached(binds []string, name string, args ...string) (*exec.Cmd, error) {
	if r.Root == "" {
		cmd := exec.Command(name, args...)
		cmd.Dir = binds[0]
		return cmd, nil
	}
	layers, err := os.MkdirTemp("", "realhub-layers-")
	if err != nil {
		return nil, err
	}
	cmd, err := r.rootCommand(layers, enterRootDetached, binds, name, args...)
	if err != nil {
		os.RemoveAll(layers)
	}
	return cmd, err
}

func (r Release) rootCommand(layers, script string, binds []string, name string, args ...string) (*exec.Cmd, error) {
	for _, d := range []string{"upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(layers, d), 0o700); err != nil {
			return nil, err
		}
	}
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		return nil, err
	}
	argv := []string{"-m", "--propagation", "private", "/bin/sh", "-c", script, "sh",
		filepath.Join(layers, "upper"), filepath.Join(layers, "work"), filepath.Join(layers, "merged"), root, binds[0]}
	var abs []string
	for _, b := range binds {
		if a, err := filepath.Abs(b); err == nil {
			abs = append(abs, a)
		}
	}
	seen := map[string]bool{}
	for _, a := range abs {
		// A path under another bind is seen through it; bound again, it
		// would hide from umount -R, which then leaves the layers behind.
		if !seen[a] && !slices.ContainsFunc(abs, func(o string) bool { return o != a && Within(a, o) }) {
			seen[a] = true
			argv = append(argv, a)
		}
	}
	argv = append(argv, "--", name)
	return exec.Command("unshare", append(argv, args...)...), nil
}

// Within says whether path is one of dirs or under one (all absolute).
func Within(path string, dirs ...string) bool {
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return true
		}
	}
	return false
}

// LocaleVar says whether python3 reads the environment variable k as it
// starts (its stdio encoding): LANG, LANGUAGE, LC_*. A fork of a server
// keeps what the server read.
func LocaleVar(k string) bool {
	return k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_")
}

// Served is a Detached server of a release that takes requests on its
// stdin and answers on its stdout.
type Served struct {
	In     io.WriteCloser // the server ends when it is closed
	Out    *bufio.Reader
	cmd    *exec.Cmd
	exited chan struct{}
}

// Serve starts name args... in the release as Detached does, with the
// environment env and this process's stderr (the server's own errors).
func (r Release) Serve(binds, env []string, name string, args ...string) (*Served, error) {
	cmd, err := r.Detached(binds, name, args...)
	if err != nil {
		return nil, err
	}
	cmd.Env = env
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Served{In: in, Out: bufio.NewReader(out), cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait() //nolint:errcheck // a dead server fails its next request, which names it
		close(s.exited)
	}()
	return s, nil
}

// Stop ends a server that failed to start: the end of its stdin, a few
// seconds to take that (in a root, for the enclosing shell to unmount and
// remove its layers), then SIGKILL.
func (s *Served) Stop() {
	s.In.Close()
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Command is name run in the release with the host paths binds seen at the
// same paths, in the directory binds[0]: e.g. the release's python3 and
// traitlets as an oracle.
func (r Release) Command(t testing.TB, binds []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := r.command(t, binds, name, args...)
	if r.Root == "" {
		cmd.Dir = binds[0]
	}
	return cmd
}

// PerRelease is one T per release, started by start the first time a test
// asks for it and kept, or why it could not start, for the rest of the
// test binary: e.g. a server the release's tests share.
type PerRelease[T any] struct {
	start func(Release) (T, error)
	mu    sync.Mutex
	made  map[string]T     // by release root
	err   map[string]error // by release root
}

// NewPerRelease is a PerRelease that starts each T with start.
func NewPerRelease[T any](start func(Release) (T, error)) *PerRelease[T] {
	return &PerRelease[T]{start: start, made: map[string]T{}, err: map[string]error{}}
}

// Of is r's T, started now if it is the first ask.
func (p *PerRelease[T]) Of(r Release) (T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.made[r.Root]; ok {
		return v, nil
	}
	if err, ok := p.err[r.Root]; ok {
		var zero T
		return zero, err
	}
	v, err := p.start(r)
	if err != nil {
		p.err[r.Root] = err
		return v, err
	}
	p.made[r.Root] = v
	return v, nil
}
