package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/provision"
)

// awkward are values urfave's StringSliceFlag would change: split on the
// comma, trimmed, or trimmed to nothing.
var awkward = []string{"a,b", " padded ", "\n"}

// readService is a service as the config file at path holds it.
func readService(t *testing.T, path, name string) provision.Service {
	t.Helper()
	cfg, err := provision.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.AllServices() {
		if s.Service.Name == name {
			return s.Service
		}
	}
	t.Fatalf("%s has no service %q", path, name)
	return provision.Service{}
}

// TestNoStringSliceFlags: every repeatable flag is the verbatim kind, so a
// flag added later cannot bring the comma splitting back.
func TestNoStringSliceFlags(t *testing.T) {
	t.Parallel()
	var walk func(prefix string, cmds []*cli.Command)
	found := 0
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				switch f.(type) {
				case *cli.StringSliceFlag, *cli.IntSliceFlag, *cli.Int64SliceFlag, *cli.Float64SliceFlag, *cli.UintSliceFlag, *cli.Uint64SliceFlag:
					t.Errorf("%s %s --%s is a urfave slice flag, which splits values on commas", prefix, c.Name, f.Names()[0])
				case *repeatableFlag:
					found++
				}
			}
			walk(prefix+" "+c.Name, c.Subcommands)
		}
	}
	walk("hubctl", newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}).Commands)
	if found < 10 {
		t.Errorf("found %d repeatable flags, want at least 10", found)
	}
}

func TestServiceAddRepeatableFlagsVerbatim(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "")
	args := []string{"service", "add", "svc", "--command", "prog", "--hub-version", "3.0", "--config", path}
	for _, v := range awkward {
		args = append(args, "--arg", v, "--env", "K"+v+"="+v, "--info", "i"+v+"="+v, "--oauth-role", "r"+v)
	}
	if r := runCLI(t, nil, "", args...); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	s := readService(t, path, "svc")
	if want := append([]string{"prog"}, awkward...); !slices.Equal(s.Command, want) {
		t.Errorf("command %q, want %q", s.Command, want)
	}
	for _, v := range awkward {
		if got, ok := s.Environment["K"+v]; !ok || got != v {
			t.Errorf("environment %q: %q, want %q (all: %q)", "K"+v, got, v, s.Environment)
		}
		if got, ok := s.Info["i"+v]; !ok || got != v {
			t.Errorf("info %q: %q, want %q (all: %q)", "i"+v, got, v, s.Info)
		}
	}
	if want := []string{"ra,b", "r padded ", "r\n"}; !slices.Equal(s.OAuthRoles, want) {
		t.Errorf("oauth_roles %q, want %q", s.OAuthRoles, want)
	}
	// --env K=a,b used to fail: the ",b" became a second K=V without "=".
	if len(s.Environment) != 3 || len(s.Info) != 3 {
		t.Errorf("environment %q, info %q: want three each", s.Environment, s.Info)
	}
}

// TestServiceAddScopesVerbatim: a scope with a comma or spaces is not two
// scopes nor a trimmed one; it is a scope the Hub does not know.
func TestServiceAddScopesVerbatim(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--scope", "--oauth-scope"} {
		for _, v := range []string{"read:users,admin:users", " read:users", "read:users\n"} {
			path := tempConfig(t, "")
			r := runCLI(t, nil, "", "service", "add", "svc", "--url", "http://127.0.0.1:9000", "--token", "none", flag, v, "--hub-version", "3.0", "--config", path)
			if r.code != exitUsage || !strings.Contains(r.stderr, flag+": scope "+strconvQuote(v)+" does not exist") {
				t.Errorf("%s %q: exit %d, stderr %q; want 2 and the whole value named", flag, v, r.code, r.stderr)
			}
		}
	}
	// The same scopes one by one are fine.
	path := tempConfig(t, "")
	r := runCLI(t, nil, "", "service", "add", "svc", "--url", "http://127.0.0.1:9000", "--token", "none", "--scope", "read:users", "--scope", "admin:users",
		"--oauth-scope", "read:users", "--hub-version", "3.0", "--config", path)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	cfg, _ := provision.Read(context.Background(), path)
	roles := cfg.AllRoles()
	if len(roles) != 1 || !slices.Equal(roles[0].Scopes, []string{"read:users", "admin:users"}) {
		t.Errorf("roles %+v", roles)
	}
}

