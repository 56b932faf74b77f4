package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/internal/shellwords"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/pyconfig"
	"github.com/hubctl/hubctl/tljh"
	"github.com/hubctl/hubctl/tokens"
)

// Every flag is made afresh for each run: urfave/cli keeps what it parsed
// in the flag itself, and one run in a test would leak into the next.

func hubVersionFlag() cli.Flag {
	return &cli.StringFlag{Name: "hub-version", Usage: "target JupyterHub `VERSION` (default: `jupyterhub --version`, else the newest stable)"}
}

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Value: "jupyterhub_config.py", Usage: "the JupyterHub config `FILE`"}
}

func serviceCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "service",
		Usage: "add, list, show and remove services in jupyterhub_config.py",
		Description: "hubctl owns one marked block at the end of jupyterhub_config.py and never\n" +
			"touches anything else in the file.\n\n" +
			"Example:\n" +
			"   hubctl service add cull-idle --admin --timeout=3600\n" +
			"   hubctl service list",
		Subcommands: []*cli.Command{
			serviceAddCommand(env),
			serviceListCommand(env),
			serviceShowCommand(env),
			serviceRemoveCommand(env),
		},
	}
}

func serviceAddCommand(env *cliEnv) *cli.Command {
	flags := []cli.Flag{
		configFlag(),
		hubVersionFlag(),
		&cli.StringFlag{Name: "command", Usage: "the service's command, split like a shell would (`\"CMD ARG...\"`)"},
		&repeatableFlag{Name: "arg", Usage: "append `ARG` to the command verbatim (repeatable)"},
		&cli.StringFlag{Name: "url", Usage: "the service's `URL` (http or https)"},
		&repeatableFlag{Name: "env", Usage: "environment variable `K=V` for the command (repeatable)"},
		&cli.StringFlag{Name: "user", Usage: "run the command as `USER`"},
		&cli.StringFlag{Name: "cwd", Usage: "run the command in `DIR`"},
		&cli.BoolFlag{Name: "oauth-no-confirm", Usage: "skip the OAuth confirmation page"},
		&cli.StringFlag{Name: "oauth-client-id", Usage: "OAuth client `ID` (must start with service-)"},
		&cli.StringFlag{Name: "oauth-redirect-uri", Usage: "OAuth redirect `URI`"},
		&cli.BoolFlag{Name: "display", Usage: "list the service on the Hub's home page"},
		&cli.BoolFlag{Name: "no-display", Usage: "hide the service from the Hub's home page"},
		&repeatableFlag{Name: "info", Usage: "extra `K=V` shown in the Hub's service list (repeatable)"},
		&repeatableFlag{Name: "oauth-scope", Usage: "a `SCOPE` users may grant the service through OAuth (oauth_client_allowed_scopes, 3.0+; repeatable)"},
		&repeatableFlag{Name: "oauth-role", Usage: "an OAuth `ROLE` (oauth_roles; deprecated in 3.0, use --oauth-scope; repeatable)"},
		&cli.Float64Flag{Name: "service-timeout", Usage: "the service's `SECONDS` to start (the 'timeout' key, JupyterHub 6.0+)"},
		&repeatableFlag{Name: "scope", Usage: "give the service a role NAME-role with `SCOPE` (repeatable)"},
		&cli.BoolFlag{Name: "admin", Usage: "give the service what it needs: its least-privilege role for a preset, else 'admin': True"},
		&cli.StringFlag{Name: "cull-url", Usage: "cull-idle: the Hub API `URL` the culler uses (its --url), e.g. http://localhost:8081/hub/api in a Zero-to-JupyterHub hub pod; default: the JUPYTERHUB_API_URL the Hub gives it"},
		&cli.BoolFlag{Name: "external", Usage: "cull-idle: run the culler yourself (no command; the service gets a token)"},
		&cli.StringFlag{Name: "token", Usage: "`new`, keyring, env or none (default: new without a command, none with one)"},
		&cli.BoolFlag{Name: "replace", Usage: "replace a service of that name in hubctl's block"},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the change as a diff; change nothing"},
		insecureStorageFlag(env),
	}
	flags = append(flags, tljhFlags()...)
	return &cli.Command{
		Name:      "add",
		Usage:     "add a service (and its role) to hubctl's block in jupyterhub_config.py",
		ArgsUsage: "NAME",
		Description: "The preset cull-idle runs `hubctl cull` as a Hub-managed service with a\n" +
			"least-privilege role; cull flags (--timeout, --cull-users, ...) pass into its command.\n\n" +
			"Example:\n" +
			"   hubctl service add cull-idle --admin --timeout=3600\n" +
			"   hubctl service add announcement --url http://127.0.0.1:8888 --command 'python3 -m announcement' --scope read:users",
		Flags: append(flags, cullPolicyFlags(true)...),
		Action: func(c *cli.Context) error {
			args, err := positional(c, "name")
			if err != nil {
				return err
			}
			return serviceAdd(c, env, args[0])
		},
	}
}

