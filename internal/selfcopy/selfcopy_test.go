package selfcopy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary is the running executable: Copy copies it.
func TestCopyCopiesItself(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "hubctl")
	// Over an old file of another mode, too: the copy is a new file.
	for _, old := range []bool{false, true} {
		if old {
			if err := os.WriteFile(dest, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		n, err := Copy(dest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(dest)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dest)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(want)) || !bytes.Equal(got, want) || st.Mode() != 0o755 {
			t.Errorf("copy: %d bytes, equal %v, mode %v; want %d bytes, mode -rwxr-xr-x", n, bytes.Equal(got, want), st.Mode(), len(want))
		}
	}
	// Nothing but the copy is left in the directory (no temp file).
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %v", entries)
	}
}

func TestCopyRefusesSymlinksAndDirectories(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for dest, want := range map[string]string{
		link:                               link + " is a symlink",
		dangling:                           dangling + " is a symlink",
		dir:                                dir + " is a directory",
		filepath.Join(dir, "no", "hubctl"): filepath.Join(dir, "no", "hubctl"),
	} {
		if _, err := Copy(dest); err == nil || !strings.HasPrefix(err.Error(), want) && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming it (%q)", dest, err, want)
		}
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Errorf("the symlink's target was written: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("the dangling symlink's target was created")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi, err)
	}
}