func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// TestCullIdleExcludeUserVerbatim: the preset writes each --exclude-user
// into the culler's command as one argument, as given.
func TestCullIdleExcludeUserVerbatim(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "")
	args := []string{"service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path}
	for _, v := range append([]string{"^x{1,3}$"}, awkward...) {
		args = append(args, "--exclude-user", v)
	}
	if r := runCLI(t, nil, "", args...); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	cmd := readService(t, path, "cull-idle").Command
	want := []string{"--timeout=3600", "--exclude-user=^x{1,3}$", "--exclude-user=a,b", "--exclude-user= padded ", "--exclude-user=\n"}
	if len(cmd) < len(want) || !slices.Equal(cmd[len(cmd)-len(want):], want) {
		t.Errorf("command %q, want it to end with %q", cmd, want)
	}
}

func TestConfigRenderServiceVerbatim(t *testing.T) {
	t.Parallel()
	path := tempConfig(t, "")
	for _, name := range []string{"a", "b"} {
		if r := runCLI(t, nil, "", "service", "add", name, "--url", "http://127.0.0.1:9000", "--token", "none", "--hub-version", "3.0", "--config", path); r.code != 0 {
			t.Fatalf("%+v", r)
		}
	}
	for _, v := range []string{"a,b", " a", "a\n"} {
		r := runCLI(t, nil, "", "config", "render", "--service", v, "--config", path)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--service "+strconvQuote(v)+": hubctl's block has no such service") || r.stdout != "" {
			t.Errorf("--service %q: %+v", v, r)
		}
	}
	r := runCLI(t, nil, "", "config", "render", "--service", "a", "--service", "b", "--config", path)
	if r.code != 0 || !strings.Contains(r.stdout, "'name': 'a'") || !strings.Contains(r.stdout, "'name': 'b'") {
		t.Errorf("--service a --service b: %+v", r)
	}
}

// TestConfigValidateEnvVerbatim: --env T=abc,efg is one variable whose value
// has a comma (it used to be refused as a second K=V without "="), and
// spaces or a lone newline stay in the value: the token-length check sees
// every character.
func TestConfigValidateEnvVerbatim(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "import os\nc = get_config()\nc.JupyterHub.services = [{'name': 'svc', 'url': 'http://127.0.0.1:9000', 'api_token': os.environ['T']}]\n", 0o600)
	for _, tt := range []struct{ value, finding string }{
		{"abc,efg", "api_token is 7 characters"}, {" abcde ", "api_token is 7 characters"}, {"\n", "api_token is 1 characters"},
		{"abcd,efgh", ""}, {" abcdef ", ""},
	} {
		r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", "--env", "T="+tt.value, path)
		switch {
		case tt.finding == "" && (r.code != 0 || strings.Contains(r.stdout, "HUB103")):
			t.Errorf("--env T=%q: %+v; want a clean config", tt.value, r)
		case tt.finding != "" && (r.code != 1 || !strings.Contains(r.stdout, tt.finding)):
			t.Errorf("--env T=%q: %+v; want HUB103 %q", tt.value, r, tt.finding)
		}
	}
}

