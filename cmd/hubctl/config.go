package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/helm"
	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/pyconfig"
	"github.com/hubctl/hubctl/tokens"
)

func configCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "work with jupyterhub_config.py",
		Description: "Example:\n" +
			"   hubctl config validate\n" +
			"   hubctl config upgrade-check --from 3.0 --to 5.2\n" +
			"   hubctl config render",
		Subcommands: []*cli.Command{configValidateCommand(env), configUpgradeCheckCommand(env), {
			Name:  "render",
			Usage: "print hubctl's block (or some of its services), or the same as Helm values, touching nothing",
			Description: "Example:\n" +
				"   hubctl config render --service cull-idle\n" +
				"   hubctl config render --format helm --output hubctl-values.yaml && helm upgrade ... -f hubctl-values.yaml",
			Flags: []cli.Flag{configFlag(), &repeatableFlag{Name: "service", Usage: "only this `NAME` and its roles (repeatable)"},
				&cli.StringFlag{Name: "format", Value: "python", Usage: "python (hubctl's block) or helm (Zero-to-JupyterHub chart values)"},
				&cli.StringFlag{Name: "from-values", TakesFile: true, Usage: "with --format helm, the deployment's Zero-to-JupyterHub values `FILE`: its cull.* settings go into hubctl's culler, its hub.services and hub.loadRoles are kept"},
				&cli.StringFlag{Name: "hubctl-path", Value: helm.DefaultHubctlPath, Usage: "with --format helm, the absolute `PATH` of hubctl in the hub pod; commands that run hubctl run it from there (with --image: " + helm.ImageHubctlPodPath + ")"},
				&cli.StringFlag{Name: "image", Usage: "with --format helm, hubctl's own image `REPO:TAG` (the Dockerfile's): an init container copies hubctl from it into an emptyDir the hub mounts, at " + helm.ImageHubctlPodPath},
				&cli.StringFlag{Name: "existing-secret", Usage: "with --format helm, the Kubernetes Secret `NAME` you manage that holds the services' tokens (hub.existingSecret; keys hub.services.<name>.apiToken): no token goes into the values"},
				&cli.StringFlag{Name: "token", Usage: "with --format helm, the apiToken of each of hubctl's services without a literal token in the block (an env token, or none): `MODE` keyring takes the keyring's, stored under the service's name; new makes one and stores it there. A literal token in the block is kept as it is, since the Hub uses it now"},
				insecureStorageFlag(env),
				&cli.StringFlag{Name: "output", TakesFile: true, Usage: "write to `FILE`, a new file of mode 0600, instead of stdout (the output holds literal tokens)"}},
			Action: func(c *cli.Context) error {
				if _, err := positional(c); err != nil {
					return err
				}
				return configRender(c, env)
			},
		}},
	}
}