// hubVersion is --hub-version, or what the jupyterhub on PATH says.
func hubVersion(c *cli.Context, env *cliEnv) (hub.Version, error) {
	if s := c.String("hub-version"); s != "" {
		v, err := hub.ParseVersion(s)
		if err != nil {
			return v, usageErrorf("--hub-version: %v", err)
		}
		return v, nil
	}
	v, source := provision.DetectHubVersion(c.Context)
	fmt.Fprintf(env.stderr, "hubctl: JupyterHub %s (%s; --hub-version to choose)\n", v, source)
	return v, nil
}

// fieldFlags names the flag behind each service or role key, for errors.
var fieldFlags = map[string]string{
	"name": "NAME", "url": "--url", "api_token": "--token", "command": "--command", "environment": "--env",
	"user": "--user", "cwd": "--cwd", "oauth_no_confirm": "--oauth-no-confirm", "oauth_client_id": "--oauth-client-id",
	"oauth_redirect_uri": "--oauth-redirect-uri", "display": "--display", "info": "--info", "scopes": "--scope",
	"role": "--scope", "services": "NAME", "admin": "--admin", "oauth_client_allowed_scopes": "--oauth-scope",
	"oauth_roles": "--oauth-role", "timeout": "--service-timeout",
}

// flagError turns the package's errors about what the command line asked
// for into usage errors (exit 2): a field names its flag; a conflict with
// the file keeps its message and hint.
func flagError(err error) error {
	var fe *provision.FieldError
	var ce *provision.ConflictError
	switch {
	case errors.As(err, &fe):
		if flag, ok := fieldFlags[fe.Field]; ok {
			return &usageError{msg: flag + ": " + fe.Msg, err: err}
		}
	case errors.As(err, &ce):
		return &usageError{msg: ce.Msg, hint: ce.Next, err: err}
	}
	return err
}