// TestCullExcludeUserVerbatim: `--exclude-user '^x{1,3}$'` is one regular
// expression (split on its comma, user xx would be culled), and a value of
// one newline matches no user (trimmed, it was "" and matched everyone).
func TestCullExcludeUserVerbatim(t *testing.T) {
	t.Parallel()
	old := time.Now().Add(-2 * time.Hour)
	for _, tt := range []struct {
		exclude []string
		xxKept  bool
		idleUp  bool
	}{
		{[]string{"^x{1,3}$"}, true, false},
		{[]string{"\n"}, false, false},
		{[]string{" idle"}, false, false},
		{[]string{"^idle$", "^x{1,3}$"}, true, true},
	} {
		h := cullHub(t)
		h.AddUser(fakehub.User{Name: "xx", Created: old, LastActivity: tp(old),
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: tp(old), LastActivity: tp(old)}}})
		args := []string{"cull", "--once", "--url", h.URL(), "--timeout=3600"}
		for _, e := range tt.exclude {
			args = append(args, "--exclude-user", e)
		}
		r := runCLIEnv(t, nil, tokenEnv, "", args...)
		if r.code != 0 {
			t.Fatalf("%q: %+v", tt.exclude, r)
		}
		if serverUp(h, "xx") != tt.xxKept || serverUp(h, "idle") != tt.idleUp {
			t.Errorf("--exclude-user %q: xx up %v (want %v), idle up %v (want %v)", tt.exclude, serverUp(h, "xx"), tt.xxKept, serverUp(h, "idle"), tt.idleUp)
		}
	}
}

// TestRepeatableFlagsDocumented: help, the man page and fish completion
// still list every repeatable flag as taking a value, and as repeatable.
func TestRepeatableFlagsDocumented(t *testing.T) {
	t.Parallel()
	man := runCLI(t, nil, "", "man").stdout
	fish := runCLI(t, nil, "", "completion", "fish").stdout
	for _, tt := range []struct {
		cmd   []string
		flag  string
		value string
	}{
		{[]string{"service", "add"}, "arg", "ARG"}, {[]string{"service", "add"}, "env", "K=V"}, {[]string{"service", "add"}, "info", "K=V"},
		{[]string{"service", "add"}, "scope", "SCOPE"}, {[]string{"service", "add"}, "oauth-scope", "SCOPE"}, {[]string{"service", "add"}, "oauth-role", "ROLE"},
		{[]string{"service", "add"}, "exclude-user", "REGEX"}, {[]string{"config", "render"}, "service", "NAME"},
		{[]string{"config", "validate"}, "env", "K=V"}, {[]string{"cull"}, "exclude-user", "REGEX"},
	} {
		help := runCLI(t, nil, "", append(tt.cmd, "--help")...).stdout
		if want := "--" + tt.flag + " " + tt.value + " [ --" + tt.flag + " " + tt.value + " ]"; !strings.Contains(help, want) {
			t.Errorf("hubctl %v --help lacks %q", tt.cmd, want)
		}
		if !strings.Contains(man, `\fB--`+tt.flag+`\fP=""`) {
			t.Errorf("man page lacks --%s", tt.flag)
		}
		if !strings.Contains(fish, "-l "+tt.flag+" -r") {
			t.Errorf("fish completion lacks -l %s -r", tt.flag)
		}
	}
}

// boolForms are the ways to give a boolean cull flag, and the value each
// means: bare, =value, and the space form jupyterhub-idle-culler 2 (traitlets)
// requires, with traitlets' spellings (true, false, 1, 0, any case).
var boolForms = []struct {
	words []string // after --NAME
	want  bool
}{
	{nil, true}, {[]string{"=true"}, true}, {[]string{"=false"}, false}, {[]string{"=True"}, true}, {[]string{"=False"}, false}, {[]string{"=TrUe"}, true}, {[]string{"=0"}, false},
	{[]string{"true"}, true}, {[]string{"false"}, false}, {[]string{"True"}, true}, {[]string{"False"}, false},
	{[]string{"TRUE"}, true}, {[]string{"FALSE"}, false}, {[]string{"1"}, true}, {[]string{"0"}, false},
}

