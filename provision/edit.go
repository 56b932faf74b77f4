package provision

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// Result is what an edit did.
type Result struct {
	Old, New  []byte
	Created   bool        // the file did not exist
	Mode      fs.FileMode // the file's mode after the edit
	Tightened bool        // the mode was narrowed to 0600 for a literal token
	Backup    string      // where the previous version was kept, if written
	Changed   bool
}

// BackupPath is where hubctl keeps the previous version of a config file.
func BackupPath(path string) string { return path + ".hubctl.bak" }

// Apply edits hubctl's block in the config at path: under a lock it reads
// the file, lets change modify the managed services and roles, checks that
// the new file reads back to exactly that, and (unless dryRun) writes it
// atomically, keeping the previous version in BackupPath. A file that will
// hold a literal token gets mode 0600.
func Apply(path string, dryRun bool, change func(cfg *Config, m *Managed) error) (*Result, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(abs)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: the directory %s does not exist", path, dir)
	}
	if !dryRun {
		unlock, err := atomicfile.Lock(filepath.Join(dir, "."+base+".hubctl-lock"))
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	cfg, err := Read(path)
	if err != nil {
		return nil, err
	}
	m, err := cfg.Managed()
	if err != nil {
		return nil, err
	}
	if err := change(cfg, &m); err != nil {
		return nil, err
	}
	out, err := cfg.WithManaged(m)
	if err != nil {
		return nil, err
	}
	// The file must read back to exactly what was meant, or nothing is written.
	again, err := Parse(path, out)
	if err != nil {
		return nil, fmt.Errorf("internal error: the edited file does not parse (%w); nothing was written", err)
	}
	back, err := again.Managed()
	if err != nil || !reflect.DeepEqual(normalize(back), normalize(m)) {
		return nil, fmt.Errorf("internal error: the edited block does not read back (%v); nothing was written", err)
	}

	res := &Result{Old: cfg.Src, New: out, Created: cfg.Src == nil, Changed: !bytes.Equal(cfg.Src, out) || cfg.Src == nil}
	secret := false
	for _, s := range m.Services {
		secret = secret || s.Token == TokenLiteral
	}
	res.Mode = 0o644
	if st, err := os.Stat(path); err == nil {
		res.Mode = st.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if secret && res.Mode&0o077 != 0 {
		res.Mode, res.Tightened = 0o600, true
	}
	if dryRun || !res.Changed {
		return res, nil
	}
	if !res.Created {
		res.Backup = BackupPath(path)
		if err := atomicfile.WriteMode(res.Backup, cfg.Src, 0o600); err != nil {
			return nil, fmt.Errorf("keeping a backup: %w", err)
		}
	}
	if err := atomicfile.WriteMode(path, out, res.Mode); err != nil {
		return nil, err
	}
	return res, nil
}

// normalize makes empty and nil slices and maps compare equal.
func normalize(m Managed) Managed {
	out := Managed{}
	for _, s := range m.Services {
		if len(s.Environment) == 0 {
			s.Environment = nil
		}
		if len(s.Info) == 0 {
			s.Info = nil
		}
		for _, p := range []*[]string{&s.Command, &s.OAuthClientAllowedScopes, &s.OAuthRoles} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		out.Services = append(out.Services, s)
	}
	for _, r := range m.Roles {
		for _, p := range []*[]string{&r.Scopes, &r.Services, &r.Users, &r.Groups} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		out.Roles = append(out.Roles, r)
	}
	return out
}
