package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hubtokens"
)

func tokenRevokeCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "revoke",
		Usage: "delete a user's token on the Hub, or every token unused for a while",
		Description: "DELETE /users/NAME/tokens/ID; hubctl's token needs the tokens scope (and list:users\n" +
			"with --unused-for). A token never used counts from its creation. hubctl never revokes\n" +
			"the token it is using: from JupyterHub 5.0 it knows which (GET /user's token_id); before,\n" +
			"when its token is a user's, it leaves all of that user's tokens alone. Deleting an\n" +
			"OAuth token makes the Hub delete all of that user's tokens of the same client: hubctl\n" +
			"says so first, and --unused-for keeps such a token while another of the client is in use.\n\n" +
			"Example:\n" +
			"   hubctl token revoke --user alice --id a42\n" +
			"   hubctl token revoke --unused-for 90d --dry-run\n" +
			"   hubctl token revoke --unused-for 90d --yes",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "user", Usage: "the `NAME` of the token's owner (with --id)"},
			&cli.StringFlag{Name: "id", Usage: "the token's `ID`, e.g. a42, as `hubctl token audit` shows it"},
			&cli.StringFlag{Name: "unused-for", Usage: "revoke every user token not used for this `DURATION` (90d, 12h, 30m)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be revoked, revoke nothing"},
			&cli.BoolFlag{Name: "yes", Usage: "with --unused-for, revoke them"},
		}, hubFlags(env)...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			user, id, bulk := c.String("user"), c.String("id"), c.IsSet("unused-for")
			dryRun, yes := c.Bool("dry-run"), c.Bool("yes")
			var unused time.Duration
			switch {
			case bulk && (user != "" || id != ""):
				return usageErrorf("--unused-for revokes across all users: it does not go with --user or --id")
			case bulk && dryRun == yes:
				return usageErrorf("--unused-for needs exactly one of --dry-run (list what would go) and --yes (revoke it)")
			case !bulk && (user == "" || id == ""):
				return usageErrorf("give --user NAME and --id ID, or --unused-for DURATION with --dry-run or --yes")
			case !bulk && yes:
				return usageErrorf("--yes goes with --unused-for; --user and --id revoke one token as asked")
			case bulk:
				var err error
				if unused, err = unusedFlag(c); err != nil {
					return err
				}
			}
			s, err := tokenSession(c, env, 2)
			if err != nil {
				return err
			}
			var plan *hubtokens.RevokePlan
			if bulk {
				plan, err = hubtokens.PlanUnused(c.Context, s, unused, time.Now())
			} else {
				plan, err = hubtokens.PlanOne(c.Context, s, user, id)
			}
			if err != nil {
				return err
			}
			for _, k := range plan.Keep {
				fmt.Fprintf(env.stdout, "keep    %s of user %s: %s\n", cull.Escape(k.Token.ID), cull.Escape(k.Token.Owner), k.Why)
			}
			for _, r := range plan.Revoke {
				if r.Token.IsOAuth() {
					also := "no other token of it now"
					if len(r.Also) > 0 {
						also = "its tokens " + strings.Join(r.Also, ", ") + " too"
					}
					fmt.Fprintf(env.stderr, "hubctl: %s of user %s is an OAuth token of client %q: the Hub deletes all of %s's tokens of that client with it (%s)\n",
						cull.Escape(r.Token.ID), cull.Escape(r.Token.Owner), cull.Escape(r.Token.OAuthClient), cull.Escape(r.Token.Owner), also)
				}
				if dryRun {
					fmt.Fprintf(env.stdout, "would revoke %s of user %s (%s; note %q)\n", cull.Escape(r.Token.ID), cull.Escape(r.Token.Owner), r.Why, cull.Escape(r.Token.Note))
				}
			}
			if dryRun {
				fmt.Fprintf(env.stderr, "hubctl: dry run: %d tokens would be revoked, %d kept\n", len(plan.Revoke), len(plan.Keep))
				return nil
			}
			n := 0
			err = hubtokens.Execute(c.Context, s, plan, func(r hubtokens.Revocation, gone bool) {
				if gone {
					fmt.Fprintf(env.stdout, "gone    %s of user %s: the Hub had deleted it already\n", cull.Escape(r.Token.ID), cull.Escape(r.Token.Owner))
					return
				}
				n++
				fmt.Fprintf(env.stdout, "revoked %s of user %s (%s; note %q)\n", cull.Escape(r.Token.ID), cull.Escape(r.Token.Owner), r.Why, cull.Escape(r.Token.Note))
			})
			if bulk {
				fmt.Fprintf(env.stderr, "hubctl: revoked %d %s, kept %d\n", n, plural(n, "token", "tokens"), len(plan.Keep))
			}
			return err
		},
	}
}
