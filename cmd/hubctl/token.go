package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/hubctl/hubctl/tokens"
)

// insecureStorageFlag picks the 0600 file store over the keyring. It sits on
// each command that opens the store, so it can be given where users type it.
func insecureStorageFlag(env *cliEnv) cli.Flag {
	return withEnv(&cli.BoolFlag{
		Name:  "insecure-storage",
		Usage: "keep tokens in a plain-text file of mode 0600 under ~/.config/hubctl instead of the OS keyring",
	}, env, "HUBCTL_INSECURE_STORAGE")
}

func tokenCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "generate API tokens and passwords; keep tokens in the OS keyring",
		Description: "Example:\n" +
			"   hubctl token new --store cull-idle\n" +
			"   JUPYTERHUB_API_TOKEN=$(hubctl token get cull-idle) hubctl cull --once",
		Subcommands: []*cli.Command{
			tokenNewCommand(env),
			tokenPasswordCommand(env),
			tokenSetCommand(env),
			tokenGetCommand(env),
			tokenListCommand(env),
			tokenDeleteCommand(env),
			tokenRotateCommand(env),
			tokenRequestCommand(env),
			tokenAuditCommand(env),
			tokenRevokeCommand(env),
		},
	}
}

func tokenNewCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "new",
		Usage: "print a new random API token (like `openssl rand -hex 32`)",
		Description: "Reads --bytes random bytes from the OS (crypto/rand) and prints them as\n" +
			"lowercase hex (2 characters a byte) or unpadded base64url, and a newline.\n\n" +
			"Example:\n" +
			"   hubctl token new                      # 64 hex characters\n" +
			"   hubctl token new --store cull-idle    # also keep it in the keyring",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "bytes", Value: tokens.DefaultBytes, Usage: fmt.Sprintf("random bytes in the token (%d to %d)", tokens.MinBytes, tokens.MaxBytes)},
			&cli.StringFlag{Name: "format", Value: string(tokens.Hex), Usage: "hex or base64url"},
			&cli.StringFlag{Name: "store", Usage: "also keep the token in the keyring under `NAME`"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "with --store, do not print the token"},
			insecureStorageFlag(env),
		},
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			n := c.Int("bytes")
			if n < tokens.MinBytes || n > tokens.MaxBytes {
				return usageErrorf("--bytes %d is out of range: use %d to %d (128 bits is the floor; the Hub needs at least 8 characters)", n, tokens.MinBytes, tokens.MaxBytes)
			}
			format, err := tokens.ParseFormat(c.String("format"))
			if err != nil {
				return usageErrorf("--format: %w", err)
			}
			name := c.String("store")
			if name != "" {
				if err := tokens.ValidateName(name); err != nil {
					return usageErrorf("--store: %w", err)
				}
			} else if c.Bool("quiet") {
				return usageErrorf("--quiet without --store would throw the token away")
			}
			tok, err := tokens.New(n, format)
			if err != nil {
				return err
			}
			if name != "" {
				store, err := openStore(c, env)
				if err != nil {
					return err
				}
				if err := store.Set(name, tok); err != nil {
					return err
				}
				fmt.Fprintf(env.stderr, "hubctl: stored token %q in %s\n", name, store)
			}
			if !c.Bool("quiet") {
				fmt.Fprintln(env.stdout, tok)
			}
			return nil
		},
	}
}

func tokenPasswordCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "password",
		Usage: "print a random password for people (e.g. DummyAuthenticator.password)",
		Description: "Letters, digits and symbols that need no escaping in Python, shell or YAML\n" +
			"(never \" ' \\ $ or a backtick).\n\n" +
			"Example:\n" +
			"   hubctl token password --length 32 --symbols 0",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "length", Value: tokens.DefaultPasswordLength, Usage: fmt.Sprintf("characters in the password (%d to %d)", tokens.MinPasswordLength, tokens.MaxPasswordLength)},
			&cli.IntFlag{Name: "digits", Value: tokens.DefaultPasswordDigits, Usage: "how many of them are digits"},
			&cli.IntFlag{Name: "symbols", Value: tokens.DefaultPasswordSymbol, Usage: "how many of them are symbols from " + tokens.PasswordSymbols},
		},
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			pw, err := tokens.Password(c.Int("length"), c.Int("digits"), c.Int("symbols"))
			if err != nil {
				return &usageError{err: err}
			}
			fmt.Fprintln(env.stdout, pw)
			return nil
		},
	}
}

func tokenSetCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "store a token read from standard input",
		ArgsUsage: "NAME",
		Description: "The token is read from standard input, never from the command line, where\n" +
			"`ps` would show it. One trailing newline is dropped.\n\n" +
			"Example:\n" +
			"   openssl rand -hex 32 | hubctl token set cull-idle",
		Flags: []cli.Flag{insecureStorageFlag(env)},
		Action: func(c *cli.Context) error {
			args, err := positional(c, "name")
			if err != nil {
				return err
			}
			if err := tokens.ValidateName(args[0]); err != nil {
				return &usageError{err: err}
			}
			secret, err := readSecret(env)
			if err != nil {
				return err
			}
			store, err := openStore(c, env)
			if err != nil {
				return err
			}
			if err := store.Set(args[0], secret); err != nil {
				return err
			}
			fmt.Fprintf(env.stderr, "hubctl: stored token %q in %s\n", args[0], store)
			return nil
		},
	}
}

func tokenGetCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print a stored token",
		ArgsUsage: "NAME",
		Description: "Example:\n" +
			"   JUPYTERHUB_API_TOKEN=$(hubctl token get cull-idle) hubctl cull --once",
		Flags: []cli.Flag{insecureStorageFlag(env)},
		Action: func(c *cli.Context) error {
			name, store, err := namedStore(c, env)
			if err != nil {
				return err
			}
			secret, err := store.Get(name)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.stdout, secret)
			return nil
		},
	}
}

func tokenListCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the names of stored tokens (never their values)",
		Description: "Example:\n" +
			"   hubctl token list --json",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array of names"},
			insecureStorageFlag(env),
		},
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			store, err := openStore(c, env)
			if err != nil {
				return err
			}
			names, err := store.List()
			if err != nil {
				return err
			}
			if c.Bool("json") {
				out, err := json.Marshal(names)
				if err != nil {
					return err
				}
				fmt.Fprintln(env.stdout, string(out))
				return nil
			}
			for _, n := range names {
				fmt.Fprintln(env.stdout, n)
			}
			return nil
		},
	}
}

func tokenDeleteCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "delete a stored token",
		ArgsUsage: "NAME",
		Description: "Example:\n" +
			"   hubctl token delete cull-idle",
		Flags: []cli.Flag{insecureStorageFlag(env)},
		Action: func(c *cli.Context) error {
			name, store, err := namedStore(c, env)
			if err != nil {
				return err
			}
			if err := store.Delete(name); err != nil {
				return err
			}
			fmt.Fprintf(env.stderr, "hubctl: deleted token %q from %s\n", name, store)
			return nil
		},
	}
}

// namedStore reads a command's NAME argument, checks it, and opens the store.
func namedStore(c *cli.Context, env *cliEnv) (string, tokens.Store, error) {
	args, err := positional(c, "name")
	if err != nil {
		return "", nil, err
	}
	if err := tokens.ValidateName(args[0]); err != nil {
		return "", nil, &usageError{err: err}
	}
	store, err := openStore(c, env)
	return args[0], store, err
}

// openStore returns the keyring, or the 0600 file with a warning when the
// user asked for --insecure-storage.
func openStore(c *cli.Context, env *cliEnv) (tokens.Store, error) {
	if c.Bool("insecure-storage") {
		path, err := tokens.DefaultFilePath()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(env.stderr, "hubctl: warning: --insecure-storage: tokens are kept in plain text in %s (mode 0600)\n", path)
		return &tokens.File{Path: path, Context: c.Context, Waiting: lockWaitNotice(env)}, nil
	}
	if env.keyring != nil {
		return env.keyring, nil
	}
	k := tokens.NewKeyring()
	k.Context = c.Context // Ctrl-C ends a wait for the index lock
	k.Waiting = lockWaitNotice(env)
	return k, nil
}

// lockWaitNotice says on stderr why a store update is waiting.
func lockWaitNotice(env *cliEnv) func(lock, holder string) {
	return func(lock, holder string) {
		if holder != "" {
			holder = ", held by " + holder
		}
		fmt.Fprintf(env.stderr, "hubctl: waiting for the lock %s%s: another hubctl is storing or deleting a token (Ctrl-C to give up)\n", lock, holder)
	}
}

// maxSecret bounds what `token set` reads from standard input.
const maxSecret = 64 << 10

// readSecret reads a token from standard input: with echo off when it is a
// terminal, else the whole input less one trailing newline.
func readSecret(env *cliEnv) (string, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.stderr, "Token (input is hidden): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the token from the terminal: %w", err)
		}
		return checkSecret(string(b))
	}
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(env.stdin), maxSecret+1))
	if err != nil {
		return "", fmt.Errorf("reading the token from standard input: %w", err)
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("standard input holds more than %d bytes: that is not a token", maxSecret)
	}
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	return checkSecret(s)
}

func checkSecret(s string) (string, error) {
	switch {
	case s == "":
		return "", &usageError{msg: "no token on standard input", hint: "pipe it in: `openssl rand -hex 32 | hubctl token set NAME`, or `hubctl token new --store NAME`"}
	case strings.ContainsAny(s, "\r\n\x00"):
		return "", errors.New("the token on standard input spans several lines or holds a NUL byte; a token is one line")
	}
	return s, nil
}
