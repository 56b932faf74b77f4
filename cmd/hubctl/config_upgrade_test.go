package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
	"github.com/hubctl/hubctl/provision"
)

// upgradeConfig writes a config for JupyterHub 3.0 that hubctl's block
// holds two services in: "stats" with 'admin': True, and "notes" with
// oauth_no_confirm but no url (no effect on 3.0; 5.x refuses to start). The
// tokens come from the environment (upgradeTokenEnv). With culler set, a
// third service runs culler (a program named hubctl) as `hubctl cull`, with
// 'admin': True, first.
func upgradeConfig(t *testing.T, mode os.FileMode, culler ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	src := "c = get_config()  # noqa\nc.Authenticator.allow_all = True\n"
	var services []provision.Service
	for _, cmd := range culler {
		services = append(services, provision.Service{Name: "cull-idle", Admin: true, Command: []string{cmd, "cull", "--timeout=3600"}})
	}
	services = append(services,
		provision.Service{Name: "stats", Admin: true, Token: provision.TokenEnv, TokenEnvVar: provision.TokenEnvVarFor("stats")},
		provision.Service{Name: "notes", OAuthNoConfirm: true, Token: provision.TokenEnv, TokenEnvVar: provision.TokenEnvVarFor("notes")})
	out, err := (&provision.Config{Src: []byte(src)}).WithManaged(provision.Managed{Services: services})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	statsToken = "5747a75700000000000000000000000000000000000000000000000000000001"
	notesToken = "407e500000000000000000000000000000000000000000000000000000000002"
)

var upgradeTokenEnv = []string{"HUBCTL_TOKEN_STATS=" + statsToken, "HUBCTL_TOKEN_NOTES=" + notesToken}

