package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/hubtokens"
	"github.com/hubctl/hubctl/internal/shellwords"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tokens"
)

// rotateOptions is what `hubctl token rotate` was asked.
type rotateOptions struct {
	name, config, url string
	clientFor         func(token string) (*cull.Client, error) // with --confirm and --revoke-old
	confirm, revoke   bool
	restart           []string // the restart command, split
	wait              time.Duration
	yes, dryRun       bool
}

func tokenRotateCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "give a service a new token in the config and the keyring; confirm with the Hub; revoke the old one",
		ArgsUsage: "NAME",
		Description: "Without --confirm: a new token for service NAME of hubctl's block, in the config\n" +
			"and in the keyring; the old one stays in the keyring as NAME.previous. After the\n" +
			"Hub's restart, --confirm checks with the Hub that the new token is the service's\n" +
			"and the old one is refused (403). JupyterHub 3.0 to 5.x keep the old token valid\n" +
			"across restarts: --revoke-old --restart-command CMD restarts the Hub once without\n" +
			"the service (which deletes it and its tokens) and once with it.\n\n" +
			"Example:\n" +
			"   hubctl token rotate announcement\n" +
			"   hubctl token rotate announcement --confirm\n" +
			"   hubctl token rotate announcement --revoke-old --restart-command 'systemctl restart jupyterhub'",
		Flags: append([]cli.Flag{
			configFlag(),
			hubVersionFlag(),
			withEnv(&cli.StringFlag{Name: "url", Value: cull.DefaultURL, Usage: "the Hub API `URL`"}, env, "JUPYTERHUB_API_URL"),
			&cli.BoolFlag{Name: "confirm", Aliases: []string{"verify"}, Usage: "after the restart: check that the Hub takes the new token and refuses the old one; then forget the old one"},
			&cli.BoolFlag{Name: "revoke-old", Usage: "restart the Hub without the service and then with it, so that it forgets the old token (needs --restart-command)"},
			&cli.StringFlag{Name: "restart-command", Usage: "how this Hub restarts, split like a shell would (`CMD`), e.g. 'systemctl restart jupyterhub'"},
			&cli.StringFlag{Name: "wait", Value: "2m", Usage: "bound on each restart and the wait for the Hub to answer (`DURATION`)"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "with --revoke-old: do not ask before restarting the Hub"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the config change as a diff (tokens masked); change nothing"},
			insecureStorageFlag(env),
		}, tlsFlags()...),
		Action: func(c *cli.Context) error {
			args, err := positional(c, "name")
			if err != nil {
				return err
			}
			o := rotateOptions{name: args[0], config: c.String("config"), url: c.String("url"), confirm: c.Bool("confirm"),
				revoke: c.Bool("revoke-old"), yes: c.Bool("yes"), dryRun: c.Bool("dry-run")}
			if err := tokens.ValidateName(o.name); err != nil {
				return usageErrorf("service name: %w", err)
			}
			if o.wait, err = durationFlag("wait", c.String("wait"), time.Hour, "1h"); err != nil {
				return err
			}
			switch {
			case o.confirm && o.revoke:
				return usageErrorf("--confirm and --revoke-old: --revoke-old confirms at its end")
			case o.dryRun && (o.confirm || o.revoke):
				return usageErrorf("--dry-run is for the rotation itself; --confirm and --revoke-old change nothing that a diff shows")
			case o.revoke && c.String("restart-command") == "":
				return usageErrorf("--revoke-old needs --restart-command CMD: how this Hub restarts, e.g. 'systemctl restart jupyterhub'")
			case !o.revoke && c.IsSet("restart-command"):
				return usageErrorf("--restart-command is for --revoke-old")
			case o.yes && !o.revoke:
				return usageErrorf("--yes is for --revoke-old")
			}
			if o.revoke {
				if o.restart, err = shellwords.Split(c.String("restart-command")); err != nil {
					return usageErrorf("--restart-command: %v", err)
				}
				if len(o.restart) == 0 {
					return usageErrorf("--restart-command is empty")
				}
			}
			if o.confirm || o.revoke {
				// The connection of hubFlags, with the rotation's new and
				// old token instead of hubctl's.
				cfg, err := hubConnConfig(c, env, warner(env))
				if err != nil {
					return err
				}
				o.clientFor = func(token string) (*cull.Client, error) {
					cc := cfg
					cc.Token = token
					return cull.NewClient(cc)
				}
			}
			store, err := openStore(c, env)
			if err != nil {
				return err
			}
			if o.confirm {
				return rotateConfirm(c.Context, env, o, store)
			}
			v, err := hubVersion(c, env)
			if err != nil {
				return err
			}
			edit := provision.EditOptions{DryRun: o.dryRun, Version: v, Notify: notifier(env)}
			if o.revoke {
				return rotateRevoke(c.Context, env, o, store, edit)
			}
			return rotate(c.Context, env, o, store, edit, true)
		},
	}
}

