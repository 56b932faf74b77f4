package tokens

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// DefaultLockWait bounds the wait for another hubctl's update of the same
// store. A holder's own keyring call is cut off after DefaultKeyringTimeout
// and its process then exits, which releases the lock, so this covers a
// couple of stuck holders in a row.
const DefaultLockWait = 10 * time.Second

// LockDir returns the directory of hubctl's lock files, creating it with
// mode 0700: $XDG_RUNTIME_DIR/hubctl when XDG_RUNTIME_DIR names what the XDG
// Base Directory spec promises (an absolute path to a directory of the
// user's own that nobody else can write), else hubctl under os.UserCacheDir
// (~/.cache/hubctl), which is the user's alone whatever the environment. A
// shared /tmp is never used: on a Hub's host any user could plant the name
// and so stall every update. The directory is refused if it is a symlink,
// is not the caller's, or others can write it or a parent of it. Lock files
// are left in place: removing one would let a waiter that has it open and a
// newcomer that makes a fresh one both take "the" lock.
func LockDir() (string, error) {
	base, err := lockBase()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", fmt.Errorf("creating hubctl's lock directory: %w", err)
	}
	// Mkdir, not MkdirAll: a symlink planted at the name, even a dangling
	// one, is left for checkLockDir to refuse.
	dir := filepath.Join(base, "hubctl")
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("creating hubctl's lock directory: %w", err)
	}
	if err := checkLockDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// lockBase is $XDG_RUNTIME_DIR if it is usable, else the user cache dir.
func lockBase() (string, error) {
	if rt := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		if st, err := os.Stat(rt); err == nil && st.IsDir() && st.Mode().Perm()&0o022 == 0 &&
			atomicfile.FileOwner(st).UID == os.Getuid() {
			return rt, nil
		}
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a directory for hubctl's lock (XDG_RUNTIME_DIR is unset or not yours): %w", err)
	}
	return dir, nil
}

// checkLockDir refuses a lock directory someone else could plant a lock in.
func checkLockDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("hubctl's lock directory: %w", err)
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return &HintError{
			Err:  fmt.Errorf("hubctl's lock directory %s is a symbolic link, so hubctl will not use it", dir),
			Next: fmt.Sprintf("check who made it, then remove it (rm %s) and run hubctl again", dir),
		}
	case !st.IsDir():
		return &HintError{
			Err:  fmt.Errorf("hubctl's lock directory %s is not a directory", dir),
			Next: fmt.Sprintf("check what it is, then remove it (rm %s) and run hubctl again", dir),
		}
	case atomicfile.FileOwner(st).UID != os.Getuid():
		return &HintError{
			Err:  fmt.Errorf("hubctl's lock directory %s belongs to uid %d, not to you, so hubctl will not use it", dir, atomicfile.FileOwner(st).UID),
			Next: fmt.Sprintf("check who made it, then remove it (rm -r %s) and run hubctl again", dir),
		}
	}
	if err := atomicfile.CheckDir(dir); err != nil {
		return &HintError{Err: fmt.Errorf("hubctl's lock directory: %w", err), Next: hintOf(err)}
	}
	return nil
}

// serviceRE is what a keyring service name must be to name a lock file.
var serviceRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// indexLockPath is the lock of the index of keyring service service.
func indexLockPath(service string) (string, error) {
	if !serviceRE.MatchString(service) {
		return "", fmt.Errorf("keyring service name %q cannot name a lock file", service)
	}
	dir, err := LockDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "keyring-"+service+".lock"), nil
}

// errLockWait is the cause of a lock wait cut off by its bound.
var errLockWait = errors.New("lock wait bound reached")

// lockWithin takes the exclusive lock at path (atomicfile.Lock: a fresh
// 0600 file of the caller's, never through a symlink), waiting at most wait
// for another holder and no longer than ctx lets it (Ctrl-C). what says what
// the lock guards, for the error that names the lock file. waiting, if set,
// is told once when the lock has been someone else's for a moment.
func lockWithin(ctx context.Context, path, what string, wait time.Duration, waiting func(lock, holder string)) (unlock func(), err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	lctx, cancel := context.WithTimeoutCause(ctx, wait, errLockWait)
	defer cancel()
	holder := ""
	unlock, err = atomicfile.Lock(lctx, path, atomicfile.LockOptions{Waiting: func(h string) {
		holder = h
		if waiting != nil {
			waiting(path, h)
		}
	}})
	if err == nil {
		return unlock, nil
	}
	if ctx.Err() == nil && errors.Is(context.Cause(lctx), errLockWait) {
		if holder == "" {
			holder = "another process"
		}
		return nil, &HintError{
			Err: fmt.Errorf("gave up after %s waiting for the lock %s on %s: %s holds it; nothing was changed", wait, path, what, holder),
			Next: "that is most likely another hubctl storing or deleting a token: let it finish (or end it), then run this again; " +
				"the lock goes with the process that holds it, so the file need not be removed",
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w; nothing was changed", err)
	}
	return nil, err
}