func serviceAdd(c *cli.Context, env *cliEnv, name string) error {
	if err := tokens.ValidateName(name); err != nil {
		return usageErrorf("service name: %w", err)
	}
	preset := name == provision.CullIdlePreset
	if !preset {
		for _, f := range cullPolicyFlags(true) {
			if c.IsSet(f.Names()[0]) {
				return usageErrorf("--%s is for the cull-idle preset only", f.Names()[0])
			}
		}
		if c.Bool("external") {
			return usageErrorf("--external is for the cull-idle preset only; for other services leave out --command")
		}
		if c.IsSet("cull-url") {
			return usageErrorf("--cull-url is for the cull-idle preset only; for other services --url is the service's URL")
		}
	} else if c.IsSet("cull-url") && c.Bool("external") {
		return usageErrorf("--cull-url and --external: an external culler is run by you; pass it --url yourself")
	} else if _, err := notifyOptionsFrom(c); err != nil {
		return err // refused now rather than by the culler at the Hub's start
	}
	if c.Bool("display") && c.Bool("no-display") {
		return usageErrorf("--display and --no-display contradict each other")
	}
	target, err := tljhTarget(c)
	if err != nil {
		return err
	}
	var notes []string
	if target != nil && preset && !c.Bool("external") {
		carried, err := carryTLJHCull(c, target)
		if err != nil {
			return err
		}
		notes = append(notes, carried...)
	}
	v, err := targetHubVersion(c, env, target)
	if err != nil {
		return err
	}
	svc := provision.Service{Name: name, URL: c.String("url"), User: c.String("user"), Cwd: c.String("cwd"),
		OAuthNoConfirm: c.Bool("oauth-no-confirm"), OAuthClientID: c.String("oauth-client-id"), OAuthRedirectURI: c.String("oauth-redirect-uri")}
	svc.OAuthClientAllowedScopes, svc.OAuthRoles = repeated(c, "oauth-scope"), repeated(c, "oauth-role")
	if c.IsSet("service-timeout") {
		secs := c.Float64("service-timeout")
		if secs <= 0 {
			return usageErrorf("--service-timeout must be a positive number of seconds")
		}
		svc.Timeout = &secs
	}
	if c.IsSet("display") || c.IsSet("no-display") {
		d := c.Bool("display")
		svc.Display = &d
	}
	if svc.Environment, err = keyValues(c, "env"); err != nil {
		return err
	}
	if svc.Info, err = keyValues(c, "info"); err != nil {
		return err
	}
	if cmd := c.String("command"); cmd != "" {
		if svc.Command, err = shellwords.Split(cmd); err != nil {
			return usageErrorf("--command: %v", err)
		}
	}
	svc.Command = append(svc.Command, repeated(c, "arg")...)
	var culler hub.CullerFlags
	if preset {
		// The same checks as `hubctl cull` makes at start (a bad --rules
		// file is refused here with its FILE:LINE), and what the policy
		// needs of the role.
		policy, _, err := cullPolicy(c)
		if err != nil {
			return err
		}
		culler = cull.CullerFlags(&policy)
	}
	if preset && !c.Bool("external") {
		if len(svc.Command) > 0 {
			return usageErrorf("--command and --arg: the cull-idle preset writes its own command; pass cull flags such as --timeout instead")
		}
		// Refused here, as `hubctl cull` would refuse the command.
		if _, err := publicURLFlag(c); err != nil {
			return err
		}
		bin, note := hubctlCommand()
		notes = append(notes, note)
		if target != nil {
			if n := tljhCommandNote(target, bin); n != "" {
				notes = append(notes, n)
			}
		}
		svc.Command = append([]string{bin, "cull"}, cullArgs(c)...)
		if c.IsSet("cull-url") {
			// Refused here, as `hubctl cull --url` would refuse it at the Hub's start.
			if _, err := cull.NormalizeURL(c.String("cull-url")); err != nil {
				return usageErrorf("--cull-url: %v", err)
			}
			svc.Command = append(svc.Command, "--url="+c.String("cull-url"))
		}
	}

	// Roles: --scope, or --admin (a preset's least-privilege role from 2.0 on).
	scopes := repeated(c, "scope")
	if c.Bool("admin") && len(scopes) > 0 {
		return usageErrorf("--admin and --scope: give either, not both")
	}
	grant := provision.PlanRole(provision.RoleRequest{Service: name, Admin: c.Bool("admin"), Scopes: scopes, Culler: culler}, v)
	svc.Admin, notes = grant.Admin, append(notes, grant.Notes...)

	// Tokens.
	mode := c.String("token")
	if mode == "" {
		mode = "none"
		if len(svc.Command) == 0 {
			mode = "new"
		}
	}
	var store tokens.Store
	switch mode {
	case "none":
	case "new", "keyring":
		if store, err = openStore(c, env); err != nil {
			return err
		}
		// Fail before the config is written, not after, when the keyring
		// cannot keep the new token.
		if _, err := store.List(); err != nil {
			return err
		}
		svc.Token = provision.TokenLiteral
		if mode == "keyring" {
			if svc.APIToken, err = store.Get(name); err != nil {
				return err
			}
		} else if svc.APIToken, err = tokens.New(tokens.DefaultBytes, tokens.Hex); err != nil {
			return err
		}
	case "env":
		svc.Token, svc.TokenEnvVar = provision.TokenEnv, provision.TokenEnvVarFor(name)
	default:
		return usageErrorf("--token %q: use new, keyring, env or none", mode)
	}
	if err := provision.CheckService(&svc, v); err != nil {
		return flagError(err)
	}

	dry := c.Bool("dry-run")
	path := c.String("config")
	addOpts := provision.AddOptions{EditOptions: provision.EditOptions{DryRun: dry, Version: v, Notify: notifier(env)}, Replace: c.Bool("replace")}
	disableTLJH := target != nil && preset // --external too: TLJH's culler has the preset's name
	if target != nil {
		path = target.Block()
		if err := ensureSubconfigDir(env, target, dry); err != nil {
			return err
		}
		if disableTLJH && !dry {
			// Every check of the block first, so that TLJH's culler is
			// not turned off for a service the block then refuses; then
			// config.yaml, so that no moment has two cullers.
			check := addOpts
			check.DryRun = true
			if _, _, _, err := provision.AddService(c.Context, path, svc, grant.Role, check); err != nil {
				return flagError(err)
			}
			if err := editTLJHCuller(c, env, target, true, false); err != nil {
				return err
			}
		}
	}
	res, before, after, err := provision.AddService(c.Context, path, svc, grant.Role, addOpts)
	if err != nil && disableTLJH && !dry {
		// Between the check and the write the block changed (another
		// hubctl): no culler runs until one of these is done.
		return fmt.Errorf("%s was not written (%w), but TLJH's culler is already off in %s: run the command again, or restore %s",
			path, err, target.ConfigYAML(), atomicfile.BackupPath(target.ConfigYAML()))
	}
	if err != nil {
		return flagError(err)
	}
	if dry {
		fmt.Fprint(env.stdout, maskedDiff(path, res, before, after))
		if disableTLJH {
			if err := editTLJHCuller(c, env, target, true, true); err != nil {
				return err
			}
		}
		if target != nil {
			for _, n := range notes {
				fmt.Fprintln(env.stderr, "hubctl: "+n)
			}
		}
		fmt.Fprintln(env.stderr, "hubctl: --dry-run: nothing was changed")
		return nil
	}
	if mode == "new" {
		if err := store.Set(name, svc.APIToken); err != nil {
			return fmt.Errorf("the config was written, but storing the token failed: %w", err)
		}
		notes = append(notes, fmt.Sprintf("stored the new token for %s in %s (`hubctl token get %s`)", name, store, name))
	}
	for _, n := range notes {
		fmt.Fprintln(env.stderr, "hubctl: "+n)
	}
	reportWrite(env, path, res)
	fmt.Fprintf(env.stderr, "hubctl: added service %q to %s; restart the Hub to apply it\n", name, path)
	return nil
}