// parsedBools runs hubctl's own argument handling (interspersed, then
// urfave) for the command at path with its action replaced, and returns
// each boolean flag's value and whether it was set.
func parsedBools(t *testing.T, path []string, args []string) (map[string]bool, map[string]bool, error) {
	t.Helper()
	app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	cmds := app.Commands
	var leaf *cli.Command
	for _, name := range path {
		for _, c := range cmds {
			if c.Name == name {
				leaf = c
			}
		}
		cmds = leaf.Subcommands
	}
	values, set := map[string]bool{}, map[string]bool{}
	leaf.Action = func(c *cli.Context) error {
		if _, err := positional(c, positionalNames(leaf)...); err != nil {
			return err
		}
		for _, f := range leaf.Flags {
			if !takesValueFlag(f) {
				values[f.Names()[0]], set[f.Names()[0]] = c.Bool(f.Names()[0]), c.IsSet(f.Names()[0])
			}
		}
		return nil
	}
	err := app.RunContext(t.Context(), interspersed(app, append(append([]string{"hubctl"}, path...), args...)))
	return values, set, err
}

func positionalNames(c *cli.Command) []string {
	if c.ArgsUsage == "" {
		return nil
	}
	return strings.Fields(strings.ToLower(c.ArgsUsage))
}

func boolFlagNames(flags []cli.Flag) []string {
	var names []string
	for _, f := range flags {
		if !takesValueFlag(f) {
			names = append(names, f.Names()...)
		}
	}
	return names
}

// TestCullBoolFlagForms: every boolean flag of `hubctl cull`, under each of
// its names, in each form, followed by another flag or by nothing.
func TestCullBoolFlagForms(t *testing.T) {
	t.Parallel()
	app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	var cullCmd *cli.Command
	for _, c := range app.Commands {
		if c.Name == "cull" {
			cullCmd = c
		}
	}
	names := boolFlagNames(cullCmd.Flags)
	for _, want := range []string{"cull-users", "cull_users", "cull-admin-users", "cull-default-servers", "cull-named-servers", "remove-named-servers", "once", "dry-run", "ssl-enabled"} {
		if !slices.Contains(names, want) {
			t.Fatalf("cull has no boolean --%s (has %q)", want, names)
		}
	}
	for _, name := range names {
		var canonical string
		for _, f := range cullCmd.Flags {
			if slices.Contains(f.Names(), name) {
				canonical = f.Names()[0]
			}
		}
		for _, form := range boolForms {
			for _, tail := range [][]string{nil, {"--timeout", "60"}} {
				args := []string{"--" + name}
				if len(form.words) == 1 && strings.HasPrefix(form.words[0], "=") {
					args[0] += form.words[0]
				} else {
					args = append(args, form.words...)
				}
				args = append(args, tail...)
				values, set, err := parsedBools(t, []string{"cull"}, args)
				if err != nil || values[canonical] != form.want || !set[canonical] {
					t.Errorf("cull %q: --%s = %v (set %v), error %v; want %v", args, canonical, values[canonical], set[canonical], err, form.want)
				}
			}
		}
	}
	if help := runCLI(t, nil, "", "cull", "--help").stdout; !strings.Contains(help, "--cull-users false") {
		t.Errorf("cull --help does not show the space form:\n%s", help)
	}
	// A word that is not a boolean is still an unexpected argument.
	if _, _, err := parsedBools(t, []string{"cull"}, []string{"--cull-users", "yes"}); err == nil || !strings.Contains(err.Error(), `unexpected argument "yes"`) {
		t.Errorf("--cull-users yes: %v", err)
	}
}

// TestServiceAddCullBoolFlagForms: the cull-idle pass-through booleans take
// the same forms; the service name may come before, between or after.
func TestServiceAddCullBoolFlagForms(t *testing.T) {
	t.Parallel()
	preset := cullPolicyFlags(true)
	names := boolFlagNames(preset)
	if len(names) < 10 {
		t.Fatalf("pass-through booleans %q", names)
	}
	for _, alias := range names {
		var name string // canonical
		for _, f := range preset {
			if slices.Contains(f.Names(), alias) {
				name = f.Names()[0]
			}
		}
		for _, form := range boolForms {
			args := []string{"--" + alias}
			if len(form.words) == 1 && strings.HasPrefix(form.words[0], "=") {
				args[0] += form.words[0]
			} else {
				args = append(args, form.words...)
			}
			for _, order := range [][]string{append([]string{"cull-idle"}, args...), append(slices.Clone(args), "cull-idle"), append(slices.Clone(args), "cull-idle", "--admin")} {
				values, set, err := parsedBools(t, []string{"service", "add"}, order)
				if err != nil || values[name] != form.want || !set[name] {
					t.Errorf("service add %q: --%s = %v (set %v), error %v; want %v", order, name, values[name], set[name], err, form.want)
				}
			}
		}
	}
}