func configRender(c *cli.Context, env *cliEnv) error {
	path, out := c.String("config"), c.String("output")
	if out != "" {
		st, err := os.Stat(out)
		if err == nil && st.IsDir() {
			return usageErrorf("--output %s: a directory; name the file to write", out)
		}
		// Rendering over the config would replace it with its block alone.
		if cst, cerr := os.Stat(path); err == nil && cerr == nil && os.SameFile(st, cst) {
			return usageErrorf("--output %s is the config itself (--config %s); name another file", out, path)
		}
	}
	if err := configExists(path); err != nil {
		return err
	}
	cfg, err := provision.Read(c.Context, path)
	if err != nil {
		return err
	}
	m, err := cfg.Managed()
	if err != nil {
		return err
	}
	if names := repeated(c, "service"); len(names) > 0 {
		for _, n := range names {
			if _, i := m.Service(n); i < 0 {
				return usageErrorf("--service %q: hubctl's block has no such service", n)
			}
		}
		m = m.Only(names)
	}
	if c.IsSet("from-values") && c.String("format") != "helm" {
		return usageErrorf("--from-values goes with --format helm")
	}
	for _, f := range []string{"hubctl-path", "existing-secret", "token", "image"} {
		if c.IsSet(f) && c.String("format") != "helm" {
			return usageErrorf("--%s goes with --format helm", f)
		}
	}
	tokenMode := c.String("token")
	switch {
	case !c.IsSet("token"):
	case tokenMode != "keyring" && tokenMode != "new":
		return usageErrorf("--token %q: use keyring or new", tokenMode)
	case c.IsSet("existing-secret"):
		return usageErrorf("--token and --existing-secret: with --existing-secret the tokens belong in your Secret, not in the values; give one of them")
	}
	opts := helm.Options{ExistingSecret: c.String("existing-secret")}
	if opts.ExistingSecret != "" {
		if err := helm.CheckSecretName(opts.ExistingSecret); err != nil {
			return usageErrorf("--existing-secret: %v", err)
		}
	}
	hubctlPath := c.String("hubctl-path")
	if opts.Image = c.String("image"); opts.Image != "" {
		if err := helm.CheckImage(opts.Image); err != nil {
			return usageErrorf("--image %w", err)
		}
		if c.IsSet("hubctl-path") && hubctlPath != helm.ImageHubctlPodPath {
			return usageErrorf("--hubctl-path %q goes without --image: --image puts hubctl at %s, in a volume of its own", hubctlPath, helm.ImageHubctlPodPath)
		}
		hubctlPath = helm.ImageHubctlPodPath
	}
	if p := hubctlPath; !strings.HasPrefix(p, "/") || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return usageErrorf("--hubctl-path %q: give hubctl's absolute path in the hub pod, such as %s", p, helm.DefaultHubctlPath)
	}
	var text []byte
	userTokens := 0
	var store tokens.Store
	var fresh []string // services given a new token, stored below
	switch c.String("format") {
	case "python":
		block, err := m.Render()
		if err != nil {
			return err
		}
		text = []byte(block)
	case "helm":
		m = helm.ForPod(m, hubctlPath)
		if tokenMode != "" {
			if store, fresh, err = renderTokens(c, env, &m, tokenMode); err != nil {
				return err
			}
		}
		var uv *helm.UserValues
		if from := c.String("from-values"); from != "" {
			if uv, err = helm.ReadValues(from); err != nil {
				return &tokens.HintError{Err: fmt.Errorf("--from-values: %w", err), Next: "pass the values file you give helm with -f"}
			}
			userTokens = uv.LiteralTokens()
		}
		if text, err = helm.Render(m, uv, opts); err != nil {
			return err
		}
	default:
		return usageErrorf("--format %q: use python or helm", c.String("format"))
	}
	literal := userTokens
	for _, s := range m.Services {
		if s.Token == provision.TokenLiteral && opts.ExistingSecret == "" {
			literal++
		}
	}
	holds := ""
	if literal > 0 {
		holds = fmt.Sprintf("the literal tokens of %d %s", literal, plural(literal, "service", "services"))
	}
	// New tokens are stored before the values are written: a token stored
	// for values that then fail to be written is harmless (--token keyring
	// uses it next time), but values written with a token nobody stored
	// would lose it, and the hub would run with a token hubctl cannot give
	// its culler or the admin.
	if err := storeNewTokens(env, store, m, fresh); err != nil {
		return err
	}
	var werr error
	if out == "" {
		_, werr = env.stdout.Write(text)
	} else {
		werr = writePrivate(out, text)
	}
	if werr != nil {
		if len(fresh) > 0 {
			return &tokens.HintError{Err: fmt.Errorf("the new tokens of %s are stored in %s, but writing the values failed: %w", strings.Join(fresh, ", "), store, werr),
				Next: "run the command again with --token keyring to use them"}
		}
		return werr
	}
	// Whatever holds a literal token is secret, and hubctl says so.
	advice := "do not commit it or show it to others"
	if c.String("format") == "helm" {
		advice += "; --existing-secret NAME keeps the tokens out of the values"
	}
	if out == "" {
		if holds != "" {
			fmt.Fprintf(env.stderr, "hubctl: warning: stdout: the output holds %s; it is secret: %s; --output FILE writes it to a file of mode 0600\n", holds, advice)
		}
		return nil
	}
	secret := ""
	if holds != "" {
		secret = "; it is secret: it holds " + holds + "; " + advice
	}
	fmt.Fprintf(env.stderr, "hubctl: wrote %s (mode 0600)%s\n", out, secret)
	return nil
}

