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

// EditOptions are how Apply edits.
type EditOptions struct {
	DryRun  bool
	Version HubVersion // the Hub the file is for, for the checks
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
func Apply(ctx context.Context, path string, opts EditOptions, change func(cfg *Config, m *Managed) error) (*Result, error) {
	dryRun := opts.DryRun
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
	cfg, err := Read(ctx, path)
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
	again, err := Parse(ctx, path, out)
	if err != nil {
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

// newErrors returns the errors Validate finds in after that it did not find
// in before (compared by id and message).
func newErrors(before, after *Config, v HubVersion) []Finding {
	had := map[string]bool{}
	for _, f := range Validate(before, ValidateOptions{Version: v}) {
		had[f.ID+" "+f.Message] = true
	}
	var out []Finding
	for _, f := range Validate(after, ValidateOptions{Version: v}) {
		if f.Severity == Error && !had[f.ID+" "+f.Message] {
			out = append(out, f)
		}
	}
	return out
}
