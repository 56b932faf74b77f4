package provision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// withBlock is src followed by hubctl's block holding m.
func withBlock(t *testing.T, src string, m Managed) string {
	t.Helper()
	out, err := (&Config{Src: []byte(src)}).WithManaged(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func upgradeRead(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := readForUpgrade(ReadOptions{}, func(o ReadOptions) (*Config, error) { return parseInProcess("c.py", []byte(src), o) })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustVersion(t *testing.T, s string) hub.Version {
	t.Helper()
	v, err := hub.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// summary is "LINE ID severity" per finding, with the words of the message
// or hint that a case asks about.
func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d %s %s", f.Line, f.ID, f.Severity))
	}
	return out
}

const allowAll = "c.Authenticator.allow_all = True\n"

func TestUpgradeCheck(t *testing.T) {
	culler := Service{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull", "--timeout=3600"}}
	other := Service{Name: "stats", Admin: true, URL: "http://127.0.0.1:9000"}
	for _, tt := range []struct {
		name, src, from, to string
		want                []string // "LINE ID severity", in order
		says                []string // words the findings' messages and hints hold
	}{
		{name: "nothing to say", src: "c = get_config()\n" + allowAll, from: "3.0", to: "5.2"},
		{name: "same release: deprecations only", src: "c = get_config()\nc.JupyterHub.api_tokens = {'0123456789abcdef0123456789abcdef': 'ann'}\n", from: "5.2", to: "5.2",
			want: []string{"2 HUB403 warning"}, says: []string{"pending deprecation since JupyterHub 0.8"}},
		{name: "admin True in hubctl's block, culler", src: withBlock(t, "c = get_config()\n"+allowAll, Managed{Services: []Service{culler}}), from: "3.0", to: "5.2",
			want: []string{"12 HUB401 warning"}, says: []string{"stays in the Hub's database", "--write` migrates it", "cull-idle-role (list:users, read:users:activity, read:servers, delete:servers)"}},
		{name: "admin True in hubctl's block, other service", src: withBlock(t, "c = get_config()\n"+allowAll, Managed{Services: []Service{other}}), from: "3.0", to: "5.2",
			want: []string{"12 HUB401 warning"}, says: []string{"joins JupyterHub's admin role", "with a comment"}},
		{name: "admin True outside the block", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'admin': True, 'url': 'http://127.0.0.1:1'}]\n", from: "3.0", to: "5.2",
			want: []string{"3 HUB401 warning"}, says: []string{"outside hubctl's block, which hubctl does not edit"}},
		{name: "admin True from 1.x: changes meaning", src: "c = get_config()\nc.JupyterHub.services = [{'name': 'x', 'admin': True, 'url': 'http://127.0.0.1:1'}]\n", from: "1.5", to: "2.0",
			want: []string{"2 HUB401 warning"}, says: []string{"changes meaning at JupyterHub 2.0"}},
		{name: "admin True on 1.x stays", src: "c = get_config()\nc.JupyterHub.services = [{'name': 'x', 'admin': True, 'url': 'http://127.0.0.1:1'}]\n", from: "1.0", to: "1.5"},
		{name: "admin False says nothing", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'admin': False, 'url': 'http://127.0.0.1:1'}]\n", from: "3.0", to: "5.2"},
		{name: "Authenticator.admin_users and the 5.0 allow change", src: "c = get_config()\nc.Authenticator.admin_users = {'ann'}\n", from: "3.0", to: "5.2",
			want: []string{"1 HUB405 error", "2 HUB402 warning"}, says: []string{"admin_users does not count", "PAMAuthenticator", "not set", "keeps it in its database after the name is removed"}},
		{name: "JupyterHub.admin_users", src: "c = get_config()\n" + allowAll + "c.JupyterHub.admin_users = {'ann'}\n", from: "4.1", to: "5.2",
			want: []string{"3 HUB402 warning"}, says: []string{"deprecated since JupyterHub 0.7.2"}},
		{name: "oauth_roles", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1', 'oauth_roles': ['user']}]\n", from: "3.0", to: "5.2",
			want: []string{"3 HUB404 warning"}, says: []string{"oauth_client_allowed_scopes"}},
		{name: "oauth_roles beside allowed scopes is ignored", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1', 'oauth_roles': ['user'], 'oauth_client_allowed_scopes': ['self']}]\n", from: "3.0", to: "5.2",
			want: []string{"3 HUB404 warning"}, says: []string{"ignored"}},
		{name: "OAuth without a url is fatal from 5.0", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'oauth_no_confirm': True, 'api_token': 'a8c7e0e3f5d14b2e9f6a7c8d9e0f1a2b'}]\n", from: "3.0", to: "5.2",
			want: []string{"3 HUB111 error"}, says: []string{"refuses to start"}},
		{name: "OAuth without a url in hubctl's block", src: withBlock(t, "c = get_config()\n"+allowAll, Managed{Services: []Service{{Name: "notes", OAuthNoConfirm: true}}}), from: "3.0", to: "5.2",
			want: []string{"12 HUB111 error"}, says: []string{"--write` migrates it: it drops oauth_no_confirm, which without a url or an oauth_redirect_uri had no effect on JupyterHub 3.0.0"}},
		{name: "timeout on a rollback from 6.0", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1', 'timeout': 60}]\n", from: "6.0", to: "5.2",
			want: []string{"3 HUB101 error"}, says: []string{"no service key \"timeout\""}},
		{name: "onto 6.0, a service with a url is waited on for its timeout", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1', 'command': ['x']}, {'name': 'y', 'url': 'http://127.0.0.1:2'}, {'name': 'z', 'url': 'http://127.0.0.1:3', 'timeout': 5}, {'name': 'w', 'api_token': '0123456789abcdef0123456789abcdef'}]\n", from: "5.2", to: "6.0",
			want: []string{"3 HUB407 warning", "3 HUB407 warning"}, says: []string{"waits up to 30 s", "10 times for 1 s, as a managed service", "once for 1 s, as an external service"}},
		{name: "timeout within 6.0 says nothing", src: "c = get_config()\n" + allowAll + "c.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1'}]\n", from: "6.0", to: "6.0"},
		{name: "draft scope all onto 2.0", src: "c = get_config()\nc.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1'}]\nc.JupyterHub.load_roles = [{'name': 'x-role', 'scopes': ['all'], 'services': ['x']}]\n", from: "1.5", to: "2.0",
			want: []string{"3 HUB109 error"}, says: []string{"'inherit'"}},
		{name: "a scope 5.0 added, on a rollback to 4.1", src: "c = get_config()\nc.JupyterHub.services = [{'name': 'x', 'url': 'http://127.0.0.1:1'}]\nc.JupyterHub.load_roles = [{'name': 'x-role', 'scopes': ['read:shares'], 'services': ['x']}]\n", from: "5.2", to: "4.1",
			want: []string{"1 HUB405 error", "3 HUB109 error"}, says: []string{"added in 5.0", "every user who authenticates can log in"}},
		{name: "allow_all keeps 4.x's behaviour", src: "c = get_config()\n" + allowAll, from: "4.1", to: "5.0"},
		{name: "allowed_users", src: "c = get_config()\nc.Authenticator.allowed_users = {'ann'}\n", from: "4.1", to: "5.2"},
		{name: "allowed_groups of PAM", src: "c = get_config()\nc.PAMAuthenticator.allowed_groups = {'staff'}\n", from: "4.1", to: "5.2"},
		{name: "allow_existing_users", src: "c = get_config()\nc.LocalAuthenticator.allow_existing_users = True\n", from: "4.1", to: "5.2"},
		{name: "allow_all False is no allow config", src: "c = get_config()\nc.Authenticator.allow_all = False\n", from: "4.1", to: "5.2", want: []string{"1 HUB405 error"}},
		{name: "pam named", src: "c = get_config()\nc.JupyterHub.authenticator_class = 'pam'\n", from: "4.1", to: "5.2",
			want: []string{"2 HUB405 error"}, says: []string{"the config's authenticator is PAMAuthenticator"}},
		{name: "dummy allows all by default", src: "c = get_config()\nc.JupyterHub.authenticator_class = 'dummy'\n", from: "4.1", to: "5.2"},
		{name: "null has no login", src: "c = get_config()\nc.JupyterHub.authenticator_class = 'jupyterhub.auth.NullAuthenticator'\n", from: "4.1", to: "5.2"},
		{name: "allow config of another authenticator's section is not PAM's", src: "c = get_config()\nc.DummyAuthenticator.allow_all = True\n", from: "4.1", to: "5.2", want: []string{"1 HUB405 error"}},
		{name: "another authenticator without allow config", src: "c = get_config()\nc.JupyterHub.authenticator_class = 'oauthenticator.github.GitHubOAuthenticator'\n", from: "4.1", to: "5.2",
			want: []string{"2 HUB406 warning"}, says: []string{"GitHubOAuthenticator", "unless its class says otherwise"}},
		{name: "another authenticator with its own allow config", src: "c = get_config()\nc.JupyterHub.authenticator_class = 'oauthenticator.github.GitHubOAuthenticator'\nc.GitHubOAuthenticator.allowed_users = {'ann'}\n", from: "4.1", to: "5.2"},
		{name: "an authenticator class object", src: "c = get_config()\nfrom oauthenticator.github import GitHubOAuthenticator\nc.JupyterHub.authenticator_class = GitHubOAuthenticator\n", from: "4.1", to: "5.2",
			want: []string{"3 HUB406 warning"}, says: []string{"a class object hubctl does not evaluate (the module or function oauthenticator.github.GitHubOAuthenticator)"}},
		{name: "allow config from the environment", src: "import os\nc = get_config()\nc.Authenticator.allowed_users = {os.environ['HUB_USER']}\n", from: "4.1", to: "5.2",
			want: []string{"1 HUB406 warning"}, says: []string{"cannot evaluate"}},
		{name: "allow config on a line hubctl cannot parse", src: "c = get_config()\nx = 1\nc.Authenticator.allow_all = bool(f\"{x}\")\n", from: "4.1", to: "5.2",
			want: []string{"1 HUB406 warning", "3 HUB301 warning"}},
		{name: "a line hubctl cannot parse about something else", src: "c = get_config()\nx = 1\nc.Spawner.cmd = [f\"{x}\"]\n", from: "4.1", to: "5.2",
			want: []string{"1 HUB405 error", "3 HUB301 warning"}},
		{name: "allow_all on a rollback is ignored", src: "c = get_config()\nc.Authenticator.allow_existing_users = True\n", from: "5.2", to: "4.1",
			want: []string{"1 HUB405 error", "2 HUB406 warning"}, says: []string{"has no Authenticator.allow_existing_users"}},
		{name: "allow_all True on a rollback means the same", src: "c = get_config()\n" + allowAll, from: "5.2", to: "4.1",
			want: []string{"2 HUB406 warning"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := upgradeRead(t, tt.src)
			got := UpgradeCheck(cfg, mustVersion(t, tt.from), mustVersion(t, tt.to))
			if strings.Join(summary(got), "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("%s → %s:\n%s\nwant:\n%s\n%v", tt.from, tt.to, strings.Join(summary(got), "\n"), strings.Join(tt.want, "\n"), got)
			}
			var text []string
			for _, f := range got {
				text = append(text, f.String())
			}
			for _, w := range tt.says {
				if !strings.Contains(strings.Join(text, "\n"), w) {
					t.Errorf("the findings do not say %q:\n%s", w, strings.Join(text, "\n"))
				}
			}
		})
	}
}

