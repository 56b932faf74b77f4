package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/pyconfig"
)

func configUpgradeCheckCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "upgrade-check",
		Usage:     "find what breaks or changes meaning when a config meets another JupyterHub release; --write migrates what needs no guess",
		ArgsUsage: "[FILE]",
		Description: "Reads FILE (default ./jupyterhub_config.py) statically, as config validate does, and\n" +
			"prints one finding per line, FILE:LINE:COL: what the Hub at --to does differently\n" +
			"from the Hub at --from: service keys and scopes it lacks or renamed, checks it makes\n" +
			"fatal, 'admin': True on services and admin_users (the admin role stays in the Hub's\n" +
			"database after they are removed), api_tokens, oauth_roles, and JupyterHub 5.0's\n" +
			"allow config (no user may log in unless allowed_users, allowed_groups, allow_all or\n" +
			"allow_existing_users says so; an unset authenticator_class is taken for the default,\n" +
			"PAMAuthenticator). --to may be older than --from, for a rollback.\n\n" +
			"--write migrates what needs no guess, in hubctl's block only: a service's 'admin': True\n" +
			"becomes a role (a service running `hubctl cull` gets the culler's least-privilege\n" +
			"role; another joins the admin role, with a comment saying so), and on the way to 5.0\n" +
			"the OAuth keys of a service without a url or oauth_redirect_uri, which had no effect\n" +
			"before 5.0 and stop 5.0 from starting, are dropped. The change is printed as a diff,\n" +
			"then written as every hubctl edit is (locked, atomic, mode kept, the previous version\n" +
			"in FILE.hubctl.bak); with --dry-run only printed. Services outside the block are\n" +
			"reported with a hint, never edited.\n\n" +
			"Exit: 0 nothing breaks (warnings only), 1 findings that break (after --write: that\n" +
			"remain), 2 usage error or the file cannot be read.\n\n" +
			"Example:\n" +
			"   hubctl config upgrade-check --from 3.0 --to 5.2 jupyterhub_config.py\n" +
			"   hubctl config upgrade-check --from 3.0 --to 5.2 --write --dry-run",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "the JupyterHub `VERSION` the config runs on now (required)"},
			&cli.StringFlag{Name: "to", Usage: "the JupyterHub `VERSION` it is to meet (required)"},
			&repeatableFlag{Name: "env", Usage: "`K=V` for os.environ lookups, over the real environment (repeatable)"},
			&cli.StringFlag{Name: "cwd", Usage: "the `DIR` the Hub runs in, for relative load_subconfig paths (default: the config's directory, with a warning)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text or json (the findings)"},
			&cli.BoolFlag{Name: "json", Usage: "same as --format json"},
			&cli.BoolFlag{Name: "write", Usage: "migrate what needs no guess in hubctl's block ('admin': True to roles, OAuth keys that had no effect), printing the diff"},
			&cli.BoolFlag{Name: "dry-run", Usage: "with --write: print the diff; change nothing"},
		},
		Action: func(c *cli.Context) error { return configUpgradeCheck(c, env) },
	}
}

// upgradeVersion reads --from or --to: a version hub has facts for.
func upgradeVersion(c *cli.Context, flag string) (hub.Version, error) {
	s := c.String(flag)
	if s == "" {
		return hub.Version{}, usageErrorf("--%s VERSION is required (e.g. --from 3.0 --to 5.2)", flag)
	}
	v, err := hub.ParseVersion(s)
	if err != nil {
		return v, usageErrorf("--%s: %v", flag, err)
	}
	if !hub.Known(v) {
		return v, usageErrorf("--%s %s: hubctl has facts for JupyterHub %d.%d to %d.%d only", flag, s, hub.KnownSince.Major, hub.KnownSince.Minor, hub.KnownUntil.Major, hub.KnownUntil.Minor)
	}
	return v, nil
}