// renderTokens gives each service of m without a literal token (an env
// token, or none, which the chart would generate anew on every render) the
// token --token names: the keyring's under the service's name (keyring),
// or a new one (new), whose names it returns to be stored. A literal token
// in the block is kept: it is the one the Hub uses now. Nothing is stored
// here, and every refusal comes before anything is written.
func renderTokens(c *cli.Context, env *cliEnv, m *provision.Managed, mode string) (tokens.Store, []string, error) {
	var names []string
	for _, s := range m.Services {
		if s.Token == provision.TokenNone || s.Token == provision.TokenEnv {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil, nil
	}
	store, err := openStore(c, env)
	if err != nil {
		return nil, nil, err
	}
	stored, err := store.List()
	if err != nil {
		return nil, nil, err
	}
	// keyring needs every name in the store; new needs none there, so
	// that no token someone relies on is replaced.
	var refused []string
	for _, n := range names {
		if slices.Contains(stored, n) != (mode == "keyring") {
			refused = append(refused, n)
		}
	}
	switch {
	case len(refused) == 0:
	case mode == "keyring":
		return nil, nil, &tokens.HintError{Err: fmt.Errorf("--token keyring: %s holds no token for %s %s", store, plural(len(refused), "service", "services"), strings.Join(refused, ", ")),
			Next: storeHint(refused)}
	default:
		return nil, nil, &tokens.HintError{Err: fmt.Errorf("--token new: %s already holds a token for %s %s; hubctl does not replace it", store, plural(len(refused), "service", "services"), strings.Join(refused, ", ")),
			Next: "--token keyring uses the stored token"}
	}
	for i := range m.Services {
		s := &m.Services[i]
		if !slices.Contains(names, s.Name) {
			continue
		}
		var tok string
		if mode == "new" {
			tok, err = tokens.New(tokens.DefaultBytes, tokens.Hex)
		} else {
			tok, err = store.Get(s.Name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--token %s: service %s: %w", mode, s.Name, err)
		}
		s.Token, s.TokenEnvVar, s.APIToken = provision.TokenLiteral, "", tok
	}
	if mode == "keyring" {
		return store, nil, nil
	}
	return store, names, nil
}

// storeHint is how to put the tokens of the named services in the keyring.
func storeHint(names []string) string {
	if len(names) == 1 {
		return fmt.Sprintf("store it with `hubctl token set %s` (or `hubctl token new --store %s`), or pass --token new to make one", names[0], names[0])
	}
	return "store each with `hubctl token set NAME` (or `hubctl token new --store NAME`), or pass --token new to make them"
}

// storeNewTokens stores the new token of each named service of m. When one
// cannot be stored, the ones stored before it are deleted again (no values
// used them yet), so that running the command again starts afresh.
func storeNewTokens(env *cliEnv, store tokens.Store, m provision.Managed, names []string) error {
	for i, n := range names {
		s, _ := m.Service(n)
		if err := store.Set(n, s.APIToken); err != nil {
			for _, done := range names[:i] {
				if derr := store.Delete(done); derr != nil {
					return fmt.Errorf("storing the new token of %s: %w (and the one stored for %s could not be deleted again: %v)", n, err, done, derr)
				}
			}
			return fmt.Errorf("storing the new token of %s: %w; nothing was written", n, err)
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(env.stderr, "hubctl: stored the new %s of %s in %s (`hubctl token get %s`)\n", plural(len(names), "token", "tokens"), strings.Join(names, ", "), store, names[0])
	}
	return nil
}

// configExists refuses a config that is not there, for the commands that
// only read one: provision.Read takes a missing file for an empty one,
// which is right for editing, but showing nothing would hide a wrong
// --config.
func configExists(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return &tokens.HintError{Err: fmt.Errorf("%s: no such file", path), Next: "pass --config FILE with the JupyterHub config to read"}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writePrivate writes a new file of mode 0600 owned by the caller at path.
// Whatever was there is replaced, never written through: atomicfile renames
// a fresh temp file over it, taking nothing (mode, owner) from it.
func writePrivate(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, atomicfile.Options{Mode: 0o600})
}

func configValidateCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "find what JupyterHub would reject or silently get wrong in a config, without running it",
		ArgsUsage: "[FILE] | --helm VALUES.yaml...",
		Description: "Reads FILE (default ./jupyterhub_config.py) statically with gpython's parser,\n" +
			"follows load_subconfig, and checks services, roles and api_tokens for the target\n" +
			"JupyterHub version. Exit: 0 clean or only warnings, 1 errors (or warnings with\n" +
			"--strict), 2 the file cannot be read.\n\n" +
			"Example:\n" +
			"   hubctl config validate --hub-version 3.0 jupyterhub_config.py\n" +
			"   hubctl config validate --python /usr/bin/python3 --format json\n" +
			"   hubctl config validate --helm config.yaml hubctl-values.yaml",
		Flags: []cli.Flag{
			hubVersionFlag(),
			&repeatableFlag{Name: "env", Usage: "`K=V` for os.environ lookups, over the real environment (repeatable)"},
			&cli.StringFlag{Name: "python", Usage: "also load the file with the real traitlets in this `PYTHON` (a subprocess) and check the exact values"},
			&cli.StringFlag{Name: "cwd", Usage: "the `DIR` the Hub runs in, for relative load_subconfig paths (default: the config's directory, with a warning)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text or json"},
			&cli.BoolFlag{Name: "json", Usage: "same as --format json"},
			&cli.BoolFlag{Name: "strict", Usage: "treat warnings as errors"},
			&cli.BoolFlag{Name: "helm", Usage: "check Zero-to-JupyterHub values files instead, given in helm -f order: two cullers, services or roles that replace the chart's, tokens generated on every render"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("helm") {
				return configValidateHelm(c, env)
			}
			args := c.Args().Slice()
			if len(args) > 1 {
				return usageErrorf("unexpected argument %q", args[1])
			}
			path := "jupyterhub_config.py"
			if len(args) == 1 {
				path = args[0]
			}
			format := c.String("format")
			if c.Bool("json") {
				format = "json"
			}
			if format != "text" && format != "json" {
				return usageErrorf("--format %q: use text or json", format)
			}
			overrides, err := keyValues(c, "env")
			if err != nil {
				return err
			}
			v, err := hubVersion(c, env)
			if err != nil {
				return err
			}
			st, err := os.Stat(path)
			if err != nil {
				return &validateUnreadable{fmt.Errorf("%s: %w", path, errors.Unwrap(err))}
			}
			cwd := c.String("cwd")
			if cwd != "" {
				if st, err := os.Stat(cwd); err != nil || !st.IsDir() {
					return usageErrorf("--cwd %q is not a directory", cwd)
				}
			}
			cfg, err := provision.ReadWith(c.Context, path, provision.ReadOptions{Env: &pyconfig.Environment{Vars: overrides, Inherit: true}, Subconfigs: true, Cwd: cwd})
			if err != nil {
				return &validateUnreadable{err}
			}
			opts := provision.ValidateOptions{Version: v, Mode: st.Mode().Perm()}
			findings := provision.Validate(cfg, opts)
			if py := c.String("python"); py != "" {
				exact, err := provision.LoadWithTraitlets(c.Context, py, path, cwd, overrides)
				if err != nil {
					return fmt.Errorf("--python: %w", err)
				}
				findings = provision.MergeTraitletsFindings(findings, provision.Validate(exact, opts))
			}
			return reportFindings(env, findings, format, c.Bool("strict"))
		},
	}
}

// configValidateHelm is `config validate --helm FILE...`.
func configValidateHelm(c *cli.Context, env *cliEnv) error {
	for _, f := range []string{"python", "cwd", "env", "hub-version"} {
		if c.IsSet(f) {
			return usageErrorf("--%s is for jupyterhub_config.py, not with --helm", f)
		}
	}
	files := c.Args().Slice()
	if len(files) == 0 {
		return usageErrorf("--helm: name the values files, in helm -f order")
	}
	format := c.String("format")
	if c.Bool("json") {
		format = "json"
	}
	if format != "text" && format != "json" {
		return usageErrorf("--format %q: use text or json", format)
	}
	uv, err := helm.ReadValues(files...)
	if err != nil {
		return &validateUnreadable{err}
	}
	return reportFindings(env, helm.Validate(uv), format, c.Bool("strict"))
}

// validateUnreadable is a config that cannot be read at all: exit 2.
type validateUnreadable struct{ err error }

func (e *validateUnreadable) Error() string { return e.err.Error() }
func (e *validateUnreadable) Unwrap() error { return e.err }
func (e *validateUnreadable) ExitCode() int { return exitUsage }

func reportFindings(env *cliEnv, findings []provision.Finding, format string, strict bool) error {
	errs, warns := 0, 0
	for _, f := range findings {
		if f.Severity == provision.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	if format == "json" {
		if findings == nil {
			findings = []provision.Finding{}
		}
		if err := printJSON(env, findings); err != nil {
			return err
		}
	} else {
		for _, f := range findings {
			fmt.Fprintln(env.stdout, f)
		}
	}
	if errs > 0 || strict && warns > 0 {
		return &findingsError{errors: errs, warnings: warns}
	}
	if format == "text" {
		fmt.Fprintf(env.stderr, "hubctl: %s\n", tally(errs, warns))
	}
	return nil
}

// findingsError makes validate exit 1 after printing its findings.
type findingsError struct{ errors, warnings int }

func (e *findingsError) Error() string {
	return tally(e.errors, e.warnings)
}

// tally is a count of findings in words: "1 error, 2 warnings".
func tally(errs, warns int) string {
	plural := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	return plural(errs, "error") + ", " + plural(warns, "warning")
}
