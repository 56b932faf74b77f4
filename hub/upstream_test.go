package hub

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// upstreamGitDir finds a git clone or mirror of github:jupyterhub/jupyterhub
// with its release tags: $JUPYTERHUB_GIT_DIR, else the mirror that the
// development machine keeps beside the worktrees.
func upstreamGitDir(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("JUPYTERHUB_GIT_DIR")}
	for _, up := range []string{"../..", "../../.."} {
		candidates = append(candidates, filepath.Join(up, ".mirror", "jupyterhub+jupyterhub", "repo"))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "-q", "6.0.0b2^{commit}").Run(); err == nil {
			return dir
		}
	}
	t.Skip("no git copy of jupyterhub/jupyterhub with its tags (set JUPYTERHUB_GIT_DIR)")
	return ""
}

// upstreamFacts is a reader of JupyterHub's Python source at one tag, by
// its syntax tree (nothing is imported or run): the Service traits tagged
// input=True with their trait class, the keys and subscopes of
// scope_definitions, and the names of get_default_roles.
const upstreamFacts = `
import ast, json, subprocess, sys
git, tag = sys.argv[1], sys.argv[2]
def tree(path):
    r = subprocess.run(["git", "-C", git, "show", tag + ":" + path], capture_output=True, text=True)
    return ast.parse(r.stdout) if r.returncode == 0 else None
out = {"keys": {}, "scopes": None, "roles": None}
for cls in tree("jupyterhub/services/service.py").body:
    if isinstance(cls, ast.ClassDef) and cls.name == "Service":
        for st in cls.body:
            if not (isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name)):
                continue
            call, tags = st.value, {}
            while isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "tag":
                tags.update({k.arg: getattr(k.value, "value", None) for k in call.keywords})
                call = call.func.value
            if tags.get("input") is True and isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                out["keys"][st.targets[0].id] = call.func.id
scopes = tree("jupyterhub/scopes.py")
for node in (scopes.body if scopes else []):
    target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
    if isinstance(target, ast.Name) and target.id == "scope_definitions":
        out["scopes"] = {}
        for k, v in zip(node.value.keys, node.value.values):
            subs = [ast.literal_eval(vv) for kk, vv in zip(v.keys, v.values) if ast.literal_eval(kk) == "subscopes"]
            out["scopes"][ast.literal_eval(k)] = subs[0] if subs else []
roles = tree("jupyterhub/roles.py")
for fn in (roles.body if roles else []):
    if isinstance(fn, ast.FunctionDef) and fn.name == "get_default_roles":
        for n in ast.walk(fn):
            if isinstance(n, ast.List) and n.elts and isinstance(n.elts[0], ast.Dict):
                out["roles"] = [ast.literal_eval(v) for d in n.elts for k, v in zip(d.keys, d.values) if ast.literal_eval(k) == "name"]
                break
print(json.dumps(out))
`

// TestFactsMatchUpstreamTags reads each representative release tag's source
// and checks ServiceKeys, ServiceFieldTypes, Scopes, Subscopes and
// DefaultRoles against it.
func TestFactsMatchUpstreamTags(t *testing.T) {
	git := upstreamGitDir(t)
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skipf("no python3 to read the source with: %v", err)
	}
	traitType := map[string]FieldType{"Unicode": FieldStr, "Bool": FieldBool, "Dict": FieldDict, "List": FieldStrList, "Command": FieldStrList, "Integer": FieldInt}
	for _, tag := range append([]string{"1.0.0", "1.1.0", "1.2.0", "2.0.0b1", "5.0.0b1", "6.0.0b1"}, representativeTags...) {
		t.Run(tag, func(t *testing.T) {
			out, err := exec.Command("python3", "-c", upstreamFacts, git, tag).Output()
			if err != nil {
				t.Fatalf("reading %s: %v", tag, err)
			}
			var got struct {
				Keys   map[string]string   `json:"keys"`
				Scopes map[string][]string `json:"scopes"`
				Roles  []string            `json:"roles"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("parsing %q: %v", out, err)
			}
			v := mustVersion(t, tag)
			var keys []string
			for k, trait := range got.Keys {
				keys = append(keys, k)
				if types := ServiceFieldTypes(k); !slices.Equal(types, []FieldType{traitType[trait]}) {
					t.Errorf("%s: the service key %q is a %s, but ServiceFieldTypes says %v", tag, k, trait, types)
				}
			}
			slices.Sort(keys)
			if want := ServiceKeys(v); !slices.Equal(keys, want) {
				t.Errorf("%s services/service.py has the input traits\n %v\nbut ServiceKeys(%s) =\n %v", tag, keys, v, want)
			}
			if tag == "2.0.0b1" {
				return // it still had the draft scopes; only its keys count
			}
			var scopes []string
			for s := range got.Scopes {
				scopes = append(scopes, s)
			}
			slices.Sort(scopes)
			if want := Scopes(v); !slices.Equal(scopes, want) {
				t.Errorf("%s scopes.py defines\n %v\nbut Scopes(%s) =\n %v", tag, scopes, v, want)
			}
			for s, subs := range got.Scopes {
				if have := Subscopes(v, s); !slices.Equal(have, subs) && !(len(have) == 0 && len(subs) == 0) {
					t.Errorf("%s: %s has the subscopes %v, but Subscopes says %v", tag, s, subs, have)
				}
			}
			if want := DefaultRoles(v); !slices.Equal(got.Roles, want) {
				t.Errorf("%s roles.py get_default_roles names %v, but DefaultRoles says %v", tag, got.Roles, want)
			}
		})
	}
}
