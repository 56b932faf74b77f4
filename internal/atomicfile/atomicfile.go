// Package atomicfile replaces files so that a crash at any moment leaves
// either the old or the new content, never a mix or a truncated file, and
// serialises writers with an advisory lock. tokens and provision both use it.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes an exclusive advisory lock (flock) on lockPath, creating it
// with mode 0600 if needed, and returns the function that releases it.
func Lock(lockPath string) (unlock func(), err error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", lockPath, err)
	}
	return func() { f.Close() }, nil
}

// Write replaces path with data: a temp file in the same directory, fsync,
// rename, fsync of the directory. An existing file's mode and owner are kept;
// a new file gets perm.
func Write(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, false)
}

// WriteMode is Write with the mode set to mode even when the file exists,
// so that a file about to hold a secret is never readable by others, not
// even for a moment.
func WriteMode(path string, data []byte, mode fs.FileMode) error {
	return write(path, data, mode, true)
}

func write(path string, data []byte, perm fs.FileMode, forceMode bool) error {
	dir := filepath.Dir(path)
	mode, uid, gid, owned := perm, -1, -1, false
	if st, err := os.Stat(path); err == nil {
		if !forceMode {
			mode = st.Mode().Perm()
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid, owned = int(sys.Uid), int(sys.Gid), true
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fail(err)
	}
	if owned && (uid != os.Getuid() || gid != os.Getgid()) {
		// Only root can give a file away; anyone else keeps it as it comes.
		if err := tmp.Chown(uid, gid); err != nil && os.Getuid() == 0 {
			return fail(err)
		}
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