func TestConfigUpgradeCheckOutput(t *testing.T) {
	t.Parallel()
	path := upgradeConfig(t, 0o644)
	r := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", path)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1 (HUB111 breaks 5.2):\n%s%s", r.code, r.stdout, r.stderr)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(line, "    hint: ") {
			continue
		}
		if !strings.HasPrefix(line, path+":") {
			t.Errorf("a finding line does not start with FILE:LINE: %q", line)
		}
		ids = append(ids, strings.Fields(line)[2])
	}
	if want := []string{"HUB401:", "HUB111:"}; !slices.Equal(ids, want) {
		t.Errorf("findings %v, want %v:\n%s", ids, want, r.stdout)
	}
	for _, want := range []string{"stays in its database", "--write` migrates it", "it drops oauth_no_confirm"} {
		if !strings.Contains(strings.ReplaceAll(r.stdout, "the Hub keeps it in its database", "stays in its database"), want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"JupyterHub 3.0.0 → 5.2.0: the same service keys; scopes added: admin:services", "hubctl: error: 1 error, 1 warning"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	// A rollback, and a pair with nothing that breaks: exit 0.
	r = runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "4.1", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "HUB401") || strings.Contains(r.stdout, "HUB111") {
		t.Errorf("3.0 → 4.1: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--json", path)
	var findings []provision.Finding
	if err := json.Unmarshal([]byte(r.stdout), &findings); err != nil || r.code != exitFailure || len(findings) != 2 || findings[1].ID != "HUB111" || findings[1].Severity != provision.SeverityError {
		t.Errorf("--json: exit %d, %v, %+v:\n%s", r.code, err, findings, r.stdout)
	}
}

func TestConfigUpgradeCheckUsage(t *testing.T) {
	t.Parallel()
	path := upgradeConfig(t, 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "9.x", "--to", "5.2", path}, `--from: "9.x" is not a JupyterHub version`},
		{[]string{"--from", "3.0", "--to", "nope", path}, `--to: "nope" is not a JupyterHub version`},
		{[]string{"--to", "5.2", path}, "--from VERSION is required"},
		{[]string{"--from", "3.0", path}, "--to VERSION is required"},
		{[]string{"--from", "3.0", "--to", "7.1", path}, "--to 7.1: hubctl has facts for JupyterHub 1.0 to 6.0 only"},
		{[]string{"--from", "0.9", "--to", "5.2", path}, "--from 0.9: hubctl has facts"},
		{[]string{"--from", "3.0", "--to", "5.2", "--dry-run", path}, "--dry-run goes with --write"},
		{[]string{"--from", "3.0", "--to", "5.2", "--write", "--json", path}, "--write prints a diff"},
		{[]string{"--from", "3.0", "--to", "5.2", "--format", "yaml", path}, `--format "yaml"`},
		{[]string{"--from", "3.0", "--to", "5.2", path, "extra"}, `unexpected argument "extra"`},
		{[]string{"--from", "3.0", "--to", "5.2", path + ".missing"}, "no such file"},
	} {
		t.Run(strings.Join(tt.args[:len(tt.args)-1], " "), func(t *testing.T) {
			r := runCLI(t, nil, "", append([]string{"config", "upgrade-check"}, tt.args...)...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(lines[0], "hubctl: error: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one error line with %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

// TestConfigUpgradeCheckWrite: --write --dry-run prints the diff and
// changes nothing; --write prints the same diff and writes it as every
// edit is (mode kept, the previous text in the backup, the lock taken);
// a second --write has nothing to do.
func TestConfigUpgradeCheckWrite(t *testing.T) {
	t.Parallel()
	path := upgradeConfig(t, 0o640)
	old, _ := os.ReadFile(path)
	dry := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--write", "--dry-run", path)
	if dry.code != exitOK || !strings.Contains(dry.stderr, "--dry-run: nothing was changed") {
		t.Fatalf("--dry-run: exit %d:\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
	for _, want := range []string{"--- " + path, "-        'admin': True,", "-        'oauth_no_confirm': True,", "+        'name': 'admin',", "+# 'admin' is JupyterHub's admin role."} {
		if !strings.Contains(dry.stdout, want) {
			t.Errorf("the diff lacks %q:\n%s", want, dry.stdout)
		}
	}
	if now, _ := os.ReadFile(path); string(now) != string(old) {
		t.Errorf("--dry-run changed the file")
	}
	if _, err := os.Stat(provision.BackupPath(path)); !os.IsNotExist(err) {
		t.Errorf("--dry-run left a backup: %v", err)
	}

	r := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--write", path)
	if r.code != exitOK || r.stdout != dry.stdout {
		t.Fatalf("--write: exit %d, its diff differs from --dry-run's:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{`service "stats": hubctl does not know what less`, `service "notes": it drops oauth_no_confirm`, "migrated 2 services", "the previous version is in " + provision.BackupPath(path), "0 errors, 0 warnings remain for JupyterHub 5.2.0"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode after --write: %v %v, want 0640 kept", st.Mode(), err)
	}
	if backup, err := os.ReadFile(provision.BackupPath(path)); err != nil || string(backup) != string(old) {
		t.Errorf("the backup is not the old text: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
	if r := runCLI(t, nil, "", "config", "validate", "--hub-version", "5.2", path); r.code != exitOK || r.stdout != "" {
		t.Errorf("config validate --hub-version 5.2 after --write: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	again := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--write", path)
	if again.code != exitOK || again.stdout != "" || !strings.Contains(again.stderr, "nothing in hubctl's block to migrate") {
		t.Errorf("a second --write: exit %d:\n%s%s", again.code, again.stdout, again.stderr)
	}
}

// TestConfigUpgradeCheckRealHub: the config upgrade-check says breaks on
// 5.2 does stop the real JupyterHub 5.2 ("missing required
// oauth_redirect_uri") while 3.0 runs it; after --write both start, on the
// same database: "stats" holds the admin role the migrated block names,
// and the culler, which held the admin role for its 'admin': True, holds
// only its least-privilege role, since the block's admin role lists its
// services exactly (on 3.0, which ran the old config, the culler is seen in
// the admin role first).
func TestConfigUpgradeCheckRealHub(t *testing.T) {
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			// The culler is a stand-in named hubctl that sleeps: what is
			// checked is the roles the Hub gives it, not culling.
			bin := t.TempDir()
			culler := filepath.Join(bin, "hubctl")
			if err := os.WriteFile(culler, []byte("#!/bin/sh\nexec sleep 300\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			path := upgradeConfig(t, 0o600, culler)
			if res := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", path); res.code != exitFailure || !strings.Contains(res.stdout, "HUB111") {
				t.Fatalf("upgrade-check before --write: exit %d:\n%s", res.code, res.stdout)
			}
			roles := func(h *realhub.Hub, service string) []string {
				var got struct {
					Roles []string `json:"roles"`
				}
				req, _ := http.NewRequest("GET", h.APIURL()+"/services/"+service, nil)
				req.Header.Set("Authorization", "token "+statsToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /services/%s: %d %s (%v)", service, resp.StatusCode, body, err)
				}
				t.Logf("JupyterHub %s: GET /services/%s: %s", r.Name, service, body)
				slices.Sort(got.Roles)
				return got.Roles
			}
			dir := t.TempDir()
			before := realhub.Start(t, realhub.Options{Dir: dir, Config: path, Release: r, Env: upgradeTokenEnv, Binds: []string{bin}})
			up := before.WaitUp(60 * time.Second)
			switch {
			case r.Name == "3.0" && !up:
				t.Fatalf("JupyterHub 3.0 did not start with the config written for it (%s):\n%s", before.How(), realhub.Tail(before.Output()))
			case r.Name != "3.0" && up:
				t.Fatalf("JupyterHub %s started with the config upgrade-check says it refuses", r.Name)
			case r.Name != "3.0" && !strings.Contains(before.Output(), "missing required oauth_redirect_uri"):
				t.Fatalf("JupyterHub %s stopped, but not for the OAuth keys (%s):\n%s", r.Name, before.How(), realhub.Tail(before.Output()))
			case up:
				if got := roles(before, "cull-idle"); !slices.Equal(got, []string{"admin"}) {
					t.Fatalf("before --write cull-idle holds %v, want [admin]", got)
				}
			}
			before.Stop()

			if res := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--write", path); res.code != exitOK {
				t.Fatalf("--write: exit %d:\n%s%s", res.code, res.stdout, res.stderr)
			}
			after := realhub.Start(t, realhub.Options{Dir: dir, Config: path, Release: r, Env: upgradeTokenEnv, Binds: []string{bin}, Run: 1})
			after.MustBeUp(60 * time.Second)
			if got := roles(after, "stats"); !slices.Equal(got, []string{"admin"}) {
				t.Errorf("stats holds %v, want [admin]", got)
			}
			if got := roles(after, "cull-idle"); !slices.Equal(got, []string{"cull-idle-role"}) {
				t.Errorf("cull-idle holds %v, want [cull-idle-role]", got)
			}
		})
	}
}

// TestConfigUpgradeCheckWriteMasksTokens: a literal token in a service
// --write changes never appears in its diff.
func TestConfigUpgradeCheckWriteMasksTokens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	out, err := (&provision.Config{Src: []byte("c = get_config()\n")}).WithManaged(provision.Managed{Services: []provision.Service{
		{Name: "stats", Admin: true, Token: provision.TokenLiteral, APIToken: statsToken},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "config", "upgrade-check", "--from", "3.0", "--to", "5.2", "--write", path)
	if !strings.Contains(r.stdout, "-        'admin': True,") {
		t.Fatalf("no diff: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, statsToken) || strings.Contains(r.stdout+r.stderr, statsToken[:16]) {
		t.Errorf("the token appears in the output:\n%s%s", r.stdout, r.stderr)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 0600 kept", st.Mode().Perm())
	}
}
