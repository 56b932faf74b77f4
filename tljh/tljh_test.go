package tljh

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/atomicfile"
)

const withComments = `# TLJH config, by hand
base_url: /
users:
  admin:
    - alice # the teacher
services:
  cull:
    # an hour, for the course
    timeout: 3600
    every: 120
limits:
  memory: 1G
`

func TestDisableCullerKeepsCommentsAndOrder(t *testing.T) {
	out, changed, err := DisableCuller("config.yaml", []byte(withComments))
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	want := strings.Replace(withComments, "    every: 120\n",
		"    every: 120\n    enabled: false "+marker+"unset\n", 1)
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	c, err := ReadCull("config.yaml", out)
	if err != nil || c.Enabled {
		t.Fatalf("after: enabled=%v err=%v", c.Enabled, err)
	}
	back, changed, note, err := RestoreCuller("config.yaml", out)
	if err != nil || !changed || note != "" || string(back) != withComments {
		t.Errorf("restore: changed=%v note=%q err=%v\n%s", changed, note, err, back)
	}
}

func TestDisableCullerMissingKeys(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"missing file", "", "services:\n  cull:\n    enabled: false " + marker + "unset\n"},
		{"no services", "base_url: /\n", "base_url: /\nservices:\n  cull:\n    enabled: false " + marker + "unset\n"},
		{"services without cull", "services: {}\n", "services:\n  cull:\n    enabled: false " + marker + "unset\n"},
		{"enabled true", "services:\n  cull:\n    enabled: true\n", "services:\n  cull:\n    enabled: false " + marker + "true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src []byte
			if tc.in != "" {
				src = []byte(tc.in)
			}
			out, changed, err := DisableCuller("config.yaml", src)
			if err != nil || !changed || string(out) != tc.want {
				t.Fatalf("changed=%v err=%v\ngot\n%s\nwant\n%s", changed, err, out, tc.want)
			}
			back, _, _, err := RestoreCuller("config.yaml", out)
			if err != nil {
				t.Fatal(err)
			}
			if tc.in != "services: {}\n" && string(back) != tc.in {
				t.Errorf("restored\n%q\nwant\n%q", back, tc.in)
			}
		})
	}
}

func TestDisableCullerAlreadyOffByAdmin(t *testing.T) {
	src := "services:\n  cull:\n    enabled: false\n"
	out, changed, err := DisableCuller("config.yaml", []byte(src))
	if err != nil || changed || string(out) != src {
		t.Fatalf("changed=%v err=%v %s", changed, err, out)
	}
	back, changed, note, err := RestoreCuller("config.yaml", []byte(src))
	if err != nil || changed || string(back) != src || !strings.Contains(note, "config.yaml:3 sets services.cull.enabled: false, and not by hubctl") {
		t.Errorf("changed=%v note=%q err=%v", changed, note, err)
	}
}

func TestBadYAMLRefusedWithLine(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"syntax", "base_url: /\nservices:\n  cull: [1,\n", "config.yaml:3: not YAML"},
		{"tab", "services:\n\tcull: 1\n", "config.yaml:2: not YAML"},
		{"list root", "- a\n", "config.yaml:1: TLJH's config is a mapping"},
		{"cull a list", "services:\n  cull:\n    - 1\n", "config.yaml:3: cull is a list, not a mapping"},
		{"string bool", "services:\n  cull:\n    users: \"false\"\n", "config.yaml:3: services.cull.users is the string \"false\", not true or false"},
		{"float timeout", "services:\n  cull:\n    timeout: 600.5\n", "config.yaml:3: services.cull.timeout is the number \"600.5\", not a whole number"},
		{"zero timeout", "services:\n  cull:\n    timeout: 0\n", "config.yaml:3: services.cull.timeout is 0; hubctl cull --timeout takes 1 to"},
		{"concurrency", "services:\n  cull:\n\n    concurrency: 0\n", "config.yaml:4: services.cull.concurrency is 0; hubctl cull --concurrency takes 1 to 1000"},
		{"enabled string", "services:\n  cull:\n    enabled: yes\n", "config.yaml:3: services.cull.enabled is the string \"yes\", not true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCull("config.yaml", []byte(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("ReadCull: %v, want %q...", err, tc.want)
			}
			if _, _, err := DisableCuller("config.yaml", []byte(tc.in)); tc.name != "string bool" && tc.name != "float timeout" &&
				tc.name != "zero timeout" && tc.name != "concurrency" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)) {
				t.Errorf("DisableCuller: %v, want %q...", err, tc.want)
			}
		})
	}
}

// TestReadCullEveryKnob: each knob from config.yaml, and TLJH's defaults
// (tljh 2.0.0 configurer.py default) when it is absent.
func TestReadCullEveryKnob(t *testing.T) {
	defaults := map[string]string{"timeout": "600", "cull-every": "60", "concurrency": "5", "max-age": "0", "cull-users": "false", "remove-named-servers": "false"}
	c, err := ReadCull("config.yaml", nil)
	if err != nil || !c.Enabled || c.EnabledLine != 0 {
		t.Fatal(c, err)
	}
	if len(c.Settings) != len(defaults) {
		t.Fatalf("%d settings, want %d", len(c.Settings), len(defaults))
	}
	for _, s := range c.Settings {
		if s.Value != defaults[s.Knob.Flag] || s.Line != 0 {
			t.Errorf("default %s: --%s=%s (line %d), want %s", s.Knob.Key, s.Knob.Flag, s.Value, s.Line, defaults[s.Knob.Flag])
		}
	}
	for _, tc := range []struct{ key, yaml, flag, value string }{
		{"timeout", "1800", "timeout", "1800"},
		{"every", "300", "cull-every", "300"},
		{"concurrency", "2", "concurrency", "2"},
		{"max_age", "86400", "max-age", "86400"},
		{"users", "true", "cull-users", "true"},
		{"remove_named_servers", "true", "remove-named-servers", "true"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			c, err := ReadCull("config.yaml", []byte("services:\n  cull:\n    enabled: true\n    "+tc.key+": "+tc.yaml+"\n"))
			if err != nil || !c.Enabled || c.EnabledLine != 3 {
				t.Fatal(c, err)
			}
			for _, s := range c.Settings {
				want, line := defaults[s.Knob.Flag], 0
				if s.Knob.Key == tc.key {
					want, line = tc.value, 4
					if s.Knob.Flag != tc.flag {
						t.Errorf("%s maps to --%s, want --%s", tc.key, s.Knob.Flag, tc.flag)
					}
				}
				if s.Value != want || s.Line != line {
					t.Errorf("%s: %s (line %d), want %s (line %d)", s.Knob.Key, s.Value, s.Line, want, line)
				}
			}
		})
	}
}

func TestEditConfigYAMLAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, hub.TLJHConfigFile)
	if err := os.WriteFile(path, []byte(withComments), 0o640); err != nil {
		t.Fatal(err)
	}
	res, err := EditConfigYAML(context.Background(), path, true, func(src []byte) ([]byte, bool, error) { return DisableCuller(path, src) })
	if err != nil || !res.Changed {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != withComments {
		t.Fatal("a dry run wrote the file")
	}
	res, err = EditConfigYAML(context.Background(), path, false, func(src []byte) ([]byte, bool, error) { return DisableCuller(path, src) })
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %o, want 0640 kept", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(res.Backup); string(b) != withComments {
		t.Errorf("backup %s holds %q", res.Backup, b)
	}
	if _, err := os.Stat(path + hub.TLJHLockSuffix); err != nil {
		t.Errorf("tljh-config's lock file was not used: %v", err)
	}
	// A config.yaml hubctl creates is 0600: TLJH keeps auth secrets there.
	path2 := filepath.Join(t.TempDir(), hub.TLJHConfigFile)
	if _, err := EditConfigYAML(context.Background(), path2, false, func(src []byte) ([]byte, bool, error) { return DisableCuller(path2, src) }); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path2); st.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %o, want 0600", st.Mode().Perm())
	}
}

// TestEditConfigYAMLRemovesLeftovers: under the lock, the temp files a
// killed run left beside config.yaml and its backup (which may hold client
// secrets) are removed; a dry run, which takes no lock, leaves them.
func TestEditConfigYAMLRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, hub.TLJHConfigFile)
	if err := os.WriteFile(path, []byte(withComments), 0o600); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, base := range []string{hub.TLJHConfigFile, filepath.Base(atomicfile.BackupPath(path))} {
		p := filepath.Join(dir, atomicfile.TempPrefix(base)+"killed")
		if err := os.WriteFile(p, []byte("secret: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		left = append(left, p)
	}
	edit := func(src []byte) ([]byte, bool, error) { return DisableCuller(path, src) }
	if _, err := EditConfigYAML(context.Background(), path, true, edit); err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("a dry run removed %s: %v", p, err)
		}
	}
	res, err := EditConfigYAML(context.Background(), path, false, edit)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
	if !slices.Equal(res.Removed, left) {
		t.Errorf("Removed %q, want %q", res.Removed, left)
	}
}

// TestDisableCullerOneLine: a config.yaml as tljh-config writes it
// (ruamel.yaml: a list at its key's indent) changes by the one line hubctl
// adds or sets, and comes back byte for byte.
func TestDisableCullerOneLine(t *testing.T) {
	const tljhStyle = "users:\n  admin:\n  - alice\n  - bob # TA\nservices:\n  cull:\n    timeout: 3600\n    every: 300\n"
	for _, tc := range []struct{ name, in, want string }{
		{"enabled absent", tljhStyle, strings.Replace(tljhStyle, "  cull:\n", "  cull:\n    enabled: false "+marker+"unset\n", 1)},
		{"enabled true", tljhStyle + "    enabled: true\n", tljhStyle + "    enabled: false " + marker + "true\n"},
		{"no services", "users:\n  admin:\n  - alice\n", "users:\n  admin:\n  - alice\nservices:\n  cull:\n    enabled: false " + marker + "unset\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := DisableCuller("config.yaml", []byte(tc.in))
			if err != nil || string(out) != tc.want {
				t.Fatalf("err=%v\ngot\n%s\nwant\n%s", err, out, tc.want)
			}
			back, _, _, err := RestoreCuller("config.yaml", out)
			if err != nil || string(back) != tc.in {
				t.Errorf("restored err=%v\n%s\nwant\n%s", err, back, tc.in)
			}
		})
	}
}

// TestEditConfigYAMLWaitsForTLJHConfigLock: while tljh-config holds its
// lock file config.yaml.lock (held here with an flock), hubctl does not
// write, and gives up when its context ends, with nothing changed.
func TestEditConfigYAMLWaitsForTLJHConfigLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, hub.TLJHConfigFile)
	if err := os.WriteFile(path, []byte(withComments), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := atomicfile.Lock(context.Background(), path+hub.TLJHLockSuffix, atomicfile.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = EditConfigYAML(ctx, path, false, func(src []byte) ([]byte, bool, error) { return DisableCuller(path, src) })
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for the lock") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != withComments {
		t.Error("written while tljh-config held its lock")
	}
}

func TestReadFileBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), hub.TLJHConfigFile)
	if b, err := ReadFile(path); b != nil || err != nil {
		t.Fatalf("missing: %q %v", b, err)
	}
	if err := os.WriteFile(path, make([]byte, MaxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err %v", err)
	}
}
