// Package atomicfile replaces files so that a crash at any moment leaves
// either the old or the new content, never a mix or a truncated file, and
// serialises writers with an advisory lock. tokens and provision both use it.
//
// Every file it makes (temp files, locks) is created fresh with
// O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so a name planted in advance by
// someone else, or a symlink, is never opened and written through. The
// owner of a written file is only ever the one the caller names (for an
// edited config, the config's own owner), never that of a file found at the
// name.
package atomicfile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Owner is a uid and gid to give a file.
type Owner struct{ UID, GID int }

// Options say how WriteFile leaves the file.
type Options struct {
	Mode fs.FileMode // permission bits of the new file
	// Owner, if set, is given to the new file where the caller may: root
	// can give it to anyone, others only to a group of their own. Nil
	// means the caller's own uid and gid.
	Owner *Owner
}

// writing is held (shared) by every WriteFile while it runs, so that a process
// about to exit on a signal can let the writes in flight finish and start no
// new one (see Quiesce).
var writing sync.RWMutex

// Quiesce waits (at most timeout) for the writes in progress to finish and
// makes every later WriteFile block; a process calls it just before it exits
// on a signal. It reports whether the writes finished.
func Quiesce(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { writing.Lock(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Write replaces path with data, keeping the mode of a regular file of the
// caller's already there (otherwise the file gets perm). The file is the
// caller's, whoever owned the one it replaces: copying that owner, or its
// mode, would hand the data to whoever planted the name.
func Write(path string, data []byte, perm fs.FileMode) error {
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() && ownedBy(st, []int{os.Getuid()}) {
		perm = st.Mode().Perm()
	}
	return WriteFile(path, data, Options{Mode: perm})
}

// WriteMode is Write with the mode set to mode even when the file exists,
// so that a file about to hold a secret is never readable by others, not
// even for a moment.
func WriteMode(path string, data []byte, mode fs.FileMode) error {
	return WriteFile(path, data, Options{Mode: mode})
}

// WriteFile replaces path with data: a fresh temp file of mode 0600 in the
// same directory, chown and chmod to o, fsync, rename over path, fsync of the
// directory. rename replaces whatever is at path (a file or a symlink)
// without following it.
func WriteFile(path string, data []byte, o Options) error {
	writing.RLock()
	defer writing.RUnlock()
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := CreateTemp(dir, base)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := giveTo(tmp, o.Owner); err != nil {
		return fail(err)
	}
	// After the chown: chown clears set-id bits, and the mode is the last
	// word.
	if err := tmp.Chmod(o.Mode.Perm()); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename itself durable
		d.Close()
	}
	return nil
}

// giveTo chowns a file hubctl has just created to owner, where the caller
// may: only root can give a file away; anyone may change the group to one
// of theirs, and otherwise the file stays the caller's.
func giveTo(f *os.File, owner *Owner) error {
	if owner == nil || (owner.UID == os.Getuid() && owner.GID == os.Getgid()) {
		return nil
	}
	if os.Getuid() == 0 {
		return f.Chown(owner.UID, owner.GID)
	}
	if owner.UID == os.Getuid() {
		_ = f.Chown(-1, owner.GID) // not in that group: keep the caller's
	}
	return nil
}

// BackupPath is where hubctl keeps the previous version of a file it
// edits (a config file, TLJH's config.yaml).
func BackupPath(path string) string { return path + ".hubctl.bak" }

// TempPrefix is how the names of base's temp files begin; anything with it
// that is left while the lock is held is a leftover of an interrupted run.
func TempPrefix(base string) string { return "." + base + ".tmp-" }

// CreateTemp creates a new file of mode 0600 named TempPrefix(base) plus a
// random suffix in dir, with O_EXCL|O_NOFOLLOW: never an existing file or
// a link.
func CreateTemp(dir, base string) (*os.File, error) {
	var suffix [8]byte
	for range 100 {
		_, _ = rand.Read(suffix[:])
		name := filepath.Join(dir, TempPrefix(base)+hex.EncodeToString(suffix[:]))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("creating a temp file in %s: too many names taken", dir)
}

// RemoveStale removes base's leftover temp files in dir: regular files
// (never links) whose names begin with TempPrefix(base) and that belong to
// the caller or to one of owners. Call it only while holding the lock under
// which those temp files are written, so none of them is in use. It returns
// the names it removed.
func RemoveStale(dir, base string, owners ...int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("looking for leftover temp files in %s: %w", dir, err)
	}
	prefix := TempPrefix(base)
	var removed []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || !ownedBy(st, append(owners, os.Getuid())) {
			continue
		}
		if err := os.Remove(p); err != nil {
			return removed, fmt.Errorf("removing the leftover temp file %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

func ownedBy(st fs.FileInfo, uids []int) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	for _, u := range uids {
		if int(sys.Uid) == u {
			return true
		}
	}
	return false
}

// FileOwner returns the uid and gid of st.
func FileOwner(st fs.FileInfo) Owner {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return Owner{UID: int(sys.Uid), GID: int(sys.Gid)}
	}
	return Owner{UID: -1, GID: -1}
}

// LockOptions say how Lock takes a lock.
type LockOptions struct {
	// Owner is given to a lock file Lock creates (as Write does), and is
	// accepted, besides the caller, as the owner of an existing one.
	Owner *Owner
	// Waiting, if set, is called once when the lock has been held by
	// someone else for WaitNotice, with who holds it ("process 123
	// (hubctl)", or "" when that cannot be known).
	Waiting func(holder string)
}

// WaitNotice is how long Lock waits before it calls Waiting.
const WaitNotice = 300 * time.Millisecond

// Lock takes an exclusive advisory lock (flock) on lockPath, creating it
// with mode 0600 if needed, and returns the function that releases it. It
// waits while another process holds the lock, until ctx is done: then it
// returns an error wrapping context.Cause(ctx) and holds nothing.
//
// A symlink at lockPath is never followed, and an existing lock file that is
// not a regular file owned by the caller or by o.Owner is refused: a lock
// planted by someone else could otherwise stall or misdirect every edit.
func Lock(ctx context.Context, lockPath string, o LockOptions) (unlock func(), err error) {
	f, err := openLock(lockPath, o.Owner)
	if err != nil {
		return nil, err
	}
	// A blocking flock cannot be interrupted (closing the fd does not wake
	// it), so poll a non-blocking one with a short back-off.
	start, delay, told := time.Now(), time.Millisecond, false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", lockPath, err)
		}
		if !told && o.Waiting != nil && time.Since(start) >= WaitNotice {
			told = true
			o.Waiting(lockHolder(f))
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("gave up waiting for the lock %s: %w", lockPath, context.Cause(ctx))
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// openLock opens the lock file, or creates it fresh (O_EXCL, so hubctl
// never gives away a file it did not make), without following a link and
// without blocking on a FIFO.
func openLock(lockPath string, owner *Owner) (*os.File, error) {
	const flags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	f, err := os.OpenFile(lockPath, flags|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err := giveTo(f, owner); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", lockPath, err)
		}
		return f, nil
	}
	if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(lockPath, flags, 0)
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, unsafeLock(lockPath, "is a symbolic link")
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, &UnsafeError{
			Err:  fmt.Errorf("locking %s: %w", lockPath, err),
			Next: fmt.Sprintf("an older hubctl run as root may have made it: remove it (rm %s) when no hubctl is running", lockPath),
		}
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", lockPath, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", lockPath, err)
	}
	uids := []int{os.Getuid(), 0} // root's files are not planted
	if owner != nil {
		uids = append(uids, owner.UID)
	}
	switch {
	case !st.Mode().IsRegular():
		f.Close()
		return nil, unsafeLock(lockPath, "is not a regular file")
	case !ownedBy(st, uids):
		f.Close()
		return nil, unsafeLock(lockPath, fmt.Sprintf("belongs to uid %d, not to you or the file's owner", FileOwner(st).UID))
	}
	return f, nil
}

func unsafeLock(lockPath, what string) error {
	return &UnsafeError{
		Err:  fmt.Errorf("the lock file %s %s, so hubctl will not use it", lockPath, what),
		Next: fmt.Sprintf("check who made it, then remove it (rm %s) and run hubctl again", lockPath),
	}
}

// lockHolder names the process holding an flock on f, from /proc/locks.
func lockHolder(f *os.File) string {
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)
	for _, line := range strings.Split(string(locks), "\n") {
		// "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		pid := fields[4]
		comm, _ := os.ReadFile("/proc/" + pid + "/comm")
		if c := strings.TrimSpace(string(comm)); c != "" {
			return fmt.Sprintf("process %s (%s)", pid, c)
		}
		return "process " + pid
	}
	return ""
}