// TestUpgradeCheckEveryPair: every pair of releases hub knows answers, and
// the findings of an upgrade are those of Validate at the new release plus
// upgrade-check's own (none of Validate's at the old release that the new
// one drops).
func TestUpgradeCheckEveryPair(t *testing.T) {
	src := withBlock(t, "c = get_config()\nc.JupyterHub.services = [{'name': 'x', 'oauth_no_confirm': True, 'timeout': 5}]\n", Managed{Services: []Service{{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull"}}}})
	cfg := upgradeRead(t, src)
	versions := []string{"1.0", "1.5", "2.0", "2.1", "3.0", "3.1", "4.0", "4.1", "5.0", "5.2", "5.5", "6.0"}
	for _, a := range versions {
		for _, b := range versions {
			from, to := mustVersion(t, a), mustVersion(t, b)
			got := UpgradeCheck(cfg, from, to)
			atTo := map[string]bool{}
			for _, f := range Validate(cfg, ValidateOptions{Version: to}) {
				atTo[f.ID+fmt.Sprint(f.Line)] = true
			}
			for _, f := range got {
				if _, own := upgradeChecks[f.ID]; !own && !atTo[f.ID+fmt.Sprint(f.Line)] {
					t.Errorf("%s → %s: %s is not a finding at %s", a, b, f, b)
				}
			}
			hasTimeout := false
			for _, f := range got {
				hasTimeout = hasTimeout || f.ID == "HUB101" && strings.Contains(f.Message, `"timeout"`)
			}
			if want := from.AtLeast(6, 0) && !to.AtLeast(6, 0); hasTimeout != want {
				t.Errorf("%s → %s: a finding about 'timeout' %v, want %v", a, b, hasTimeout, want)
			}
		}
	}
}

func TestPlanUpgrade(t *testing.T) {
	culler := Service{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull", "--cull-users"}}
	stats := Service{Name: "stats", Admin: true, URL: "http://127.0.0.1:9000"}
	hand := "c.JupyterHub.services = [{'name': 'hand', 'admin': True, 'url': 'http://127.0.0.1:1'}]\n"
	notes := Service{Name: "notes", OAuthNoConfirm: true, OAuthClientID: "service-notes", OAuthClientAllowedScopes: []string{"read:users:name"}}
	// The role follows the culler's --rules, as the preset writes it.
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  - {name: staff, match: {group: staff}, never: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ruled := Service{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull", "--rules=" + rules}}
	lost := Service{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull", "--rules", rules + ".gone"}}
	for _, tt := range []struct {
		name, src, from, to string
		steps               []string // SERVICE→ROLE scopes, or SERVICE-KEY...
		note                string   // in the culler's note
		refused             []string // SERVICE: words of why
	}{
		{name: "the culler gets its least-privilege role", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{culler}}), from: "3.0", to: "5.2",
			steps: []string{"cull-idle→cull-idle-role list:users read:users:activity read:servers delete:servers delete:users read:users"}, note: "stays in the Hub's database until"},
		{name: "another service joins the admin role", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{culler, stats}}), from: "1.5", to: "3.0",
			steps: []string{"cull-idle→cull-idle-role list:users read:users:activity read:servers delete:servers delete:users read:users", "stats→admin"}, note: "takes the admin role it held away"},
		{name: "the culler's role follows its rules", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{ruled}}), from: "1.5", to: "3.0",
			steps: []string{"cull-idle→cull-idle-role list:users read:users:activity read:servers delete:servers read:users:groups"}},
		{name: "the culler's rules cannot be read", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{lost}}), from: "1.5", to: "3.0",
			refused: []string{"cull-idle: the role follows the culler's rules, and " + rules + ".gone: cannot read the rules"}},
		{name: "nothing before 2.0", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{culler}}), from: "1.0", to: "1.5",
			refused: []string{"cull-idle: has no roles"}},
		{name: "outside the block", src: "c = get_config()\n" + hand, from: "3.0", to: "5.2",
			refused: []string{"hand: outside hubctl's block"}},
		{name: "the admin role cannot be written while another service outside has admin", src: withBlock(t, "c = get_config()\n"+hand, Managed{Services: []Service{culler, stats}}), from: "3.0", to: "5.2",
			steps: []string{"cull-idle→cull-idle-role list:users read:users:activity read:servers delete:servers delete:users read:users"}, refused: []string{"hand: outside hubctl's block", "stats: \"hand\" outside hubctl's block also have 'admin': True"}},
		{name: "the file's own admin role", src: withBlock(t, "c = get_config()\nc.JupyterHub.load_roles = [{'name': 'admin', 'users': ['ann']}]\n", Managed{Services: []Service{stats}}), from: "3.0", to: "5.2",
			refused: []string{"stats: defines the admin role outside hubctl's block"}},
		{name: "OAuth keys without a url, on the way to 5.0", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{notes}}), from: "3.0", to: "5.2",
			steps: []string{"notes-oauth_client_id", "notes-oauth_no_confirm", "notes-oauth_client_allowed_scopes"}},
		{name: "OAuth keys without a url, from 5.0 on", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{notes}}), from: "5.0", to: "5.2"},
		{name: "OAuth keys without a url, before 5.0", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{notes}}), from: "3.0", to: "4.1"},
		{name: "OAuth keys with an oauth_redirect_uri", src: withBlock(t, "c = get_config()\n", Managed{Services: []Service{{Name: "notes", OAuthNoConfirm: true, OAuthRedirectURI: "https://hub.example/notes/oauth_callback"}}}), from: "3.0", to: "5.2"},
		{name: "OAuth keys without a url outside the block", src: "c = get_config()\nc.JupyterHub.services = [{'name': 'hand', 'oauth_no_confirm': True}]\n", from: "4.1", to: "5.0",
			refused: []string{"hand: remove oauth_no_confirm by hand"}},
		{name: "the culler's role name is taken", src: withBlock(t, "c = get_config()\nc.JupyterHub.load_roles = [{'name': 'cull-idle-role', 'scopes': ['read:users']}]\n", Managed{Services: []Service{culler}}), from: "3.0", to: "5.2",
			refused: []string{"cull-idle: already has a role \"cull-idle-role\""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanUpgrade(upgradeRead(t, tt.src), mustVersion(t, tt.from), mustVersion(t, tt.to))
			var steps, refused []string
			for _, s := range plan.Steps {
				if s.Role != nil {
					steps = append(steps, strings.TrimSpace(s.Service+"→"+s.Role.Name+" "+strings.Join(s.Role.Scopes, " ")))
				}
				for _, k := range s.Drop {
					steps = append(steps, s.Service+"-"+k)
				}
			}
			if strings.Join(steps, "\n") != strings.Join(tt.steps, "\n") {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(tt.steps, "\n"))
			}
			for _, s := range plan.Steps {
				if s.Role != nil && s.Role.Name != AdminRole && tt.note != "" && !strings.Contains(s.Note, tt.note) {
					t.Errorf("the note of %s: %q, want %q in it", s.Service, s.Note, tt.note)
				}
			}
			for _, r := range plan.Refused {
				refused = append(refused, r.Service+": "+r.Why)
			}
			if len(refused) != len(tt.refused) {
				t.Fatalf("refused:\n%s\nwant:\n%s", strings.Join(refused, "\n"), strings.Join(tt.refused, "\n"))
			}
			for i, w := range tt.refused {
				name, words, _ := strings.Cut(w, ": ")
				if !strings.HasPrefix(refused[i], name+": ") || !strings.Contains(refused[i], words) {
					t.Errorf("refusal %d: %q, want %q", i, refused[i], w)
				}
			}
		})
	}
}