// TestServiceAddCullUsersSpaceForm: `--cull-users true` and `false` reach
// the culler's command as --cull-users=true and =false.
func TestServiceAddCullUsersSpaceForm(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"true", "false", "True", "False"} {
		path := tempConfig(t, "")
		r := runCLI(t, nil, "", "service", "add", "cull-idle", "--cull-users", v, "--admin", "--hub-version", "3.0", "--config", path)
		if r.code != 0 {
			t.Fatalf("--cull-users %s: %+v", v, r)
		}
		cmd := readService(t, path, "cull-idle").Command
		if want := "--cull-users=" + strings.ToLower(v); !slices.Contains(cmd, want) {
			t.Errorf("--cull-users %s: command %q lacks %q", v, cmd, want)
		}
	}
}

// TestCullUsersSpaceFormCulls: the space form decides what a pass does.
func TestCullUsersSpaceFormCulls(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value   string
		deletes bool
	}{{"true", true}, {"false", false}, {"True", true}, {"False", false}} {
		h := cullHub(t)
		r := runCLIEnv(t, nil, tokenEnv, "", "cull", "--once", "--cull-users", tt.value, "--url", h.URL())
		if r.code != 0 {
			t.Fatalf("--cull-users %s: %+v", tt.value, r)
		}
		if _, ok := h.User("serverless"); ok == tt.deletes {
			t.Errorf("--cull-users %s: idle user deleted = %v, want %v", tt.value, !ok, tt.deletes)
		}
	}
}

// parsedCullOptions is what `hubctl cull ARGS` would run with, through
// hubctl's own argument handling, as a comparable text.
func parsedCullOptions(t *testing.T, args []string) string {
	t.Helper()
	app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, environ: func(string) (string, bool) { return "", false }})
	var got string
	for _, c := range app.Commands {
		if c.Name == "cull" {
			c.Action = func(c *cli.Context) error {
				o, err := cullOptionsFrom(c)
				// Policy as an operand of its own: fmt shows each
				// regular expression by its String method.
				got = fmt.Sprintf("%+v every=%s concurrency=%d page=%d stop-timeout=%s public-url=%v once=%t dry=%t log=%s/%s metrics=%q notify=%q",
					o.policy, o.every, o.concurrency, o.pageSize, o.stopTimeout, o.publicURL, o.once, o.dryRun, o.logFormat, o.logLevel, o.metricsAddr, fmt.Sprintf("%+v", o.notify))
				return err
			}
		}
	}
	if err := app.RunContext(t.Context(), interspersed(app, append([]string{"hubctl", "cull"}, args...))); err != nil {
		t.Fatalf("hubctl cull %q: %v", args, err)
	}
	return got
}

// TestCullStopTimeoutForms: --stop-timeout takes a Go duration or, like
// the culler's other time flags, seconds.
func TestCullStopTimeoutForms(t *testing.T) {
	t.Parallel()
	want := parsedCullOptions(t, []string{"--stop-timeout=90s"})
	if !strings.Contains(want, "stop-timeout=1m30s") {
		t.Fatalf("--stop-timeout=90s reads as %s", want)
	}
	for _, form := range []string{"90", "90.0", "1m30s", "1.5m"} {
		if got := parsedCullOptions(t, []string{"--stop-timeout", form}); got != want {
			t.Errorf("--stop-timeout %s reads as\n%s\nwant\n%s", form, got, want)
		}
	}
	if got := parsedCullOptions(t, nil); !strings.Contains(got, "stop-timeout=1m0s") {
		t.Errorf("default reads as %s", got)
	}
}

