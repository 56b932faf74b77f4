package provision

import (
	"context"
	"errors"
	"os"
	"slices"

	"github.com/hubctl/hubctl/pyconfig"
)

// Config is what hubctl reads from a jupyterhub_config.py without running
// it: the services, roles and api_tokens it sets, where, and what could not
// be evaluated.
type Config struct {
	Path      string
	Src       []byte
	Services  []pyconfig.Value // entries of c.JupyterHub.services, in order
	Roles     []pyconfig.Value // entries of c.JupyterHub.load_roles
	APITokens []pyconfig.Value // keys of c.JupyterHub.api_tokens (deprecated)
	Warnings  []pyconfig.Diagnostic
	// Extra are the entries of the traits ReadOptions.Extra asked for.
	Extra map[pyconfig.Trait][]pyconfig.Value
	block *blockSpan
}

// watchedTraits are the traits hubctl reads, in the order of
// pyconfig.File.Entries that fromFile takes them in.
var watchedTraits = []pyconfig.Trait{
	{Section: "JupyterHub", Name: "services"},
	{Section: "JupyterHub", Name: "load_roles"},
	{Section: "JupyterHub", Name: "api_tokens", Dict: true},
}

// factChecks are the check ids of what the reader finds the Hub itself
// trips on; a warning without a fact is a place hubctl could not evaluate
// (HUB301).
var factChecks = map[pyconfig.Fact]string{
	pyconfig.FactLazyOperand:         "HUB115",
	pyconfig.FactSubconfigPathObject: "HUB116",
	pyconfig.FactSubconfigSkipped:    "HUB212",
}

// checkID is the check a reader warning is reported under.
func checkID(d pyconfig.Diagnostic) string {
	if id, ok := factChecks[d.Fact]; ok {
		return id
	}
	return "HUB301"
}

// ReadOptions change how a config is read.
type ReadOptions struct {
	// Env is what os.environ lookups in the file see; nil leaves them as Env
	// values, which is what editing needs (hubctl's block reads its tokens
	// from there).
	Env *pyconfig.Environment
	// Subconfigs follows load_subconfig('file').
	Subconfigs bool
	// Cwd is the directory the Hub runs in: traitlets resolves a relative
	// load_subconfig path, os.path.abspath and os.getcwd() against it. Empty,
	// hubctl assumes the config's own directory and says so where it matters.
	Cwd string
	// Extra are traits to read besides hubctl's three (upgrade-check's
	// Authenticator traits); their entries are in Config.Extra.
	Extra []pyconfig.Trait
}

// reader is what the reader is asked: these options, hubctl's traits, and
// the alias hubctl's block imports os under.
func (opts ReadOptions) reader() pyconfig.ReadOptions {
	watch, what := watchedTraits, "services, roles or tokens"
	if len(opts.Extra) > 0 {
		watch, what = append(slices.Clip(watchedTraits), opts.Extra...), "services, roles, tokens or the authenticator's settings"
	}
	return pyconfig.ReadOptions{Env: opts.Env, Subconfigs: opts.Subconfigs, Cwd: opts.Cwd,
		Watch: watch, WatchedWhat: what, OSAliases: []string{blockOSAlias}}
}

// fromFile takes the watched traits' entries out of what the reader found.
func fromFile(f *pyconfig.File, extra []pyconfig.Trait) *Config {
	cfg := &Config{Path: f.Path, Src: f.Src, Services: f.Entries[0], Roles: f.Entries[1], APITokens: f.Entries[2], Warnings: f.Warnings}
	if len(extra) > 0 {
		cfg.Extra = map[pyconfig.Trait][]pyconfig.Value{}
		for i, t := range extra {
			cfg.Extra[t] = f.Entries[len(watchedTraits)+i]
		}
	}
	return cfg
}

// Read reads a config file for editing. A missing file is an empty config.
func Read(ctx context.Context, path string) (*Config, error) {
	return ReadWith(ctx, path, ReadOptions{})
}

// ReadWith reads a config file with options.
func ReadWith(ctx context.Context, path string, opts ReadOptions) (*Config, error) {
	src, err := pyconfig.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{Path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseWith(ctx, path, src, opts)
}

// Parse reads a config for editing from its bytes.
func Parse(ctx context.Context, path string, src []byte) (*Config, error) {
	return ParseWith(ctx, path, src, ReadOptions{})
}

// ParseWith reads a config from its bytes with options: hubctl's block is
// located first (a damaged one is refused before anything is read), then
// the reader reads the file in its child process (see pyconfig.ParseWith).
func ParseWith(ctx context.Context, path string, src []byte, opts ReadOptions) (*Config, error) {
	return parse(path, src, opts.Extra, func() (*pyconfig.File, error) { return pyconfig.ParseWith(ctx, path, src, opts.reader()) })
}

// parseInProcess is ParseWith without the reader's child process, for the
// fuzz target and the benchmarks.
func parseInProcess(path string, src []byte, opts ReadOptions) (*Config, error) {
	return parse(path, src, opts.Extra, func() (*pyconfig.File, error) { return pyconfig.ParseInProcess(path, src, opts.reader()) })
}

func parse(path string, src []byte, extra []pyconfig.Trait, read func() (*pyconfig.File, error)) (*Config, error) {
	var block *blockSpan
	if len(src) <= pyconfig.MaxSize { // a larger file the reader refuses, before anything
		var err error
		if block, err = findBlock(path, src); err != nil {
			return nil, err
		}
	}
	f, err := read()
	if err != nil {
		return nil, err
	}
	cfg := fromFile(f, extra)
	cfg.block = block
	return cfg, nil
}

// FromJSON turns the JSON that templates.TraitletsDump prints into a
// Config, so the same checks apply to the values the real traitlets loaded.
// Positions name the file only.
func FromJSON(path string, data []byte) (*Config, error) {
	f, err := pyconfig.FromJSON(path, data, watchedTraits)
	if err != nil {
		return nil, err
	}
	return fromFile(f, nil), nil
}
