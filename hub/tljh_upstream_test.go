package hub

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tljhTag is the TLJH release hub/tljh.go was read at.
const tljhTag = "2.0.0"

// tljhGitDir finds a git copy of github:jupyterhub/the-littlest-jupyterhub
// with tag tljhTag: $TLJH_GIT_DIR, else the mirror beside the worktrees.
func tljhGitDir(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("TLJH_GIT_DIR")}
	for _, up := range []string{"../..", "../../.."} {
		candidates = append(candidates, filepath.Join(up, ".mirror", "jupyterhub+the-littlest-jupyterhub", "repo"))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "-q", tljhTag+"^{commit}").Run(); err == nil {
			return dir
		}
	}
	t.Skip("no git copy of jupyterhub/the-littlest-jupyterhub with tag " + tljhTag + " (set TLJH_GIT_DIR)")
	return ""
}

// tljhFacts reads TLJH's source at a tag by its syntax tree (nothing is
// imported or run): the services.cull defaults of configurer.py's
// `default`, the flag strings of set_cull_idle_service, the statements of
// update_services, and the order of jupyterhub_config.py's calls.
const tljhFacts = `
import ast, json, subprocess, sys
git, tag = sys.argv[1], sys.argv[2]
def src(path):
    return subprocess.run(["git", "-C", git, "show", tag + ":" + path], capture_output=True, text=True, check=True).stdout
out = {}
for node in ast.parse(src("tljh/configurer.py")).body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "default":
        out["cull"] = ast.literal_eval(node.value)["services"]["cull"]
    if isinstance(node, ast.FunctionDef) and node.name == "set_cull_idle_service":
        out["flags"] = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("--")]
        out["name"] = [n.values[0].value for n in ast.walk(node) if isinstance(n, ast.Dict) and n.keys and n.keys[0].value == "name"]
    if isinstance(node, ast.FunctionDef) and node.name == "update_services":
        out["update_services"] = [ast.unparse(s).splitlines()[0] for s in node.body]
calls = [n for n in ast.walk(ast.parse(src("tljh/jupyterhub_config.py"))) if isinstance(n, ast.Call) and ast.unparse(n.func) in ("configurer.apply_config", "load_subconfig", "glob")]
out["calls"] = [ast.unparse(n.func) for n in sorted(calls, key=lambda n: (n.lineno, n.col_offset))]
out["config_py"] = src("tljh/config.py")
print(json.dumps(out))
`

func TestTLJHFactsAtTag(t *testing.T) {
	git := tljhGitDir(t)
	cmd := exec.Command("python3", "-I", "-c", tljhFacts, git, tljhTag)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("reading TLJH %s: %v", tljhTag, err)
	}
	var f struct {
		Cull           map[string]any `json:"cull"`
		Flags          []string       `json:"flags"`
		Name           []string       `json:"name"`
		UpdateServices []string       `json:"update_services"`
		Calls          []string       `json:"calls"`
		ConfigPy       string         `json:"config_py"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Cull["enabled"] != TLJHCullEnabledDefault {
		t.Errorf("services.cull.enabled defaults to %v", f.Cull["enabled"])
	}
	if len(f.Cull) != len(TLJHCullKnobs)+1 {
		t.Errorf("TLJH %s has the cull settings %v; hub.TLJHCullKnobs has %d and enabled", tljhTag, f.Cull, len(TLJHCullKnobs))
	}
	for _, k := range TLJHCullKnobs {
		want, flag := any(float64(k.Default)), "--"+k.Flag+"=%d"
		if k.Bool {
			want, flag = k.Default != 0, "--"+k.Flag
		}
		if f.Cull[k.Key] != want {
			t.Errorf("services.cull.%s defaults to %v at TLJH %s, hub says %v", k.Key, f.Cull[k.Key], tljhTag, want)
		}
		if !strings.Contains(strings.Join(f.Flags, " "), flag) {
			t.Errorf("set_cull_idle_service has no %s (it has %v)", flag, f.Flags)
		}
	}
	if fmt.Sprint(f.Name) != "["+TLJHCullerName+"]" {
		t.Errorf("TLJH's culler is named %v", f.Name)
	}
	if len(f.UpdateServices) != 2 || f.UpdateServices[0] != "c.JupyterHub.services = []" || !strings.HasPrefix(f.UpdateServices[1], "if config['services']['cull']['enabled']") {
		t.Errorf("update_services is %q", f.UpdateServices)
	}
	if fmt.Sprint(f.Calls) != "[configurer.apply_config glob load_subconfig]" {
		t.Errorf("jupyterhub_config.py calls %v, want apply_config, then glob and load_subconfig", f.Calls)
	}
	for _, w := range []string{`os.environ.get("TLJH_INSTALL_PREFIX", "/opt/tljh")`, `CONFIG_DIR = os.path.join(INSTALL_PREFIX, "config")`,
		`CONFIG_FILE = os.path.join(CONFIG_DIR, "` + TLJHConfigFile + `")`, `lock_file = f"{config_path}` + TLJHLockSuffix + `"`} {
		if !strings.Contains(f.ConfigPy, w) {
			t.Errorf("tljh/config.py at %s lacks %s", tljhTag, w)
		}
	}
	if filepath.Join("/opt/tljh", "config") != TLJHConfigDir {
		t.Errorf("TLJHConfigDir %s", TLJHConfigDir)
	}
}
