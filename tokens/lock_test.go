package tokens

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/seconduser"
)

// runtimeDir sets XDG_RUNTIME_DIR to a fresh directory of mode 0700, as
// logind makes it, and returns it.
func runtimeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", dir)
	return dir
}

func testLock(t *testing.T) string {
	t.Helper()
	path, err := indexLockPath("hubctl-locktest")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// A second taker waits while the lock is held, says who holds it, and gets
// the lock once it is released, never before.
func TestLockSecondHolderWaits(t *testing.T) {
	runtimeDir(t)
	path := testLock(t)
	unlock, err := lockWithin(context.Background(), path, "the test index", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	var released atomic.Bool
	waiting := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		u, err := lockWithin(context.Background(), path, "the test index", time.Minute, func(lock, holder string) { waiting <- holder })
		if err == nil {
			if !released.Load() {
				err = errors.New("took the lock while the first holder had it")
			}
			u()
		}
		done <- err
	}()
	select {
	case holder := <-waiting:
		if want := fmt.Sprintf("process %d ", os.Getpid()); !strings.HasPrefix(holder, want) {
			t.Errorf("holder = %q, want it to start with %q", holder, want)
		}
	case err := <-done:
		t.Fatalf("the second taker returned while the lock was held: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the second taker neither waited nor returned")
	}
	released.Store(true)
	unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the second taker did not get the released lock")
	}
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v; want a regular file of mode 0600", st, err)
	}
}

// A lock held past the bound is one clear error naming the lock file, the
// bound and the holder, with a hint; the waiter holds nothing afterwards.
func TestLockBoundExpires(t *testing.T) {
	runtimeDir(t)
	path := testLock(t)
	unlock, err := lockWithin(context.Background(), path, "the test index", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	const bound = 400 * time.Millisecond // past atomicfile.WaitNotice, so the holder is known
	_, err = lockWithin(context.Background(), path, "the test index", bound, nil)
	want := fmt.Sprintf("gave up after 400ms waiting for the lock %s on the test index: process %d ", path, os.Getpid())
	wantHint(t, "a held lock", err, want, "most likely another hubctl storing or deleting a token")
	unlock()
	u, err := lockWithin(context.Background(), path, "the test index", bound, nil)
	if err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	u()
}

// Ctrl-C ends the wait at once with its cause, not as an expired bound.
func TestLockWaitEndsOnInterrupt(t *testing.T) {
	runtimeDir(t)
	path := testLock(t)
	unlock, err := lockWithin(context.Background(), path, "the test index", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancelCause(context.Background())
	sigint := errors.New("interrupted by SIGINT")
	_, err = lockWithin(ctx, path, "the test index", time.Minute, func(string, string) { cancel(sigint) })
	if !errors.Is(err, sigint) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "gave up after") {
		t.Errorf("err = %v, want the interrupt, naming %s", err, path)
	}
}

// A lock file planted as a symlink is refused, by the keyring store itself
// before it touches the keyring, and its target is not created.
func TestLockRefusesSymlinkedLockFile(t *testing.T) {
	rt := runtimeDir(t)
	if err := os.Mkdir(filepath.Join(rt, "hubctl"), 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "made")
	lock := filepath.Join(rt, "hubctl", "keyring-hubctl-locktest.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	k := &Keyring{Service: "hubctl-locktest", Timeout: DefaultKeyringTimeout}
	for what, err := range map[string]error{"Set": k.Set("x", "secret"), "Delete": k.Delete("x")} {
		wantHint(t, what, err, "the lock file "+lock+" is a symbolic link", "rm "+lock)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// The lock directory is made 0700 in $XDG_RUNTIME_DIR; one that is a
// symlink, that others can write or that is not the caller's is refused.
func TestLockDirChecks(t *testing.T) {
	rt := runtimeDir(t)
	dir, err := LockDir()
	if err != nil || dir != filepath.Join(rt, "hubctl") {
		t.Fatalf("LockDir = %q, %v; want %s/hubctl", dir, err, rt)
	}
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, %v; want a directory of mode 0700", dir, st, err)
	}

	rt = runtimeDir(t)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(rt, "hubctl")); err != nil {
		t.Fatal(err)
	}
	_, err = LockDir()
	wantHint(t, "a symlinked lock directory", err, "lock directory "+rt+"/hubctl is a symbolic link", "rm "+rt+"/hubctl")

	rt = runtimeDir(t)
	if err := os.Mkdir(filepath.Join(rt, "hubctl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(rt, "hubctl"), 0o777); err != nil {
		t.Fatal(err)
	}
	_, err = LockDir()
	wantHint(t, "a world-writable lock directory", err, "others can write it", "chmod go-w "+rt+"/hubctl")
}

func TestLockDirRefusesOthersDir(t *testing.T) {
	seconduser.NeedRoot(t)
	rt := runtimeDir(t)
	if err := os.Mkdir(filepath.Join(rt, "hubctl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(rt, "hubctl"), seconduser.UID, seconduser.UID); err != nil {
		t.Fatal(err)
	}
	_, err := LockDir()
	wantHint(t, "someone else's lock directory", err, "belongs to uid 65534, not to you", "rm -r "+rt+"/hubctl")
}

// Without a usable $XDG_RUNTIME_DIR (unset, relative, someone else's, or
// writable by others) the lock goes under the user cache directory.
func TestLockDirFallsBackToCacheDir(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	others := t.TempDir()
	if err := os.Chmod(others, 0o777); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{"unset": "", "relative": "run/user", "writable by others": others}
	if os.Getuid() == 0 {
		cases["someone else's"] = seconduser.Dir(t, "run", 0o700, seconduser.UID)
	}
	for what, rt := range cases {
		t.Setenv("XDG_RUNTIME_DIR", rt)
		if rt == "" {
			os.Unsetenv("XDG_RUNTIME_DIR")
		}
		dir, err := LockDir()
		if err != nil || dir != filepath.Join(cache, "hubctl") {
			t.Errorf("XDG_RUNTIME_DIR %s: LockDir = %q, %v; want %s/hubctl", what, dir, err, cache)
		}
	}
	if st, err := os.Lstat(filepath.Join(cache, "hubctl")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("%s/hubctl: %v, %v; want mode 0700", cache, st, err)
	}
	if entries, _ := os.ReadDir(others); len(entries) != 0 {
		t.Errorf("hubctl wrote in a runtime directory others can write: %v", entries)
	}
}
