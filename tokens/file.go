package tokens

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// File is the Store for machines without a keyring, used only when the user
// asks for it (--insecure-storage), as the GitHub CLI does: secrets sit in
// plain JSON in a file of mode 0600 inside a directory of mode 0700.
type File struct {
	Path string
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
// can read is refused rather than used.
func (f *File) read() (map[string]string, error) {
	m := map[string]string{}
	fh, err := os.Open(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening token file: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", f.Path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, &HintError{
			Err:  fmt.Errorf("token file %s has mode %04o: others can read it, so hubctl will not use it", f.Path, st.Mode().Perm()),
			Next: fmt.Sprintf("chmod 600 %s, and replace the tokens in it: they may have been read", f.Path),
		}
	}
	if err := json.NewDecoder(fh).Decode(&m); err != nil {
		return nil, fmt.Errorf("token file %s is not valid JSON: %w", f.Path, err)
	}
	return m, nil
}

// update applies change to the stored map under an exclusive lock and writes
// the result atomically: temp file of mode 0600, fsync, rename.
func (f *File) update(change func(map[string]string) error) error {
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock, err := atomicfile.Lock(f.Path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
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
	return atomicfile.Write(f.Path, append(data, '\n'), 0o600)
}