// rotate is the rotation itself, and (with next) what the admin must do next.
func rotate(ctx context.Context, env *cliEnv, o rotateOptions, store tokens.Store, edit provision.EditOptions, next bool) error {
	rot, err := hubtokens.Rotate(ctx, hubtokens.RotateOptions{Config: o.config, Name: o.name, Store: store, Edit: edit})
	if rot != nil && rot.Result != nil && !o.dryRun && err != nil {
		reportWrite(env, o.config, rot.Result)
	}
	if err != nil {
		return err
	}
	say := notifier(env)
	if rot.Form == provision.TokenEnv {
		if o.dryRun {
			say(fmt.Sprintf("--dry-run: %s reads the token of %q from the Hub's environment (%s), so the config would not change; the new token would go to the keyring as %q", o.config, o.name, rot.EnvVar, o.name))
			say("--dry-run: nothing was changed")
			return nil
		}
		if rot.KeptPrevious {
			say(fmt.Sprintf("stored a new token for %q in %s; the old one is kept there as %q", o.name, store, hubtokens.PreviousName(o.name)))
		} else {
			say(fmt.Sprintf("stored a new token for %q in %s; it had no old one to keep as %q, so hubctl cannot check that the Hub refuses the old value (--confirm needs it)", o.name, store, hubtokens.PreviousName(o.name)))
		}
		say(fmt.Sprintf("the token is not rotated yet: %s takes it from the Hub's environment variable %s, which hubctl does not write. "+
			"Set %s to the new token (`hubctl token get %s`) where the Hub's environment is set (e.g. the EnvironmentFile of its systemd unit), "+
			"restart the Hub, then run `hubctl token rotate %s --confirm`", o.config, rot.EnvVar, rot.EnvVar, o.name, o.name))
		return nil
	}
	if o.dryRun {
		fmt.Fprint(env.stdout, maskedDiff(o.config, rot.Result, rot.Before, rot.After))
		say("--dry-run: nothing was changed")
		return nil
	}
	reportWrite(env, o.config, rot.Result)
	say(fmt.Sprintf("rotated the token of service %q: the new one is in %s and in %s as %q; the old one is kept as %q until the rotation is confirmed",
		o.name, o.config, store, o.name, hubtokens.PreviousName(o.name)))
	if next {
		say(fmt.Sprintf("restart the Hub, then run `hubctl token rotate %s --confirm`", o.name))
		say(fmt.Sprintf("note: %s; `hubctl token rotate %s --revoke-old --restart-command CMD` does that", hub.RevokeOldConfigTokenHow(edit.Version), o.name))
	}
	return nil
}

func rotateConfirm(ctx context.Context, env *cliEnv, o rotateOptions, store tokens.Store) error {
	res, err := hubtokens.Confirm(ctx, hubtokens.ConfirmOptions{Config: o.config, Name: o.name, Store: store, URL: o.url, ClientFor: o.clientFor})
	if err != nil {
		return err
	}
	reportConfirmed(env, o.name, store, res)
	return nil
}

