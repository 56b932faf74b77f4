package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/hubctl/hubctl/hub"
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

// BackupPath is where hubctl keeps the previous version of a config file
// (atomicfile.BackupPath).
func BackupPath(path string) string { return atomicfile.BackupPath(path) }

// EditOptions are how Apply edits.
type EditOptions struct {
	DryRun  bool
	Version hub.Version // the Hub the file is for, for the checks
	// Notify, if set, gets what an admin should hear while the edit runs:
	// a wait for the lock, a symlinked config, leftovers removed.
	Notify func(msg string)
}

// IntroducedError is an edit that would give the file an error the Hub
// refuses to start with, which it did not have before.
type IntroducedError struct{ Findings []Finding }

func (e *IntroducedError) Error() string {
	var msgs []string
	for _, f := range e.Findings {
		msgs = append(msgs, f.String())
	}
	return "the edit would make JupyterHub refuse to start, so nothing was written: " + strings.Join(msgs, "; ")
}

// Apply edits hubctl's block in the config at path: under a lock it reads
// the file, lets change modify the managed services and roles, checks that
// the new file reads back to exactly that, and (unless dryRun) writes it
// atomically, keeping the previous version in BackupPath. A file that will
// hold a literal token gets mode 0600.
//
// The files hubctl writes next to the config (lock, backup, temp files) are
// made fresh, never through a link, and belong to the config's owner; a
// directory that others can write is refused. A config that is a symlink
// has its target edited in place, next to the target, and the link stays.
// Waiting for the lock ends when ctx is done, with nothing changed.
func Apply(ctx context.Context, path string, opts EditOptions, change func(cfg *Config, m *Managed) error) (*Result, error) {
	dryRun := opts.DryRun
	notify := opts.Notify
	if notify == nil {
		notify = func(string) {}
	}
	target, owner, err := editTarget(path)
	if err != nil {
		return nil, err
	}
	if target.resolved {
		notify(fmt.Sprintf("%s is a symlink: editing its target %s in place (the link stays)", path, target.path))
	}
	dir, base := filepath.Split(target.path)
	if !dryRun {
		unlock, err := atomicfile.Lock(ctx, filepath.Join(dir, "."+base+".hubctl-lock"), atomicfile.LockOptions{
			Owner: owner,
			Waiting: func(holder string) {
				if holder != "" {
					holder = ", held by " + holder
				}
				notify(fmt.Sprintf("waiting for the lock on %s%s (Ctrl-C to give up)", path, holder))
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
		defer unlock()
		// Under the lock no temp file of this config is being written: any
		// left is from a run that was killed, and may hold a token.
		var uids []int
		if owner != nil {
			uids = append(uids, owner.UID)
		}
		for _, b := range []string{base, atomicfile.BackupPath(base)} {
			removed, err := atomicfile.RemoveStale(dir, b, uids...)
			if err != nil {
				return nil, err
			}
			for _, r := range removed {
				notify("removed " + r + ", left by an interrupted run")
			}
		}
	}
	cfg, err := Read(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
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
	again, err := Parse(ctx, path, out)
	if err != nil {
		if ctx.Err() != nil { // a signal ended the read, not a bug
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
		return nil, fmt.Errorf("internal error: the edited file does not parse (%w); nothing was written", err)
	}
	back, err := again.Managed()
	if err != nil || !reflect.DeepEqual(normalize(back), normalize(m)) {
		return nil, fmt.Errorf("internal error: the edited block does not read back (%v); nothing was written", err)
	}

	// The same checks as `hubctl config validate`: refuse to add an error.
	if introduced := newErrors(cfg, again, opts.Version); len(introduced) > 0 {
		return nil, &IntroducedError{Findings: introduced}
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
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("%w; nothing was changed", err)
	}
	if !res.Created {
		// A fresh file renamed over the old backup: rename replaces a
		// planted file or link without following it, and there is a
		// complete backup at every moment. It is never readable by more
		// than the config, and at most by its owner.
		res.Backup = atomicfile.BackupPath(target.path)
		if err := atomicfile.WriteFile(res.Backup, cfg.Src, atomicfile.Options{Mode: 0o600 & target.mode, Owner: owner}); err != nil {
			return nil, fmt.Errorf("keeping a backup: %w", err)
		}
	}
	if err := atomicfile.WriteFile(target.path, out, atomicfile.Options{Mode: res.Mode, Owner: owner}); err != nil {
		return nil, err
	}
	return res, nil
}

// editFile is the file an edit writes.
type editFile struct {
	path     string      // absolute, with every symlink resolved
	resolved bool        // the config named was a symlink to path
	mode     fs.FileMode // its mode, 0 if it does not exist
}

// editTarget resolves the config at path to the file to write, checks the
// directory it is in, and returns the owner the written files get: the
// config's own, when it exists and the caller may give files to it (root),
// else nil (the caller).
func editTarget(path string) (editFile, *atomicfile.Owner, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return editFile{}, nil, err
	}
	dir, base := filepath.Split(abs)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return editFile{}, nil, fmt.Errorf("%s: the directory %s does not exist", path, dir)
	}
	t := editFile{path: filepath.Join(realDir, base)}
	st, err := os.Lstat(t.path)
	if err == nil && st.Mode()&fs.ModeSymlink != 0 {
		resolved, lerr := filepath.EvalSymlinks(t.path)
		if lerr != nil {
			return editFile{}, nil, &atomicfile.UnsafeError{
				Err:  fmt.Errorf("%s is a symlink to a file that does not exist: %w", path, lerr),
				Next: "point the link at the config, or replace it with the config file itself",
			}
		}
		t.path, t.resolved = resolved, true
		st, err = os.Lstat(t.path) // the target: the checks below are about it
	}
	var owner *atomicfile.Owner
	var owners []int
	switch {
	case err == nil && !st.Mode().IsRegular():
		return editFile{}, nil, fmt.Errorf("%s is not a regular file", path)
	case err == nil:
		t.mode = st.Mode().Perm()
		o := atomicfile.FileOwner(st)
		owners = append(owners, o.UID)
		if os.Getuid() == 0 || o.UID == os.Getuid() {
			owner = &o
		}
	case !errors.Is(err, fs.ErrNotExist):
		return editFile{}, nil, err
	}
	if err := atomicfile.CheckDir(filepath.Dir(t.path), owners...); err != nil {
		return editFile{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, owner, nil
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

// newErrors returns the errors Validate finds in after that it did not find
// in before (compared by id and message).
func newErrors(before, after *Config, v hub.Version) []Finding {
	had := map[string]bool{}
	for _, f := range Validate(before, ValidateOptions{Version: v}) {
		had[f.ID+" "+f.Message] = true
	}
	var out []Finding
	for _, f := range Validate(after, ValidateOptions{Version: v}) {
		if f.Severity == SeverityError && !had[f.ID+" "+f.Message] {
			out = append(out, f)
		}
	}
	return out
}
