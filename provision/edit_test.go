package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
)

var v3 = hub.Version{Major: 3, Minor: 0, Patch: 0}

func cullIdle() (Service, Role) {
	s := Service{Name: "cull-idle", Command: []string{"hubctl", "cull", "--timeout=3600"}}
	r := Role{Name: "cull-idle-role", Scopes: hub.CullerRoleScopes(v3, hub.CullerFlags{CullUsers: false}), Services: []string{"cull-idle"}}
	return s, r
}

func addTo(s Service, r *Role) func(*Config, *Managed) error {
	return func(cfg *Config, m *Managed) error {
		if err := cfg.CheckAgainstFile(&s); err != nil {
			return err
		}
		m.Services = append(m.Services, s)
		if r != nil {
			m.Roles = append(m.Roles, *r)
		}
		return nil
	}
}

func removeFrom(name string) func(*Config, *Managed) error {
	return func(_ *Config, m *Managed) error {
		var keep Managed
		for _, s := range m.Services {
			if s.Name != name {
				keep.Services = append(keep.Services, s)
			}
		}
		for _, r := range m.Roles {
			if r.Name != hub.RoleName(name) {
				keep.Roles = append(keep.Roles, r)
			}
		}
		*m = keep
		return nil
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAddRemoveTestdataConfigs: on every testdata config, adding cull-idle
// leaves every byte before hubctl's block alone, the real traitlets then
// sees the original services and roles plus hubctl's, and removing it
// gives back the original file byte for byte.
func TestAddRemoveTestdataConfigs(t *testing.T) {
	files, _ := filepath.Glob("../testdata/configs/*.py")
	if len(files) < 8 {
		t.Fatalf("only %d testdata configs", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel() // each loads the file in two releases' traitlets
			orig, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
			if err := os.WriteFile(path, orig, 0o640); err != nil {
				t.Fatal(err)
			}
			var origServices, origRoles []any
			if len(orig) > 0 {
				origServices, origRoles = traitlets(t, path)
			}
			s, r := cullIdle()
			res, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, &r))
			if err != nil {
				t.Fatal(err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.HasPrefix(after, orig) && !bytes.HasPrefix(after, bytes.TrimRight(orig, "\r\n")) {
				t.Fatalf("the bytes before the block changed:\n%q\n%q", orig, after)
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
				t.Errorf("mode changed to %v", st.Mode())
			}
			if bak, _ := os.ReadFile(BackupPath(path)); !bytes.Equal(bak, orig) || res.Backup == "" {
				t.Errorf("backup %q, want the original", bak)
			}
			services, roles := traitlets(t, path)
			wantServices := append(origServices, map[string]any{"name": "cull-idle", "command": []any{"hubctl", "cull", "--timeout=3600"}})
			wantRoles := append(origRoles, map[string]any{"name": "cull-idle-role", "scopes": toAny(r.Scopes), "services": []any{"cull-idle"}})
			if asJSON(services) != asJSON(wantServices) || asJSON(roles) != asJSON(wantRoles) {
				t.Errorf("traitlets sees\n services %s\n roles %s\nwant\n services %s\n roles %s", asJSON(services), asJSON(roles), asJSON(wantServices), asJSON(wantRoles))
			}
			if strings.Contains(string(orig), "\r\n") && strings.Count(string(after), "\n") != strings.Count(string(after), "\r\n") {
				t.Error("a CRLF file got LF lines")
			}
			// Adding again is refused by the caller; replacing twice is stable.
			for i := 0; i < 2; i++ {
				if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, func(c *Config, m *Managed) error {
					if err := removeFrom("cull-idle")(c, m); err != nil {
						return err
					}
					return addTo(s, &r)(c, m)
				}); err != nil {
					t.Fatal(err)
				}
				if again, _ := os.ReadFile(path); !bytes.Equal(again, after) {
					t.Fatalf("replace %d changed the file", i+1)
				}
			}
			if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, removeFrom("cull-idle")); err != nil {
				t.Fatal(err)
			}
			back, _ := os.ReadFile(path)
			if !bytes.Equal(back, orig) {
				t.Errorf("after remove:\n%q\nwant\n%q", back, orig)
			}
		})
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	s := Service{Name: "ext", URL: "http://127.0.0.1:9000", Token: TokenLiteral, APIToken: strings.Repeat("ab", 32)}
	res, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, nil))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if !res.Created || st.Mode().Perm() != 0o600 {
		t.Errorf("created %v mode %v: a file with a literal token must be 0600", res.Created, st.Mode())
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), NewFileHeader) {
		t.Errorf("new file starts %q", data[:40])
	}
	services, _ := traitlets(t, path)
	if asJSON(services) != `[{"api_token":"`+s.APIToken+`","name":"ext","url":"http://127.0.0.1:9000"}]` {
		t.Errorf("traitlets sees %s", asJSON(services))
	}
}

func TestTightenForLiteralToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := os.WriteFile(path, []byte("c = get_config()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Service{Name: "ext", Token: TokenLiteral, APIToken: strings.Repeat("cd", 32)}
	res, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, nil))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if !res.Tightened || st.Mode().Perm() != 0o600 {
		t.Errorf("tightened %v, mode %v", res.Tightened, st.Mode())
	}
	if st, _ := os.Stat(BackupPath(path)); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", st.Mode())
	}
}

func TestEnvToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	s := Service{Name: "ext", URL: "http://127.0.0.1:9000", Token: TokenEnv, TokenEnvVar: TokenEnvVarFor("ext")}
	if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, nil)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "s3cret") || !strings.Contains(string(data), "HUBCTL_TOKEN_EXT") {
		t.Errorf("file:\n%s", data)
	}
	services, _ := traitlets(t, path, "HUBCTL_TOKEN_EXT=s3cret-from-env")
	if asJSON(services) != `[{"api_token":"s3cret-from-env","name":"ext","url":"http://127.0.0.1:9000"}]` {
		t.Errorf("traitlets sees %s", asJSON(services))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("an env token needs no 0600, got %v", st.Mode())
	}
}

// TestHandEditedBlockRefused: a block edited into something hubctl cannot
// read back is refused with its line, and the file is left alone.
func TestHandEditedBlockRefused(t *testing.T) {
	s, r := cullIdle()
	tests := []struct {
		name, old, new string
		line           int
	}{
		{"requoted", "'--timeout=3600'", "\"--timeout=3600\"", 0},
		{"reformatted key", "        'name': 'cull-idle',\n", "        'name': 'cull-idle',\n        'admin':True,\n", 0},
		{"expression", "'--timeout=3600'", "'--timeout=' + str(60)", 0},
		{"end marker gone", blockEnd + "\n", "", 0},
		{"second begin", blockEnd + "\n", blockEnd + "\n" + blockBegin + "\n", 0},
		{"lead line gone", "# hubctl-block: v1 lead=1\n", "", 0},
		{"unknown key", "        'name': 'cull-idle',\n", "        'name': 'cull-idle',\n        'colour': 'red',\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
			if err := os.WriteFile(path, []byte("c = get_config()\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, &r)); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if !strings.Contains(string(data), tt.old) {
				t.Fatalf("%q not in\n%s", tt.old, data)
			}
			edited := strings.Replace(string(data), tt.old, tt.new, 1)
			if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Apply(context.Background(), path, EditOptions{Version: v3}, removeFrom("cull-idle"))
			var pe *pyconfig.ParseError
			if !errors.As(err, &pe) || pe.Pos.Line == 0 || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want a ParseError with a line", err)
			}
			if after, _ := os.ReadFile(path); string(after) != edited {
				t.Error("the file was changed")
			}
		})
	}
}

// TestReadableHandEditKept: an edit that reads back exactly as hubctl would
// write it is simply the new content of the block.
func TestReadableHandEditKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	s, r := cullIdle()
	if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(s, &r)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), "'--timeout=3600'", "'--timeout=60'", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cfg.Managed()
	if err != nil || len(m.Services) != 1 || m.Services[0].Command[2] != "--timeout=60" {
		t.Errorf("%+v %v", m, err)
	}
}

func TestDuplicateAndSharedToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	src := "c = get_config()\nc.JupyterHub.services = [{'name': 'dup', 'api_token': 'shared-token-0123'}]\nc.JupyterHub.api_tokens = {'apitoken-0123456': 'alice'}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s    Service
		want string
	}{
		{Service{Name: "dup", URL: "http://x:1", Token: TokenEnv, TokenEnvVar: "X"}, ":2:27: a service named \"dup\" is already defined here"},
		{Service{Name: "other", Token: TokenLiteral, APIToken: "shared-token-0123"}, ":2:"},
		{Service{Name: "other", Token: TokenLiteral, APIToken: "apitoken-0123456"}, "api_tokens already uses the same token"},
	} {
		_, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(tt.s, nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.s.Name, err, tt.want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != src {
		t.Error("a refused add changed the file")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := os.WriteFile(path, []byte("c = get_config()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, r := cullIdle()
	res, err := Apply(context.Background(), path, EditOptions{DryRun: true, Version: v3}, addTo(s, &r))
	if err != nil || !res.Changed || !strings.Contains(string(res.New), "cull-idle") {
		t.Fatalf("%v %+v", err, res)
	}
	if data, _ := os.ReadFile(path); string(data) != "c = get_config()\n" {
		t.Error("dry run wrote the file")
	}
	if _, err := os.Stat(BackupPath(path)); err == nil {
		t.Error("dry run wrote a backup")
	}
}
