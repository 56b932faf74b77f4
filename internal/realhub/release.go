package realhub

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Release is one JupyterHub the tests can run: Debian 12's 3.0 on this
// machine, or Debian 13's 5.2 in a root of its own.
type Release struct {
	Name string // "3.0", "5.2": subtests are named by it
	Root string // "" for this machine; else a Debian root with its Hub
}

// V30 is Debian 12's JupyterHub 3.0.0, installed on this machine.
var V30 = Release{Name: "3.0"}

// Root52Link is where scripts/jupyterhub52-root.sh links the cached root.
const Root52Link = "/var/cache/hubctl-test/jupyterhub-5.2"

// V52 is Debian 13's JupyterHub 5.2.1, in the root the test script built
// (HUBCTL_JUPYTERHUB52_ROOT, else Root52Link).
func V52() Release {
	root := os.Getenv("HUBCTL_JUPYTERHUB52_ROOT")
	if root == "" {
		root = Root52Link
	}
	return Release{Name: "5.2", Root: root}
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
	for _, p := range []string{Binary, "/usr/bin/configurable-http-proxy", "/usr/bin/python3"} {
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

// command is name run in the release: on this machine, or in its root with
// binds seen at the same paths and the working directory binds[0]. The
// overlay's layers live in a directory removed when the test ends.
func (r Release) command(t testing.TB, binds []string, name string, args ...string) *exec.Cmd {
	if r.Root == "" {
		return exec.Command(name, args...)
	}
	layers := t.TempDir()
	dirs := []string{"upper", "work", "merged"}
	for _, d := range dirs {
		if err := os.Mkdir(filepath.Join(layers, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{"-m", "--propagation", "private", "/bin/sh", "-c", enterRoot, "sh",
		filepath.Join(layers, "upper"), filepath.Join(layers, "work"), filepath.Join(layers, "merged"), root, binds[0]}
	seen := map[string]bool{}
	for _, b := range binds {
		if abs, err := filepath.Abs(b); err == nil && !seen[abs] {
			seen[abs] = true
			argv = append(argv, abs)
		}
	}
	argv = append(argv, "--", name)
	return exec.Command("unshare", append(argv, args...)...)
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
