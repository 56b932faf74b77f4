package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/hubtokens"
	"github.com/hubctl/hubctl/tokens"
)

func tokenRequestCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "request",
		Usage: "ask the Hub for a new token of a user (POST /users/NAME/tokens)",
		Description: "The CLI form of the Hub's token page. hubctl's own token (JUPYTERHUB_API_TOKEN or\n" +
			"--token-name) needs the " + hub.TokenRequestScope + " scope covering the user (a service: unfiltered).\n" +
			"The Hub checks the new token's scopes against the user who will own it, not against\n" +
			"hubctl's token. Without --scope the token has all of the user's scopes (inherit).\n" +
			"The token is printed once on standard output, or with --store only kept in the keyring.\n\n" +
			"Example:\n" +
			"   hubctl token request --user alice --scope 'read:users!user=alice' --expires-in 30d --note ci\n" +
			"   hubctl token request --user alice --expires-in 12h --store alice-ci",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "user", Usage: "the `NAME` of the user who will own the token"},
			&repeatableFlag{Name: "scope", Usage: "a `SCOPE` for the token, e.g. read:users!user=alice (repeatable; none: all of the user's scopes)"},
			&cli.StringFlag{Name: "expires-in", Usage: "the token's lifetime, a `DURATION` like 90d, 12h or 30m (default: never expires, or on 5.1+ the Hub's token_expires_in_max_seconds)"},
			&cli.StringFlag{Name: "note", Usage: "the token's note (`TEXT`; default: the Hub's \"Requested via api by ...\")"},
			&cli.StringFlag{Name: "store", Usage: "keep the token in the keyring under `KEY` and do not print it"},
		}, hubFlags(env)...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			opts := hubtokens.RequestOptions{User: c.String("user"), Scopes: repeated(c, "scope"), Note: c.String("note")}
			if opts.User == "" {
				return usageErrorf("--user NAME is required: the user who will own the token")
			}
			for _, s := range opts.Scopes {
				if strings.TrimSpace(s) == "" {
					return usageErrorf("--scope is empty")
				}
			}
			zeroExpiry := false
			if s := c.String("expires-in"); s != "" {
				d, err := tokenDuration("expires-in", s)
				if err != nil {
					return err
				}
				if d > 0 && d < time.Second {
					return usageErrorf("--expires-in %s is less than a second: the Hub counts whole seconds", s)
				}
				opts.ExpiresIn, zeroExpiry = d, d == 0
			}
			key := c.String("store")
			var store tokens.Store
			if key != "" {
				if err := tokens.ValidateName(key); err != nil {
					return usageErrorf("--store: %w", err)
				}
				// Opened before the Hub is asked: a token the keyring
				// then cannot take would be lost.
				var err error
				if store, err = openStore(c, env); err != nil {
					return err
				}
			}
			s, err := tokenSession(c, env, 0)
			if err != nil {
				return err
			}
			if zeroExpiry {
				if !hub.ExpiresInZeroMeansNever(s.Version) {
					return &usageError{msg: fmt.Sprintf("--expires-in 0: JupyterHub %s makes a token with expires_in 0 that is expired at once", s.Version),
						hint: "leave out --expires-in for a token that never expires"}
				}
				opts.ExpiresIn = 0 // as leaving it out; sending 0 would pass a 5.1+ Hub's maximum
			}
			tok, secret, err := hubtokens.Request(c.Context, s, opts)
			if err != nil {
				return err
			}
			desc := describeNewToken(tok, opts.User)
			if store != nil {
				if err := store.Set(key, secret); err != nil {
					return &tokenLost{err: err, user: opts.User, id: tok.ID}
				}
				fmt.Fprintf(env.stderr, "hubctl: stored %s in %s as %q\n", desc, store, key)
				return nil
			}
			fmt.Fprintf(env.stderr, "hubctl: created %s; it is printed once, below\n", desc)
			fmt.Fprintln(env.stdout, secret)
			return nil
		},
	}
}

// describeNewToken says which token the Hub made, without its secret.
func describeNewToken(t cull.APIToken, user string) string {
	exp := "never expires"
	if t.ExpiresAt != nil {
		exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("token %s of user %s (%d scopes, %s)", cull.Escape(t.ID), cull.Escape(user), len(t.Scopes), exp)
}

// tokenLost is a token the Hub made that the keyring did not take.
type tokenLost struct {
	err      error
	user, id string
}

func (e *tokenLost) Error() string {
	return fmt.Sprintf("the Hub made token %s of user %s, but the keyring did not take it: %v", cull.Escape(e.id), cull.Escape(e.user), e.err)
}
func (e *tokenLost) Unwrap() error { return e.err }
func (e *tokenLost) Hint() string {
	return fmt.Sprintf("nobody holds it now: revoke it with `hubctl token revoke --user %s --id %s`", cull.Escape(e.user), cull.Escape(e.id))
}

// tokenSession connects the token commands to the Hub: the connection
// flags of `hubctl cull` and `hubctl check` (--url, JUPYTERHUB_API_TOKEN
// or --token-name), retries extra attempts after a 5xx or time-out (0: one
// try, for a request the Hub must not get twice), then one GET / and one
// GET /user.
func tokenSession(c *cli.Context, env *cliEnv, retries int) (*hubtokens.Session, error) {
	client, _, err := hubClient(c, env, retries)
	if err != nil {
		return nil, err
	}
	return hubtokens.Connect(c.Context, client)
}
