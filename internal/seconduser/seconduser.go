// Package seconduser plants files, links and directories as a second local
// user for the ownership tests of atomicfile, provision and tokens. Those
// tests run as root (CI does) and play the other user as uid 65534
// (nobody): what such a user can leave in a shared directory is what hubctl
// must never write through or hand a secret to.
package seconduser

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// UID is the second user (and its group): nobody.
const UID = 65534

// NeedRoot fails in CI and skips elsewhere: planting files as another user
// takes root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the ownership tests run as root in CI")
		}
		t.Skip("needs root to plant files as another user")
	}
}

// Dir makes the directory name under a fresh t.TempDir() with this mode
// and owner; its parents are made traversable, so that uid UID can reach it.
func Dir(t testing.TB, name string, mode fs.FileMode, uid int) string {
	t.Helper()
	parent := t.TempDir()
	for p := parent; strings.HasPrefix(p, os.TempDir()+"/"); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Chmod after Mkdir: the umask would narrow it, and Mkdir drops the sticky bit.
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, uid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// File writes a file of this mode and owner.
func File(t testing.TB, path, content string, mode fs.FileMode, uid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// Link makes a symlink owned by uid.
func Link(t testing.TB, target, link string, uid int) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// Owner is the uid that owns path itself (a link is not followed).
func Owner(t testing.TB, path string) int {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// WantFile checks that path is a regular file (not a link) of this owner
// and mode holding content.
func WantFile(t testing.TB, path string, uid int, mode fs.FileMode, content string) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() {
		t.Errorf("%s is %v, want a regular file", path, st.Mode().Type())
		return
	}
	if got := int(st.Sys().(*syscall.Stat_t).Uid); got != uid {
		t.Errorf("%s belongs to uid %d, want %d", path, got, uid)
	}
	if st.Mode().Perm() != mode {
		t.Errorf("%s has mode %04o, want %04o", path, st.Mode().Perm(), mode)
	}
	if data, _ := os.ReadFile(path); string(data) != content {
		t.Errorf("%s holds %q, want %q", path, data, content)
	}
}