// TestCullIdleFlagsRoundTrip: every cull flag the cull-idle preset takes,
// under each of its names (1.x's underscore spellings too), is written into
// the service's command so that `hubctl cull` reads that command back to
// the setting the flag asked for. Every other flag of `hubctl cull` is left
// out of the preset on purpose.
func TestCullIdleFlagsRoundTrip(t *testing.T) {
	t.Parallel()
	notForPreset := map[string]string{
		"once": "a Hub-managed service runs until the Hub stops it", "dry-run": "service add's own --dry-run",
		"url": "the Hub gives the service JUPYTERHUB_API_URL; service add's own --url", "token-name": "the Hub gives the service its token",
		"insecure-storage": "service add's own, for its token", "ssl-enabled": "not passed through before", "internal-certs-location": "not passed through before",
		"api-page-size": "not passed through before", "log-format": "not passed through before", "log-level": "not passed through before",
		"metrics-addr": "not passed through before",
		"explain":      "a one-off question from an admin, not a service's job", "json": "goes with --explain",
		"pace": "a hidden diagnostic, for docs/benchmarks.md's comparison",
	}
	app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	for _, c := range app.Commands {
		if c.Name != "cull" {
			continue
		}
		for _, f := range c.Flags {
			if name := f.Names()[0]; !isCullPolicyFlag(name) && notForPreset[name] == "" {
				t.Errorf("hubctl cull --%s: neither one of cullPolicyFlags nor in notForPreset", name)
			}
		}
	}
	// Flags that go only with another, and the value of string flags that
	// are no duration.
	companions := map[string][]string{
		"notify-before":  {"--notify-url=http://127.0.0.1:9/hook"},
		"notify-command": {"--notify-before=67s"},
		"notify-url":     {"--notify-before=67s"},
	}
	stringValues := map[string]string{"notify-command": "mail-warning --to 'the user'", "notify-url": "https://127.0.0.1:9/hook?a=b",
		"rules":      filepath.Join("..", "..", "testdata", "rules", "example.yaml"), // relative: the preset writes it absolute
		"public-url": "https://hub.example.org:8443/"}
	atPresetTimeout := parsedCullOptions(t, []string{"--timeout=3600"})
	if parsedCullOptions(t, nil) == atPresetTimeout {
		t.Error("hubctl cull's default --timeout is the preset's 3600")
	}
	for _, f := range cullPolicyFlags(true) {
		var values []string // none of them the default
		switch f := f.(type) {
		case *cli.IntFlag:
			values = []string{strconv.Itoa(f.Value + 7)}
		case *cli.BoolFlag:
			values = []string{strconv.FormatBool(!f.Value)}
		case *cli.StringFlag: // --stop-timeout, --notify-*, --rules
			values = []string{"67s"}
			if v, ok := stringValues[f.Names()[0]]; ok {
				values = []string{v}
			}
		case *repeatableFlag:
			values = []string{"^x{1,3}$", "a b"}
		default:
			t.Fatalf("no test value for --%s (%T)", f.Names()[0], f)
		}
		for _, name := range f.Names() {
			var args []string
			if name == "public-url" {
				args = append(args, "--check-kernels=true") // --public-url goes with it
			}
			for _, v := range values {
				args = append(args, "--"+name+"="+v)
			}
			args = append(args, companions[f.Names()[0]]...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				path := tempConfig(t, "")
				r := runCLI(t, nil, "", append([]string{"service", "add", "cull-idle", "--hub-version", "3.0", "--config", path}, args...)...)
				if r.code != 0 {
					t.Fatalf("service add: %+v", r)
				}
				cmd := readService(t, path, "cull-idle").Command
				if len(cmd) < 2 || cmd[1] != "cull" {
					t.Fatalf("command %q", cmd)
				}
				written := parsedCullOptions(t, cmd[2:])
				if want := parsedCullOptions(t, append([]string{"--timeout=3600"}, args...)); written != want {
					t.Errorf("command %q reads as\n%s\nwant (hubctl cull %q)\n%s", cmd, written, args, want)
				}
				if written == atPresetTimeout {
					t.Errorf("command %q: %q made no difference", cmd, args)
				}
			})
		}
	}
}
