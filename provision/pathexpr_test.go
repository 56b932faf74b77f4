package provision

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
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
	cfg := &Config{Path: cfgPath}
	left := int64(maxBuilt)
	e := &evaluator{file: cfgPath, cwd: dir, left: &left, notRead: notRead, assigned: map[string]bool{}, names: map[string]Value{"__file__": {Kind: KindStr, Str: cfgPath}}}
	for _, st := range mod.Body {
		cfg.statement(e, st)
	}
	for i, x := range exprs {
		v := e.names["v"+strconv.Itoa(i)]
		if v.Kind != KindStr {
			t.Errorf("%s: hubctl got %s, Python %q", x, v.describe(), want[i])
			continue
		}
		if v.Str != want[i] {
			t.Errorf("%s: hubctl %q, Python %q", x, v.Str, want[i])
		}
	}
}

// TestSubconfigResolution: a relative load_subconfig resolves against the
// Hub's working directory (Cwd), not the config's; without Cwd hubctl
// assumes the config's directory and says so (HUB212); a missing file is
// reported, since the Hub skips it without a word.
func TestSubconfigResolution(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "etc")
	hubDir := filepath.Join(dir, "srv")
	for _, d := range []string{cfgDir, hubDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(cfgDir, "jupyterhub_config.py")
	write(cfgPath, "load_subconfig('services.py')\n")
	write(filepath.Join(cfgDir, "services.py"), "c.JupyterHub.services = [{'name': 'beside-config', 'api_token': '"+strings.Repeat("a1", 32)+"'}]\n")
	write(filepath.Join(hubDir, "services.py"), "c.JupyterHub.services = [{'name': 'in-hub-cwd', 'api_token': '"+strings.Repeat("b2", 32)+"'}]\n")

	names := func(cfg *Config) []string {
		var out []string
		for i := range cfg.Services {
			if n, ok := cfg.Services[i].Get("name"); ok {
				out = append(out, n.Str)
			}
		}
		return out
	}
	ids := func(cfg *Config) []string {
		var out []string
		for _, f := range Validate(cfg, ValidateOptions{Version: hub.Version{Major: 3, Minor: 0, Patch: 0}}) {
			out = append(out, f.ID+" "+f.Message)
		}
		return out
	}

	assumed, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(assumed); len(got) != 1 || got[0] != "beside-config" {
		t.Errorf("without Cwd: services %v, want the file beside the config", got)
	}
	if got := strings.Join(ids(assumed), "\n"); !strings.Contains(got, "HUB212") || !strings.Contains(got, "hubctl assumed "+cfgDir) {
		t.Errorf("without Cwd: want a HUB212 warning naming the assumed directory, got:\n%s", got)
	}

	inHub, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true, Cwd: hubDir})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inHub); len(got) != 1 || got[0] != "in-hub-cwd" {
		t.Errorf("with Cwd: services %v, want the file in the Hub's directory", got)
	}
	if got := ids(inHub); len(got) != 0 {
		t.Errorf("with Cwd and the file there: want no findings, got %v", got)
	}

	missing, err := ReadWith(context.Background(), cfgPath, ReadOptions{Subconfigs: true, Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(missing), "\n"); !strings.Contains(got, "HUB212") || !strings.Contains(got, "no file "+filepath.Join(dir, "services.py")) {
		t.Errorf("with Cwd and no file there: want HUB212 naming %s, got:\n%s", filepath.Join(dir, "services.py"), got)
	}
}
