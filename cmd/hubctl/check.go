package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
)

func checkCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "diagnose a Hub for the culler: reachable, version, token, scopes, clock skew",
		Description: "Exit 0 when every check passes, 1 otherwise.\n\n" +
			"Example:\n" +
			"   hubctl check --token-name cull-idle\n" +
			"   JUPYTERHUB_API_TOKEN=... hubctl check --url http://127.0.0.1:8081/hub/api --json",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "cull-users", Usage: "check the scopes `hubctl cull --cull-users` needs"},
			&cli.StringFlag{Name: "rules", Usage: "check the scopes `hubctl cull --rules FILE` needs (group rules need read:users:groups)"},
			&cli.BoolFlag{Name: "check-kernels", Usage: "check the scopes `hubctl cull --check-kernels` needs"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		}, hubFlags(env)...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			rules, err := cullRules(c)
			if err != nil {
				return err
			}
			client, _, err := hubClient(c, env, reportRetries)
			if err != nil {
				return err
			}
			policy := &cull.Policy{CullUsers: c.Bool("cull-users"), CheckKernels: c.Bool("check-kernels"), Rules: rules}
			report := cull.Check(c.Context, client, policy)
			if c.Bool("json") {
				if err := printJSON(env, report); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(env.stdout, "%-8s %-6s %s\n", "CHECK", "RESULT", "DETAIL")
				for _, r := range report.Results {
					res := "ok"
					if !r.OK {
						res = "FAIL"
					}
					fmt.Fprintf(env.stdout, "%-8s %-6s %s\n", r.Check, res, cull.Escape(r.Detail))
				}
			}
			if !report.OK {
				var failed []string
				for _, r := range report.Results {
					if !r.OK {
						failed = append(failed, r.Check)
					}
				}
				err := &checkFailed{msg: "check failed: " + strings.Join(failed, ", ")}
				if len(report.Missing) > 0 {
					err.hint = (&cull.ScopeError{Kind: report.Kind, Name: report.Name, Missing: report.Missing, Policy: policy}).Hint()
				}
				return err
			}
			return nil
		},
	}
}

// checkFailed is a failed check, with how to grant missing scopes.
type checkFailed struct{ msg, hint string }

func (e *checkFailed) Error() string { return e.msg }
func (e *checkFailed) Hint() string  { return e.hint }

// reportRetries is the retries of a command that reads and reports
// (check, cull --explain): one retry rides out a blip, and a Hub that does
// not answer is reported after two tries, not after the culler's back-off.
const reportRetries = 1

// hubClient is the Hub client of every command with hubFlags (check, cull
// --explain, the token commands), and its configuration for clients of
// other tokens: the flags' connection and hubctl's token (hubClientConfig),
// with retries as cull.ClientConfig.Retries counts them, extra attempts
// after a 5xx, 429, time-out or reset (0: one try per request).
func hubClient(c *cli.Context, env *cliEnv, retries int) (*cull.Client, cull.ClientConfig, error) {
	cfg, err := hubClientConfig(c, env, warner(env))
	if err != nil {
		return nil, cfg, err
	}
	cfg.Retries = retries
	client, err := cull.NewClient(cfg)
	return client, cfg, err
}

// warner prints msg as `hubctl: warning: msg`.
func warner(env *cliEnv) func(string) {
	return func(msg string) { fmt.Fprintln(env.stderr, "hubctl: warning: "+msg) }
}