func reportConfirmed(env *cliEnv, name string, store tokens.Store, res *hubtokens.Confirmed) {
	say := notifier(env)
	if res.Stored {
		say(fmt.Sprintf("stored the new token in %s as %q (the rotation's last step had not)", store, name))
	}
	say(fmt.Sprintf("JupyterHub %s takes the new token as service %q and refuses the old one (403): the rotation is confirmed; deleted %q from %s",
		res.HubVersion, res.Identity.Name, hubtokens.PreviousName(name), store))
}

func rotateRevoke(ctx context.Context, env *cliEnv, o rotateOptions, store tokens.Store, edit provision.EditOptions) error {
	say := notifier(env)
	plan, err := hubtokens.PlanRevoke(ctx, o.config, o.name)
	if err != nil {
		return err
	}
	say(fmt.Sprintf("to revoke the old token of %q, hubctl takes the service%s out of %s, runs `%s`, checks that the Hub refuses both tokens, puts the service back with the new token and runs `%s` again",
		o.name, rolesText(plan.Roles), o.config, strings.Join(o.restart, " "), strings.Join(o.restart, " ")))
	for _, n := range plan.Notes {
		say("note: " + n)
	}
	if !o.yes {
		ok, err := askYes(env, "Restart the Hub twice now?")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not confirmed; nothing was changed")
		}
	}
	if _, err := store.Get(hubtokens.PreviousName(o.name)); errors.Is(err, tokens.ErrNotFound) {
		if plan.Service.Token == provision.TokenEnv {
			return &tokens.HintError{Err: fmt.Errorf("%q takes its token from the Hub's environment (%s), which hubctl does not write: the sequence would restart the Hub with the old token", o.name, plan.Service.TokenEnvVar),
				Next: fmt.Sprintf("run `hubctl token rotate %s`, set %s in the Hub's environment to the new token, then `--revoke-old` again", o.name, plan.Service.TokenEnvVar)}
		}
		if err := rotate(ctx, env, o, store, edit, false); err != nil {
			return err
		}
		// The plan read the old token: the sequence needs the new one.
		if plan, err = hubtokens.PlanRevoke(ctx, o.config, o.name); err != nil {
			return err
		}
	} else if err != nil {
		return err
	} else {
		say(fmt.Sprintf("a rotation of %q is pending (%q is in %s): revoking its old token", o.name, hubtokens.PreviousName(o.name), store))
	}
	res, err := hubtokens.RevokeOld(ctx, hubtokens.RevokeOptions{Config: o.config, Name: o.name, Plan: plan, Store: store, URL: o.url, ClientFor: o.clientFor, Edit: edit,
		Restart: func(ctx context.Context) error { return runRestart(ctx, env, o.restart) }, Wait: o.wait, Say: say})
	if err != nil {
		return err
	}
	reportConfirmed(env, o.name, store, res)
	return nil
}

func rolesText(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return " and its role entries (" + strings.Join(roles, ", ") + ")"
}

// askYes asks on the terminal; without one, the answer is --yes.
func askYes(env *cliEnv, question string) (bool, error) {
	f, ok := env.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, usageErrorf("--revoke-old restarts the Hub twice: pass --yes, or run it on a terminal to be asked")
	}
	fmt.Fprintf(env.stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("reading the answer: %w", err)
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// runRestart runs the restart command with its output on stderr. Its
// environment is hubctl's less every variable that may hold a token; it
// ends with ctx (SIGTERM, then SIGKILL 5 s later).
func runRestart(ctx context.Context, env *cliEnv, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = env.stderr, env.stderr
	cmd.Env = restartEnviron(os.Environ())
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("`%s` did not finish: %w", argv[0], context.Cause(ctx))
		}
		return fmt.Errorf("`%s`: %w", argv[0], err)
	}
	return nil
}

// restartEnviron drops the variables hubctl and the Hub's services read
// tokens from.
func restartEnviron(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k == "JUPYTERHUB_API_TOKEN" || k == "JPY_API_TOKEN" || strings.HasPrefix(k, "HUBCTL_TOKEN_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
