package tokens

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/internal/seconduser"
)

func wantHint(t *testing.T, what string, err error, msg, hint string) {
	t.Helper()
	var h interface{ Hint() string }
	if err == nil || !strings.Contains(err.Error(), msg) || !errors.As(err, &h) || !strings.Contains(h.Hint(), hint) {
		t.Errorf("%s: err = %v, want %q with a hint containing %q", what, err, msg, hint)
	}
}

// The seen case: a tokens.json planted in a world-writable ~/.config/hubctl
// got root's tokens and kept the planter as its owner. Such a directory is
// refused now, and the planted file is left as it was.
func TestFileStoreRefusesSharedDir(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "hubctl", os.ModeSticky|0o777, os.Getuid())
	path := filepath.Join(dir, "tokens.json")
	seconduser.File(t, path, "{}", 0o600, seconduser.UID)
	f := &File{Path: path}
	wantHint(t, "Set", f.Set("cull-idle", "secret"), "others can write it", "chmod go-w "+dir)
	_, err := f.Get("cull-idle")
	wantHint(t, "Get", err, "others can write it", "chmod go-w "+dir)
	if data, _ := os.ReadFile(path); string(data) != "{}" || seconduser.Owner(t, path) != seconduser.UID {
		t.Errorf("the planted file changed: %q", data)
	}
}

// A tokens.json that is not the caller's is refused: whoever owns it can
// read what is written and forge what is read.
func TestFileStoreRefusesOthersFile(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "hubctl", 0o700, os.Getuid())
	path := filepath.Join(dir, "tokens.json")
	seconduser.File(t, path, `{"cull-idle": "forged"}`, 0o600, seconduser.UID)
	f := &File{Path: path}
	wantHint(t, "Set", f.Set("cull-idle", "secret"), "belongs to uid 65534, not to you", "rm "+path)
	_, err := f.Get("cull-idle")
	wantHint(t, "Get", err, "belongs to uid 65534, not to you", "rm "+path)
	if data, _ := os.ReadFile(path); string(data) != `{"cull-idle": "forged"}` || seconduser.Owner(t, path) != seconduser.UID {
		t.Errorf("the planted file changed: %q", data)
	}
}

// The seen case: a symlinked tokens.json was replaced by a regular file.
// It is refused now (a secret store that can be pointed elsewhere is not
// one), and neither link nor target changes; a planted lock link is not
// followed either.
func TestFileStoreRefusesLinks(t *testing.T) {
	dir := seconduser.Dir(t, "hubctl", 0o700, os.Getuid())
	path := filepath.Join(dir, "tokens.json")
	victim := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.WriteFile(victim, []byte(`{"a": "b"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	f := &File{Path: path}
	wantHint(t, "Set", f.Set("x", "secret"), "is a symbolic link", "readlink -f "+path)
	_, err := f.Get("a")
	wantHint(t, "Get", err, "is a symbolic link", "readlink -f "+path)
	if got, err := os.Readlink(path); err != nil || got != victim {
		t.Errorf("the link is now %q, %v", got, err)
	}
	if data, _ := os.ReadFile(victim); string(data) != `{"a": "b"}` {
		t.Errorf("the target changed: %q", data)
	}

	for _, p := range []string{path, path + ".lock"} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	made := filepath.Join(t.TempDir(), "made")
	if err := os.Symlink(made, path+".lock"); err != nil {
		t.Fatal(err)
	}
	wantHint(t, "Set with a planted lock link", f.Set("x", "secret"), "symbolic link", "rm "+path+".lock")
	if _, err := os.Lstat(made); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock link's target was created")
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("tokens.json was written despite the refused lock")
	}
}

// A temp file left by a killed run holds every token: the next write
// removes it.
func TestFileStoreRemovesStaleTemps(t *testing.T) {
	dir := seconduser.Dir(t, "hubctl", 0o700, os.Getuid())
	path := filepath.Join(dir, "tokens.json")
	stale := filepath.Join(dir, ".tokens.json.tmp-0123456789abcdef")
	if err := os.WriteFile(stale, []byte(`{"cull-idle": "leaked"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &File{Path: path}
	if err := f.Set("x", "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the leftover temp file is still there")
	}
	if s, err := f.Get("x"); err != nil || s != "secret" {
		t.Errorf("Get = %q, %v", s, err)
	}
}