func configUpgradeCheck(c *cli.Context, env *cliEnv) error {
	args := c.Args().Slice()
	if len(args) > 1 {
		return usageErrorf("unexpected argument %q", args[1])
	}
	path := "jupyterhub_config.py"
	if len(args) == 1 {
		path = args[0]
	}
	from, err := upgradeVersion(c, "from")
	if err != nil {
		return err
	}
	to, err := upgradeVersion(c, "to")
	if err != nil {
		return err
	}
	format := c.String("format")
	if c.Bool("json") {
		format = "json"
	}
	if format != "text" && format != "json" {
		return usageErrorf("--format %q: use text or json", format)
	}
	write := c.Bool("write")
	if c.Bool("dry-run") && !write {
		return usageErrorf("--dry-run goes with --write (upgrade-check alone changes nothing)")
	}
	if write && format == "json" {
		return usageErrorf("--write prints a diff; --json is for the findings alone")
	}
	overrides, err := keyValues(c, "env")
	if err != nil {
		return err
	}
	cwd := c.String("cwd")
	if cwd != "" {
		if st, err := os.Stat(cwd); err != nil || !st.IsDir() {
			return usageErrorf("--cwd %q is not a directory", cwd)
		}
	}
	if _, err := os.Stat(path); err != nil {
		return &validateUnreadable{fmt.Errorf("%s: %w", path, errors.Unwrap(err))}
	}
	read := func() ([]provision.Finding, error) {
		cfg, err := provision.ReadForUpgrade(c.Context, path, provision.ReadOptions{Env: &pyconfig.Environment{Vars: overrides, Inherit: true}, Subconfigs: true, Cwd: cwd})
		if err != nil {
			return nil, &validateUnreadable{err}
		}
		return provision.UpgradeCheck(cfg, from, to), nil
	}
	if !write {
		findings, err := read()
		if err != nil {
			return err
		}
		if format == "text" {
			describeUpgrade(env, from, to)
		}
		return reportFindings(env, findings, format, false)
	}

	res, plan, before, after, err := provision.MigrateUpgrade(c.Context, path, from, to, provision.EditOptions{DryRun: c.Bool("dry-run"), Notify: notifier(env)})
	if err != nil {
		return err
	}
	for _, r := range plan.Refused {
		fmt.Fprintf(env.stderr, "hubctl: left %s of service %q at %s: %s\n", r.What, r.Service, r.Pos, r.Why)
	}
	if !res.Changed {
		fmt.Fprintln(env.stderr, "hubctl: --write: nothing in hubctl's block to migrate; nothing was changed")
	} else {
		fmt.Fprint(env.stdout, maskedDiff(path, res, before, after))
		for _, s := range plan.Steps {
			fmt.Fprintf(env.stderr, "hubctl: service %q: %s\n", s.Service, s.Note)
		}
		if c.Bool("dry-run") {
			fmt.Fprintln(env.stderr, "hubctl: --dry-run: nothing was changed")
			return nil
		}
		fmt.Fprintf(env.stderr, "hubctl: migrated %d %s in %s; restart the Hub to apply it\n", len(plan.Steps), plural(len(plan.Steps), "service", "services"), path)
		reportWrite(env, path, res)
	}
	findings, err := read()
	if err != nil {
		return err
	}
	errs, warns := 0, 0
	for _, f := range findings {
		if f.Severity == provision.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	fmt.Fprintf(env.stderr, "hubctl: %s remain for JupyterHub %s (`hubctl config upgrade-check --from %s --to %s %s` lists them)\n", tally(errs, warns), to, c.String("from"), c.String("to"), path)
	if errs > 0 {
		return &findingsError{errors: errs, warnings: warns}
	}
	return nil
}

// describeUpgrade says on stderr what the facts change between the two
// releases, whatever the config: the service keys and scopes each has that
// the other lacks.
func describeUpgrade(env *cliEnv, from, to hub.Version) {
	diff := func(what string, a, b []string) string {
		var added, removed []string
		for _, k := range b {
			if !slices.Contains(a, k) {
				added = append(added, k)
			}
		}
		for _, k := range a {
			if !slices.Contains(b, k) {
				removed = append(removed, k)
			}
		}
		if len(added)+len(removed) == 0 {
			return "the same " + what
		}
		var parts []string
		if len(added) > 0 {
			parts = append(parts, what+" added: "+strings.Join(added, ", "))
		}
		if len(removed) > 0 {
			parts = append(parts, what+" gone: "+strings.Join(removed, ", "))
		}
		return strings.Join(parts, "; ")
	}
	fmt.Fprintf(env.stderr, "hubctl: JupyterHub %s → %s: %s; %s\n", from, to,
		diff("service keys", hub.ServiceKeys(from), hub.ServiceKeys(to)), diff("scopes", hub.Scopes(from), hub.Scopes(to)))
}