// UnsafeError is a file or directory hubctl will not use because someone
// else could have planted or changed it; Hint says what to do.
type UnsafeError struct {
	Err  error
	Next string
}

func (e *UnsafeError) Error() string { return e.Err.Error() }
func (e *UnsafeError) Unwrap() error { return e.Err }
func (e *UnsafeError) Hint() string  { return e.Next }

// CheckDir refuses a directory to write files in that someone other than
// the caller, root or one of owners could change: one that is group- or
// world-writable (sticky or not, as OpenSSH's StrictModes: in a sticky
// directory others can still plant the names hubctl is about to use), or
// that belongs to someone else. Its ancestors may be sticky and writable
// (/tmp), but otherwise pass the same test, since whoever can write a parent
// can swap the directory itself.
func CheckDir(dir string, owners ...int) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// The directories that hold the files are the ones to check, not those
	// a symlink to them sits in.
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return err
	}
	uids := append([]int{0, os.Getuid()}, owners...)
	for p, first := dir, true; ; p, first = filepath.Dir(p), false {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		mode := st.Mode()
		if !mode.IsDir() {
			return fmt.Errorf("%s is not a directory", p)
		}
		writable := mode.Perm()&0o022 != 0
		switch {
		case writable && (first || mode&fs.ModeSticky == 0):
			who := "others"
			if mode.Perm()&0o002 == 0 {
				who = "its group"
			}
			return &UnsafeError{
				Err: fmt.Errorf("the directory %s has mode %04o: %s can write it, and so could plant or swap the files hubctl writes there, so hubctl will not write in it",
					p, modeBits(mode), who),
				Next: fmt.Sprintf("chmod go-w %s, or keep the file in a directory only its owner can write", p),
			}
		case !ownedBy(st, uids):
			return &UnsafeError{
				Err: fmt.Errorf("the directory %s belongs to uid %d, who could swap the files hubctl writes there, so hubctl will not write in it",
					p, FileOwner(st).UID),
				Next: fmt.Sprintf("chown it to yourself or root (chown root %s), or keep the file in a directory of your own", p),
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// modeBits is the mode as chmod spells it, sticky bit included.
func modeBits(m fs.FileMode) uint32 {
	b := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}