func reportWrite(env *cliEnv, path string, res *provision.Result) {
	if res.Created {
		fmt.Fprintf(env.stderr, "hubctl: created %s\n", path)
	}
	if res.Backup != "" {
		fmt.Fprintf(env.stderr, "hubctl: the previous version is in %s\n", res.Backup)
	}
	if res.Tightened {
		fmt.Fprintf(env.stderr, "hubctl: %s holds a token now, so its mode is 0600\n", path)
	}
}

// cullArgs are the preset's culler flags, spelled as `hubctl cull` reads
// them: the timeout always (the preset's default is not the culler's), the
// rest as given.
func cullArgs(c *cli.Context) []string {
	var args []string
	for _, f := range cullPolicyFlags(true) {
		name := f.Names()[0]
		if name != "timeout" && !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *cli.BoolFlag:
			args = append(args, fmt.Sprintf("--%s=%t", name, c.Bool(name)))
		case *cli.IntFlag:
			args = append(args, fmt.Sprintf("--%s=%d", name, c.Int(name)))
		case *cli.StringFlag:
			value := c.String(name)
			if name == "rules" {
				// The Hub runs the command in a directory of its own.
				// cullPolicy has read the file, so the path is good.
				if abs, err := filepath.Abs(value); err == nil {
					value = abs
				}
			}
			args = append(args, fmt.Sprintf("--%s=%s", name, value))
		case *repeatableFlag:
			for _, v := range repeated(c, name) {
				args = append(args, fmt.Sprintf("--%s=%s", name, v))
			}
		}
	}
	return args
}

// hubctlCommand is what the Hub should run: "hubctl" when the hubctl on
// PATH is this one, else this binary's absolute path.
func hubctlCommand() (string, string) {
	self, err := os.Executable()
	if err == nil {
		self, _ = filepath.EvalSymlinks(self)
	}
	if onPath, err2 := exec.LookPath("hubctl"); err2 == nil {
		if resolved, _ := filepath.EvalSymlinks(onPath); err != nil || resolved == self {
			return "hubctl", "the command runs `hubctl` from the Hub's PATH (" + onPath + ")"
		}
	}
	if err != nil {
		return "hubctl", "the command runs `hubctl`: make sure it is on the Hub's PATH"
	}
	return self, "hubctl is not on PATH, so the command uses this binary's absolute path, " + self
}