// TestUpgradeMigrate: --write's edit goes through Apply: the block reads
// back, 'admin': True is gone, the roles are there with the admin role's
// comment, the mode is kept and the previous text is in the backup; a
// second run changes nothing.
func TestUpgradeMigrate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	src := withBlock(t, "c = get_config()\n", Managed{Services: []Service{
		{Name: "cull-idle", Admin: true, Command: []string{"hubctl", "cull", "--timeout=3600"}},
		{Name: "stats", Admin: true, URL: "http://127.0.0.1:9000"},
		{Name: "notes", OAuthNoConfirm: true, Command: []string{"notes"}},
	}})
	if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	to := mustVersion(t, "5.2")
	res, plan, _, _, err := MigrateUpgrade(ctx, path, mustVersion(t, "3.0"), to, EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 3 || !res.Changed {
		t.Fatalf("plan %+v, changed %v", plan, res.Changed)
	}
	text, _ := os.ReadFile(path)
	for _, want := range []string{"'name': 'cull-idle-role'", "'delete:servers',\n", "'name': 'admin',\n        'services': ['stats'],\n", "# 'admin' is JupyterHub's admin role"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the migrated config lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "'admin': True,") || strings.Contains(string(text), "oauth_no_confirm") {
		t.Errorf("'admin': True or oauth_no_confirm is left:\n%s", text)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %o, want 0640 kept", st.Mode().Perm())
	}
	if backup, err := os.ReadFile(BackupPath(path)); err != nil || string(backup) != src {
		t.Errorf("backup: %v, %q", err, backup)
	}
	cfg, err := Read(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cfg.Managed()
	if err != nil {
		t.Fatalf("the migrated block does not read back: %v", err)
	}
	if len(m.Roles) != 2 || m.Roles[1].Name != AdminRole || m.Roles[1].Scopes != nil {
		t.Errorf("roles %+v", m.Roles)
	}
	if fs := Validate(cfg, ValidateOptions{Version: to}); len(fs) != 0 {
		t.Errorf("the migrated config has findings: %v", fs)
	}
	if fs := UpgradeCheck(upgradeRead(t, string(text)), mustVersion(t, "3.0"), to); len(fs) != 1 || fs[0].ID != "HUB405" {
		t.Errorf("upgrade-check after --write: %v, want the allow-config error only", fs)
	}
	res, plan, _, _, err = MigrateUpgrade(ctx, path, mustVersion(t, "3.0"), to, EditOptions{})
	if err != nil || res.Changed || len(plan.Steps) != 0 {
		t.Errorf("a second run: %v, changed %v, %+v", err, res != nil && res.Changed, plan)
	}
	// Removing the service empties the admin role, which goes with it.
	if _, _, _, err := RemoveService(ctx, path, "stats", EditOptions{Version: to}); err != nil {
		t.Fatal(err)
	}
	if text, _ := os.ReadFile(path); strings.Contains(string(text), "'admin'") {
		t.Errorf("an empty admin role is left:\n%s", text)
	}
}
