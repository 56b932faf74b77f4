package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// File is the Store for machines without a keyring, used only when the user
// asks for it (--insecure-storage), as the GitHub CLI does: secrets sit in
// plain JSON in a file of mode 0600 inside a directory of mode 0700.
type File struct {
	Path string
	// Context, if set, ends a wait for the file's lock when it is done
	// (Ctrl-C); the Store methods take no context of their own.
	Context context.Context
	// Waiting, if set, is told when another process has held the file's
	// lock for a moment (holder as "process 123 (hubctl)", or "").
	Waiting func(lock, holder string)
}

// DefaultFilePath is $XDG_CONFIG_HOME/hubctl/tokens.json (~/.config/...).
func DefaultFilePath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory for --insecure-storage: %w", err)
	}
	return filepath.Join(dir, "hubctl", "tokens.json"), nil
}

func (f *File) String() string { return f.Path }

func (f *File) Set(name, secret string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := validateSecret(secret); err != nil {
		return err
	}
	return f.update(func(m map[string]string) error {
		m[name] = secret
		return nil
	})
}

func (f *File) Get(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	m, err := f.read()
	if err != nil {
		return "", err
	}
	s, ok := m[name]
	if !ok {
		return "", &NotFoundError{Name: name, Where: f.Path}
	}
	return s, nil
}

func (f *File) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	return f.update(func(m map[string]string) error {
		if _, ok := m[name]; !ok {
			return &NotFoundError{Name: name, Where: f.Path}
		}
		delete(m, name)
		return nil
	})
}

func (f *File) List() ([]string, error) {
	m, err := f.read()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// read loads the file; a missing file is an empty store. A file that others
// can read, that belongs to someone else, or that is a symlink is refused
// rather than used, as is a directory others can write.
func (f *File) read() (map[string]string, error) {
	m := map[string]string{}
	if err := f.checkDir(); errors.Is(err, fs.ErrNotExist) {
		return m, nil
	} else if err != nil {
		return nil, err
	}
	// O_NOFOLLOW: a planted link is refused, not read through; O_NONBLOCK:
	// a FIFO does not hang the open.
	fh, err := os.OpenFile(f.Path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, &HintError{
			Err:  fmt.Errorf("token file %s is a symbolic link, so hubctl will not use it", f.Path),
			Next: fmt.Sprintf("if you made the link, replace it with the file it points to (cp --remove-destination \"$(readlink -f %s)\" %s); if not, remove it", f.Path, f.Path),
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening token file: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", f.Path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("token file %s is not a regular file", f.Path)
	}
	if uid := atomicfile.FileOwner(st).UID; uid != os.Getuid() {
		return nil, &HintError{
			Err:  fmt.Errorf("token file %s belongs to uid %d, not to you, so hubctl will not use it: whoever made it can read or forge the tokens in it", f.Path, uid),
			Next: fmt.Sprintf("remove it (rm %s) and store the tokens again; replace any that were in it", f.Path),
		}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, &HintError{
			Err:  fmt.Errorf("token file %s has mode %04o: others can read it, so hubctl will not use it", f.Path, st.Mode().Perm()),
			Next: fmt.Sprintf("chmod 600 %s, and replace the tokens in it: they may have been read", f.Path),
		}
	}
	if err := json.NewDecoder(io.LimitReader(fh, maxFileSize)).Decode(&m); err != nil {
		return nil, fmt.Errorf("token file %s is not valid JSON: %w", f.Path, err)
	}
	return m, nil
}

// maxFileSize bounds what read decodes: far more than any set of tokens.
const maxFileSize = 16 << 20

// checkDir refuses a token directory that others can write (or that belongs
// to someone else): they could plant the file, its lock or its temp files.
func (f *File) checkDir() error {
	dir := filepath.Dir(f.Path)
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	if err := atomicfile.CheckDir(dir); err != nil {
		return &HintError{Err: fmt.Errorf("token file %s: %w", f.Path, err), Next: hintOf(err)}
	}
	return nil
}

func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// update applies change to the stored map under an exclusive lock (Path
// plus ".lock", beside the file it guards, so that every File on one path
// shares it; the wait is bounded as the keyring's) and writes the result
// atomically: a fresh temp file of mode 0600, fsync, rename. The
// file is always the caller's: hubctl never gives it the owner of a file it
// finds there.
func (f *File) update(change func(map[string]string) error) error {
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := f.checkDir(); err != nil {
		return err
	}
	unlock, err := lockWithin(f.Context, f.Path+".lock", "the token file "+f.Path, DefaultLockWait, f.Waiting)
	if err != nil {
		return err
	}
	defer unlock()
	// Under the lock no temp file is being written: any left is from a
	// killed run, and holds tokens.
	if _, err := atomicfile.RemoveStale(dir, filepath.Base(f.Path)); err != nil {
		return err
	}
	m, err := f.read()
	if err != nil {
		return err
	}
	if err := change(m); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding token file: %w", err)
	}
	return atomicfile.WriteFile(f.Path, append(data, '\n'), atomicfile.Options{Mode: 0o600})
}