func keyValues(c *cli.Context, flag string) (map[string]string, error) {
	vals := repeated(c, flag)
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--%s %q: want KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

func serviceRemoveCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "remove",
		Usage:     "remove a service and its role from hubctl's block",
		ArgsUsage: "NAME",
		Description: "Example:\n" +
			"   hubctl service remove cull-idle",
		Flags: append([]cli.Flag{configFlag(), hubVersionFlag(), &cli.BoolFlag{Name: "dry-run", Usage: "print the change as a diff; change nothing"}}, tljhFlags()...),
		Action: func(c *cli.Context) error {
			args, err := positional(c, "name")
			if err != nil {
				return err
			}
			name, path, dry := args[0], c.String("config"), c.Bool("dry-run")
			target, err := tljhTarget(c)
			if err != nil {
				return err
			}
			if target != nil {
				path = target.Block()
			}
			v, err := targetHubVersion(c, env, target)
			if err != nil {
				return err
			}
			res, before, after, err := provision.RemoveService(c.Context, path, name, provision.EditOptions{DryRun: dry, Version: v, Notify: notifier(env)})
			if err != nil {
				return err
			}
			// TLJH's culler comes back once no service of the block runs
			// `hubctl cull`, as it was before hubctl turned it off.
			restoreTLJH := false
			if target != nil && !runsHubctlCull(after) {
				had, err := before.Managed()
				restoreTLJH = err == nil && runsHubctlCull(&had)
			}
			if dry {
				fmt.Fprint(env.stdout, maskedDiff(path, res, before, after))
				if restoreTLJH {
					return editTLJHCuller(c, env, target, false, true)
				}
				return nil
			}
			reportWrite(env, path, res)
			if restoreTLJH {
				if err := editTLJHCuller(c, env, target, false, false); err != nil {
					return err
				}
			}
			fmt.Fprintf(env.stderr, "hubctl: removed service %q from %s; the Hub deletes the service and its tokens at its next restart\n", name, path)
			fmt.Fprintf(env.stderr, "hubctl: a token hubctl stored for it stays in the keyring until `hubctl token delete %s`\n", name)
			return nil
		},
	}
}

// serviceView is how list and show present a service; tokens appear only
// as their source or last four characters.
type serviceView struct {
	Name    string     `json:"name"`
	Managed bool       `json:"managed"` // in hubctl's block
	Where   string     `json:"where"`   // file:line
	Kind    string     `json:"kind"`    // hub-managed (command), external (url), or token-only
	Command []string   `json:"command,omitempty"`
	URL     string     `json:"url,omitempty"`
	Admin   bool       `json:"admin,omitempty"`
	Token   string     `json:"token"`
	Roles   []roleView `json:"roles,omitempty"`
}

type roleView struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

func serviceViews(ctx context.Context, path string) ([]serviceView, []pyconfig.Diagnostic, error) {
	if err := configExists(path); err != nil {
		return nil, nil, err
	}
	cfg, err := provision.Read(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	if _, err := cfg.Managed(); err != nil {
		return nil, nil, err
	}
	svcs, roles := cfg.AllServices(), cfg.AllRoles()
	var out []serviceView
	for _, s := range svcs {
		v := serviceView{Name: s.Service.Name, Managed: s.Managed, Where: s.Pos.String(), Command: s.Service.Command,
			URL: s.Service.URL, Admin: s.Service.Admin, Token: tokenView(&s.Service)}
		switch {
		case len(v.Command) > 0:
			v.Kind = "hub-managed"
		case v.URL != "":
			v.Kind = "external"
		default:
			v.Kind = "token-only"
		}
		for _, r := range roles {
			if slices.Contains(r.Services, v.Name) {
				v.Roles = append(v.Roles, roleView{Name: r.Name, Scopes: r.Scopes})
			}
		}
		out = append(out, v)
	}
	return out, cfg.Warnings, nil
}

func tokenView(s *provision.Service) string {
	switch s.Token {
	case provision.TokenLiteral:
		if len(s.APIToken) < 12 {
			return "literal (short)"
		}
		return "literal " + maskedToken(s.APIToken)
	case provision.TokenEnv:
		return "env " + s.TokenEnvVar
	case provision.TokenUnknown:
		return "set by an expression hubctl does not evaluate"
	}
	if len(s.Command) > 0 {
		return "none (the Hub makes one at each start)"
	}
	return "none"
}

func serviceListCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the services and roles in jupyterhub_config.py, hubctl's and hand-written",
		Description: "With --tljh, the JSON is {\"services\": [...], \"tljh_culler\": {...}}.\n\n" +
			"Example:\n" +
			"   hubctl service list --json\n" +
			"   hubctl service list --tljh",
		Flags: append([]cli.Flag{configFlag(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}}, tljhReadFlags()...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			target, path, err := readTarget(c)
			if err != nil {
				return err
			}
			views, warnings, err := serviceViews(c.Context, path)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(env.stderr, "hubctl: warning: "+w.String())
			}
			var culler tljhCullerView
			if target != nil {
				culler = tljhCuller(target)
				warnTLJHCuller(env, culler, views)
			}
			if views == nil {
				views = []serviceView{}
			}
			if c.Bool("json") && target != nil {
				return printJSON(env, struct {
					Services   []serviceView  `json:"services"`
					TLJHCuller tljhCullerView `json:"tljh_culler"`
				}{views, culler})
			}
			if c.Bool("json") {
				return printJSON(env, views)
			}
			for _, v := range views {
				owner := "hand-written"
				if v.Managed {
					owner = "hubctl"
				}
				var roles []string
				for _, r := range v.Roles {
					roles = append(roles, r.Name)
				}
				fmt.Fprintf(env.stdout, "%-20s %-12s %-12s token: %-40s roles: %s  (%s)\n", v.Name, v.Kind, owner, v.Token, strings.Join(roles, ","), v.Where)
			}
			if target != nil {
				fmt.Fprintf(env.stdout, "TLJH's culler: %s\n", culler)
			}
			return nil
		},
	}
}

func serviceShowCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show one service and its roles",
		ArgsUsage: "NAME",
		Description: "With --tljh, the JSON has a \"tljh_culler\" key too.\n\n" +
			"Example:\n" +
			"   hubctl service show cull-idle\n" +
			"   hubctl service show cull-idle --tljh",
		Flags: append([]cli.Flag{configFlag(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}}, tljhReadFlags()...),
		Action: func(c *cli.Context) error {
			args, err := positional(c, "name")
			if err != nil {
				return err
			}
			target, path, err := readTarget(c)
			if err != nil {
				return err
			}
			views, _, err := serviceViews(c.Context, path)
			if err != nil {
				return err
			}
			for _, v := range views {
				if v.Name != args[0] {
					continue
				}
				var culler tljhCullerView
				if target != nil {
					culler = tljhCuller(target)
					warnTLJHCuller(env, culler, views)
				}
				if c.Bool("json") && target != nil {
					return printJSON(env, struct {
						serviceView
						TLJHCuller tljhCullerView `json:"tljh_culler"`
					}{v, culler})
				}
				if c.Bool("json") {
					return printJSON(env, v)
				}
				fmt.Fprintf(env.stdout, "name:     %s\nwhere:    %s (%s)\nkind:     %s\n", v.Name, v.Where, map[bool]string{true: "hubctl's block", false: "hand-written"}[v.Managed], v.Kind)
				if len(v.Command) > 0 {
					fmt.Fprintf(env.stdout, "command:  %s\n", strings.Join(v.Command, " "))
				}
				if v.URL != "" {
					fmt.Fprintf(env.stdout, "url:      %s\n", v.URL)
				}
				if v.Admin {
					fmt.Fprintln(env.stdout, "admin:    True (deprecated since JupyterHub 2.0)")
				}
				fmt.Fprintf(env.stdout, "token:    %s\n", v.Token)
				for _, r := range v.Roles {
					fmt.Fprintf(env.stdout, "role:     %s: %s\n", r.Name, strings.Join(r.Scopes, ", "))
				}
				if target != nil {
					fmt.Fprintf(env.stdout, "tljh:     TLJH's culler %s\n", culler)
				}
				return nil
			}
			return fmt.Errorf("%s: no service named %q", path, args[0])
		},
	}
}

// readTarget is the file list and show read: --config, or hubctl's block
// under TLJH with --tljh (nil target without).
func readTarget(c *cli.Context) (*tljh.Paths, string, error) {
	target, err := tljhTarget(c)
	if err != nil || target == nil {
		return nil, c.String("config"), err
	}
	path := target.Block()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, "", &tokens.HintError{Err: fmt.Errorf("%s: no such file", path), Next: "hubctl has no block under TLJH yet: `hubctl service add NAME --tljh` writes one"}
	}
	return target, path, nil
}

func printJSON(env *cliEnv, v any) error {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
