package main

import (
	"cmp"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hubtokens"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/pyconfig"
)

func tokenAuditCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "list every user's tokens the Hub will tell about, and flag the risky ones",
		Description: "For each user (GET /users) its tokens (GET /users/NAME/tokens): owner, id, kind (api, or\n" +
			"oauth: issued to a client other than the Hub itself), note, scopes, created, expires, last used.\n" +
			"hubctl's token needs list:users and read:tokens (checked first, with one GET /user).\n" +
			"Services' tokens cannot be listed on any JupyterHub up to 5.2 (no endpoint): the output says so.\n\n" +
			"Flags:\n" +
			"   no-expiry      expires_at is null\n" +
			"   unused         not used for --unused-for (a token never used counts from its creation)\n" +
			"   " + strings.Replace(hubtokens.BroadDefinition, "broad = ", "broad          ", 1) + "\n" +
			"   not-in-config  (--config, 5.0+) a user token \"from config\" that no token of FILE is\n\n" +
			"With --config FILE, each token the config holds (a service's api_token literal, its\n" +
			"environment variable if set here, the keyring entry named like the service, the keys of\n" +
			"c.JupyterHub.api_tokens) is checked with GET /user: 403 means the Hub does not know it.\n\n" +
			"Example:\n" +
			"   hubctl token audit --token-name hubctl-admin --unused-for 30d\n" +
			"   JUPYTERHUB_API_TOKEN=... hubctl token audit --json --config /etc/jupyterhub/jupyterhub_config.py",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.StringFlag{Name: "unused-for", Value: "90d", Usage: "flag tokens not used for this `DURATION` (90d, 12h, 30m)"},
			&cli.StringFlag{Name: "config", Usage: "also check the tokens jupyterhub_config.py `FILE` holds"},
		}, hubFlags(env)...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			unused, err := unusedFlag(c)
			if err != nil {
				return err
			}
			opts := hubtokens.AuditOptions{UnusedFor: unused}
			var skipped []string
			if path := c.String("config"); path != "" {
				if opts.ConfigTokens, skipped, err = configTokens(c, env, path); err != nil {
					return err
				}
			}
			client, cfg, err := hubClient(c, env, 2)
			if err != nil {
				return err
			}
			opts.ClientFor = func(token string) (*cull.Client, error) {
				other := cfg
				other.Token, other.Retries = token, 1
				return cull.NewClient(other)
			}
			s, err := hubtokens.Connect(c.Context, client)
			if err != nil {
				return err
			}
			report, err := hubtokens.Audit(c.Context, s, opts)
			if err != nil {
				return err
			}
			report.Notes = append(report.Notes, skipped...)
			if c.Bool("json") {
				return printJSON(env, report)
			}
			printAudit(env, report)
			return nil
		},
	}
}

// unusedFlag reads --unused-for: a positive duration.
func unusedFlag(c *cli.Context) (time.Duration, error) {
	d, err := tokenDuration("unused-for", c.String("unused-for"))
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, usageErrorf("--unused-for must be positive, e.g. 90d")
	}
	return d, nil
}

// configTokens reads the tokens a config holds, and says which it could
// not read.
func configTokens(c *cli.Context, env *cliEnv, path string) ([]hubtokens.ConfigToken, []string, error) {
	cfg, err := provision.Read(c.Context, path)
	if err != nil {
		return nil, nil, err
	}
	store, storeErr := openStore(c, env)
	var out []hubtokens.ConfigToken
	var skipped []string
	for _, fs := range cfg.AllServices() {
		svc := fs.Service
		if svc.Name == "" {
			continue
		}
		switch svc.Token {
		case provision.TokenLiteral:
			out = append(out, hubtokens.ConfigToken{Service: svc.Name, Source: fmt.Sprintf("service %s's api_token at %s", svc.Name, fs.Pos), Secret: svc.APIToken})
		case provision.TokenEnv:
			if v := env.getenv(svc.TokenEnvVar); v != "" {
				out = append(out, hubtokens.ConfigToken{Service: svc.Name, Source: fmt.Sprintf("service %s's api_token from $%s", svc.Name, svc.TokenEnvVar), Secret: v})
			} else {
				skipped = append(skipped, fmt.Sprintf("service %s's api_token is $%s (%s), which is not set here: not checked", svc.Name, svc.TokenEnvVar, fs.Pos))
			}
		case provision.TokenUnknown:
			skipped = append(skipped, fmt.Sprintf("service %s's api_token at %s is an expression hubctl does not evaluate: not checked", svc.Name, fs.Pos))
		}
		if storeErr == nil {
			if v, err := store.Get(svc.Name); err == nil && v != "" {
				out = append(out, hubtokens.ConfigToken{Service: svc.Name, Source: fmt.Sprintf("keyring entry %q (service %s)", svc.Name, svc.Name), Secret: v})
			}
		}
	}
	for _, k := range cfg.APITokens {
		if k.Kind == pyconfig.KindStr {
			out = append(out, hubtokens.ConfigToken{Source: fmt.Sprintf("c.JupyterHub.api_tokens key at %s", k.Pos), Secret: k.Str})
		}
	}
	return out, skipped, nil
}

func printAudit(env *cliEnv, r *hubtokens.AuditReport) {
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "OWNER\tID\tKIND\tCREATED\tLAST USED\tEXPIRES\tFLAGS\tNOTE\tSCOPES")
	counts := map[string]int{}
	for _, t := range r.Tokens {
		flags := strings.Join(t.Flags, ",")
		if t.Self {
			flags = strings.TrimPrefix(flags+",in-use-by-hubctl", ",")
		}
		for _, f := range t.Flags {
			counts[f]++
		}
		kind := t.Kind
		if t.IsOAuth() {
			kind += " (" + t.OAuthClient + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cull.Escape(t.Owner), cull.Escape(t.ID), cull.Escape(kind), when(t.Created, "-"),
			when(t.LastActivity, "never"), when(t.ExpiresAt, "never"), cmp.Or(flags, "-"), cull.Escape(cmp.Or(t.Note, "-")), cull.Escape(scopeSummary(t.Scopes)))
	}
	w.Flush()
	fmt.Fprintf(env.stdout, "\n%d tokens of %d users (JupyterHub %s, asked as %s); no-expiry: %d, unused for %s: %d, broad: %d\n",
		len(r.Tokens), r.Users, r.HubVersion, r.Requester, counts[hubtokens.FlagNoExpiry], r.UnusedFor, counts[hubtokens.FlagUnused], counts[hubtokens.FlagBroad])
	fmt.Fprintln(env.stdout, hubtokens.BroadDefinition)
	if len(r.Config) > 0 {
		fmt.Fprintln(env.stdout)
		w = tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CONFIG TOKEN\tHUB KNOWS IT\tDETAIL")
		for _, f := range r.Config {
			known := "no"
			if f.Known {
				known = "yes"
				if f.TokenID != "" {
					known += " (" + f.TokenID + ")"
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", cull.Escape(f.Source), known, f.Detail)
		}
		w.Flush()
	}
	for _, n := range r.Notes {
		fmt.Fprintln(env.stdout, "note: "+n)
	}
}

// scopeSummary shows up to maxScopesShown scopes; --json has them all.
func scopeSummary(scopes []string) string {
	const maxScopesShown = 6
	if len(scopes) <= maxScopesShown {
		return strings.Join(scopes, " ")
	}
	return strings.Join(scopes[:maxScopesShown], " ") + fmt.Sprintf(" (+%d more; --json lists all)", len(scopes)-maxScopesShown)
}

func when(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
