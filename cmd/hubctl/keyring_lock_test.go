package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// parallelStoreScript runs $PROCS shells at once, each storing $NAMES tokens
// with `hubctl token set`, one process per token, and lists the names; then
// each deletes its odd-numbered ones, again all at once, and lists again.
// Every hubctl run must succeed; its stderr is shown when it does not.
const parallelStoreScript = `
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
phase() { # phase set|delete
  pids=
  for p in $(seq "$PROCS"); do
    (
      for n in $(seq "$NAMES"); do
        name="p$p-n$n"
        if [ "$1" = set ]; then
          printf 'tok-%s' "$name" | "$HUBCTL" token set $FLAGS "$name" 2>"$work/err-$p" || { cat "$work/err-$p" >&2; exit 1; }
        elif [ $((n % 2)) = 1 ]; then
          "$HUBCTL" token delete $FLAGS "$name" 2>"$work/err-$p" || { cat "$work/err-$p" >&2; exit 1; }
        fi
      done
    ) &
    pids="$pids $!"
  done
  failed=0
  for pid in $pids; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { echo "a hubctl token $1 failed" >&2; exit 1; }
}
phase set
"$HUBCTL" token list $FLAGS 2>/dev/null
echo --
phase delete
"$HUBCTL" token list $FLAGS 2>/dev/null
`

// TestKeyringParallelSetAndDelete: hubctl keeps the names of the tokens in
// the keyring as one more item (go-keyring cannot list), so every set and
// delete reads, changes and writes that index. Eight `hubctl token set` runs
// at once lost names from it until its updates were serialised by a lock;
// deletes run at once brought deleted names back. This runs the real binary
// against the real gnome-keyring in a private D-Bus session, and the file
// store of --insecure-storage the same way.
func TestKeyringParallelSetAndDelete(t *testing.T) {
	const procs, names = 8, 10
	for _, store := range []string{"keyring", "insecure-storage"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			need(t, "dbus-run-session", "gnome-keyring-daemon", "dbus-send")
			flags := ""
			if store == "insecure-storage" {
				flags = "--insecure-storage"
			}
			script := `eval "$(printf pw | gnome-keyring-daemon --daemonize --unlock --components=secrets)" >/dev/null
` + waitForSecrets + parallelStoreScript
			runtimeDir, configDir := t.TempDir(), filepath.Join(t.TempDir(), "config")
			cmd := sessionCmd(t, t.TempDir(), "", script)
			cmd.Env = append(envWithout([]string{"XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"}, cmd.Env...),
				"XDG_RUNTIME_DIR="+runtimeDir, "XDG_CONFIG_HOME="+configDir,
				fmt.Sprintf("PROCS=%d", procs), fmt.Sprintf("NAMES=%d", names), "FLAGS="+flags)
			r := runBin(t, cmd)
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
			}
			afterSet, afterDelete, ok := strings.Cut(r.stdout, "--\n")
			if !ok {
				t.Fatalf("no separator in the output:\n%s", r.stdout)
			}
			var wantSet, wantDelete []string
			for p := 1; p <= procs; p++ {
				for n := 1; n <= names; n++ {
					name := fmt.Sprintf("p%d-n%d", p, n)
					wantSet = append(wantSet, name)
					if n%2 == 0 {
						wantDelete = append(wantDelete, name)
					}
				}
			}
			checkNames(t, "after the parallel sets", afterSet, wantSet)
			checkNames(t, "after the parallel deletes", afterDelete, wantDelete)
			// The lock lives where the README says.
			lock := filepath.Join(runtimeDir, "hubctl", "keyring-hubctl.lock")
			if store == "insecure-storage" {
				lock = filepath.Join(configDir, "hubctl", "tokens.json.lock")
			}
			if st, err := os.Lstat(lock); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
				t.Errorf("lock file %s: %v, %v; want a regular file of mode 0600", lock, st, err)
			}
		})
	}
}

// checkNames compares what `hubctl token list` printed with want.
func checkNames(t *testing.T, when, listed string, want []string) {
	t.Helper()
	got := strings.Fields(listed)
	var missing, extra []string
	for _, n := range want {
		if !slices.Contains(got, n) {
			missing = append(missing, n)
		}
	}
	for _, n := range got {
		if !slices.Contains(want, n) {
			extra = append(extra, n)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: token list lacks %d of %d names %v and has %d it should not %v", when, len(missing), len(want), missing, len(extra), extra)
	}
}

// `hubctl token set` and `token delete` waiting on the index lock that
// another process holds say so, and end on SIGINT or SIGTERM within a second
// with 130 or 143, naming the lock, before they touch the keyring (there is
// none here: the lock comes first).
func TestKeyringLockWaitEndsOnSignal(t *testing.T) {
	runtimeDir := t.TempDir()
	lock := filepath.Join(runtimeDir, "hubctl", "keyring-hubctl.lock")
	if err := os.Mkdir(filepath.Dir(lock), 0o700); err != nil {
		t.Fatal(err)
	}
	// The holder is another open file than hubctl's: flock locks belong to
	// open files.
	unlock, err := atomicfile.Lock(context.Background(), lock, atomicfile.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, tt := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"token", "set", "x"}},
		{syscall.SIGTERM, []string{"token", "delete", "x"}},
		{syscall.SIGINT, []string{"token", "new", "--store", "x"}},
	} {
		cmd := exec.Command(hubctlBin, tt.args...)
		cmd.Env = envWithout([]string{"XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"}, "XDG_RUNTIME_DIR="+runtimeDir)
		cmd.Stdin = strings.NewReader("secret\n")
		cmd.Stdout = io.Discard
		stderr := wantLockWaitInterrupted(t, cmd, tt.sig, fmt.Sprintf("hubctl: waiting for the lock %s, held by process %d ", lock, os.Getpid()))
		if !strings.Contains(stderr, "hubctl: error: gave up waiting for the lock "+lock+": ") {
			t.Errorf("%v: the error does not name the lock %s:\n%s", tt.args, lock, stderr)
		}
	}
}
