package pyconfig

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// pythonForTests is the Python whose os.path and pathlib hubctl's static
// path arithmetic must agree with.
func pythonForTests(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs python3 (scripts/test.sh installs Debian's JupyterHub, which brings it): %v", err)
		}
		t.Skipf("no python3: %v", err)
	}
	return py
}

// TestPathArithmeticMatchesPython compares the evaluator's os.path and
// pathlib results with what Python prints for the same expressions, run in
// the same working directory as the one the evaluator is told the Hub has.
func TestPathArithmeticMatchesPython(t *testing.T) {
	py := pythonForTests(t)
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	if err := os.MkdirAll(filepath.Join(dir, "real", "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "link", "jupyterhub_config.py")
	exprs := []string{
		`os.path.join('a', 'b', 'c.py')`,
		`os.path.join('a/', 'b')`,
		`os.path.join('a', '/abs', 'c')`,
		`os.path.join('', 'x')`,
		`os.path.join('a', '')`,
		`os.path.dirname('/a/b/c.py')`,
		`os.path.dirname('a')`,
		`os.path.dirname('/a')`,
		`os.path.dirname('//a')`,
		`os.path.dirname('a/b//')`,
		`os.path.dirname(__file__)`,
		`os.path.join(os.path.dirname(__file__), 'services.py')`,
		`os.path.abspath('sub/../x.py')`,
		`os.path.abspath('x.py')`,
		`os.path.realpath(__file__)`,
		`os.path.realpath(os.path.join(os.path.dirname(__file__), 'sub', '..', 'sub'))`,
		`os.path.normpath('a//b/./c/../d')`,
		`os.getcwd()`,
		`str(pathlib.Path('a', 'b'))`,
		`str(pathlib.Path('a//b/./c/'))`,
		`str(pathlib.Path(''))`,
		`str(pathlib.Path('/x') / 'y' / '../z')`,
		`str(pathlib.Path(__file__).parent)`,
		`str(pathlib.Path(__file__).parent / 'services.py')`,
		`str(pathlib.Path(__file__).resolve().parent / 'services.py')`,
		`str(pathlib.Path('rel').absolute())`,
		`str(pathlib.Path('a').parent)`,
		`str(pathlib.Path('/').parent)`,
		`str(pathlib.Path('a').joinpath('b', '/c', 'd'))`,
		`pathlib.Path(__file__).name`,
		`str('a' / pathlib.Path('b') / 'c')`,
	}
	script := "import json, os, os.path, pathlib, sys\n__file__ = sys.argv[1]\nout = []\n"
	for _, x := range exprs {
		script += "out.append(" + x + ")\n"
	}
	script += "print(json.dumps(out))\n"
	cmd := exec.Command(py, "-I", "-c", script, cfgPath)
	cmd.Dir = dir
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want []string
	if err := json.Unmarshal(got, &want); err != nil {
		t.Fatal(err)
	}

	var src strings.Builder
	src.WriteString("import os\nimport pathlib\n")
	for i, x := range exprs {
		src.WriteString("v" + strconv.Itoa(i) + " = " + x + "\n")
	}
	mod, _, notRead, err := parseTolerant(cfgPath, []byte(src.String()))
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{f: &File{Path: cfgPath}}
	left := int64(maxBuilt)
	e := &evaluator{file: cfgPath, cwd: dir, left: &left, notRead: notRead, assigned: map[Trait]bool{}, names: map[string]Value{"__file__": {Kind: KindStr, Str: cfgPath}}}
	for _, st := range mod.Body {
		r.statement(e, st)
	}
	for i, x := range exprs {
		v := e.names["v"+strconv.Itoa(i)]
		if v.Kind != KindStr {
			t.Errorf("%s: hubctl got %s, Python %q", x, v.Describe(), want[i])
			continue
		}
		if v.Str != want[i] {
			t.Errorf("%s: hubctl %q, Python %q", x, v.Str, want[i])
		}
	}
}
