package tokens

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testStore is the contract every Store meets; each implementation's test
// runs it.
func testStore(t *testing.T, s Store) {
	t.Helper()
	names, err := s.List()
	if err != nil {
		t.Fatalf("List on an empty store: %v", err)
	}
	if len(names) != 0 {
		t.Fatalf("List on an empty store = %q", names)
	}

	_, err = s.Get("missing")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want a NotFoundError", err)
	}
	want := fmt.Sprintf(`no token named "missing" in %s`, s)
	if err.Error() != want {
		t.Errorf("Get(missing) error = %q, want %q", err, want)
	}
	if err := s.Delete("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete(missing) error = %v, want ErrNotFound", err)
	}

	secrets := map[string]string{
		"cull-idle":   strings.Repeat("ab", 32),
		"a":           "tok with spaces, quotes ' \" and unicode é",
		"svc.v2_test": "x",
	}
	for name, secret := range secrets {
		if err := s.Set(name, secret); err != nil {
			t.Fatalf("Set(%q): %v", name, err)
		}
	}
	for name, secret := range secrets {
		got, err := s.Get(name)
		if err != nil || got != secret {
			t.Errorf("Get(%q) = %q, %v; want %q", name, got, err, secret)
		}
	}
	names, err = s.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "cull-idle", "svc.v2_test"}; !slices.Equal(names, want) {
		t.Errorf("List = %q, want %q", names, want)
	}

	// Set replaces.
	if err := s.Set("a", "second"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("a"); got != "second" {
		t.Errorf("after a second Set, Get = %q", got)
	}
	if names, _ := s.List(); len(names) != 3 {
		t.Errorf("a second Set changed the list: %q", names)
	}

	if err := s.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if names, _ := s.List(); !slices.Equal(names, []string{"cull-idle", "svc.v2_test"}) {
		t.Errorf("List after Delete = %q", names)
	}

	for _, bad := range []string{"", "Upper", "has space", "a/b", ":index", strings.Repeat("x", 65), "é"} {
		if err := s.Set(bad, "x"); err == nil {
			t.Errorf("Set(%q) succeeded; want an invalid-name error", bad)
		}
		if _, err := s.Get(bad); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v; want an invalid-name error", bad, err)
		}
	}
	if err := s.Set("empty", ""); err == nil {
		t.Error("Set with an empty secret succeeded")
	}

	for name := range secrets {
		_ = s.Delete(name)
	}
	if names, _ := s.List(); len(names) != 0 {
		t.Errorf("List after deleting all = %q", names)
	}
}

func TestMemoryStore(t *testing.T) { testStore(t, NewMemory()) }

func TestMemoryStoreConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("t%d", i)
			if err := m.Set(name, name); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if names, _ := m.List(); len(names) != 50 {
		t.Errorf("got %d names after 50 concurrent sets", len(names))
	}
}

func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hubctl", "tokens.json")
	f := &File{Path: path}
	testStore(t, f)

	if err := f.Set("x", "secret"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
	}
	// No temp file is left beside it.
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != "tokens.json" && e.Name() != "tokens.json.lock" {
			t.Errorf("stray file %s", e.Name())
		}
	}

	// A file others can read is refused, and the error says how to fix it.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := f.Get("x")
	var he *HintError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "0644") || !strings.Contains(he.Hint(), "chmod 600") {
		t.Errorf("Get from a 0644 file: %v", err)
	}
	if err := f.Set("y", "z"); err == nil {
		t.Error("Set into a 0644 file succeeded")
	}
}

func TestFileStoreConcurrentSets(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "tokens.json")}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := f.Set(fmt.Sprintf("t%d", i), "s"); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if names, err := f.List(); err != nil || len(names) != 20 {
		t.Errorf("after 20 concurrent sets: %d names, %v (the lock lost updates)", len(names), err)
	}
}
