package yamlfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseYAMLErrors(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want string
	}{
		{"a: [\n", "f.yaml:1: bad: did not find expected node content"},
		{"a:\n\tb: 1\n", "f.yaml:2: bad: found character that cannot start any token"},
		{"a:\n  - b\n  - {c: 'x}\n", "f.yaml:3: bad: found unexpected end of stream"},
	} {
		_, err := Parse("f.yaml", []byte(tt.src), "bad: ")
		var e *Error
		if !errors.As(err, &e) || err.Error() != tt.want || e.Err == nil {
			t.Errorf("%q: got %v, want %s", tt.src, err, tt.want)
		}
	}
	doc, err := Parse("f.yaml", nil, "")
	if err != nil || len(doc.Content) != 0 {
		t.Errorf("empty: %v %v", doc, err)
	}
	doc, err = Parse("f.yaml", []byte("a: 1\n"), "")
	if err != nil || doc.Kind != yaml.DocumentNode || doc.Content[0].Kind != yaml.MappingNode {
		t.Errorf("a mapping: %v %v", doc, err)
	}
}

func TestKindNameAndDescribeYAML(t *testing.T) {
	for _, tt := range []struct{ src, kind, describe string }{
		{"{a: 1}", "a mapping", "a mapping"},
		{"[1]", "a list", "a list"},
		{"~", "nothing (null)", "nothing (null)"},
		{"yes", "a string", `the string "yes"`},
		{`"60"`, "a string", `the string "60"`},
		{"60", "an integer", `the integer "60"`},
		{"600.5", "a number", `the number "600.5"`},
		{"true", "a boolean", `the boolean "true"`},
		{"2024-01-02", "a timestamp", `the timestamp "2024-01-02"`},
		{"!foo x", "a scalar tagged !foo", `the scalar tagged !foo "x"`},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("v: "+tt.src+"\n"), &doc); err != nil {
			t.Fatal(err)
		}
		n := doc.Content[0].Content[1]
		if k, d := KindName(n), Describe(n); k != tt.kind || d != tt.describe {
			t.Errorf("%q: KindName %q, Describe %q; want %q, %q", tt.src, k, d, tt.kind, tt.describe)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: &x 1\nb: *x\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if k := KindName(doc.Content[0].Content[3]); k != "an alias" {
		t.Errorf("alias: %q", k)
	}
}

func TestReadYAMLFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "v.yaml")
	if err := os.WriteFile(p, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(p, 5, "a values file"); err != nil || string(b) != "a: 1\n" {
		t.Errorf("at the limit: %q %v", b, err)
	}
	if _, err := Read(p, 4, "a values file"); err == nil || err.Error() != p+": larger than 4 bytes; not a values file" {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := Read(p, 4<<10-1, "x"); err != nil {
		t.Error(err)
	}
	_, err := Read(filepath.Join(dir, "missing.yaml"), 10, "x")
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		t.Errorf("missing: %v", err)
	}
	if _, err := Read(dir, 10, "a rules file"); err == nil || err.Error() != dir+": a directory; hubctl reads a rules file only from a regular file" {
		t.Errorf("directory: %v", err)
	}
	for n, want := range map[int64]string{1 << 20: "1 MiB", 16 << 20: "16 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
