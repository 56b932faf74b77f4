package hubtokens

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tokens"
)

// PreviousName is the keyring name the old token of service name is kept
// under until the rotation is confirmed.
func PreviousName(name string) string { return name + ".previous" }

// RotateOptions are what Rotate needs.
type RotateOptions struct {
	Config string // jupyterhub_config.py
	Name   string // the service, and its keyring name
	Store  tokens.Store
	Edit   provision.EditOptions // DryRun, Version, Notify
}

// Rotation is what Rotate did.
type Rotation struct {
	Form   provision.TokenSource // TokenLiteral or TokenEnv
	EnvVar string                // with TokenEnv: where the Hub reads the token from
	// Result, Before and After are the config edit (nil for TokenEnv, whose
	// config does not change), for reporting and the --dry-run diff.
	Result *provision.Result
	Before *provision.Config
	After  *provision.Managed
	// KeptPrevious says the old token is in the keyring as NAME.previous
	// (false for an env-form service whose old value hubctl never had).
	KeptPrevious bool
}

// PendingError says a rotation of the service is not confirmed yet.
type PendingError struct{ Name string }

func (e *PendingError) Error() string {
	return fmt.Sprintf("a rotation of %q is not confirmed yet: the keyring holds its old token as %q", e.Name, PreviousName(e.Name))
}

func (e *PendingError) Hint() string {
	return fmt.Sprintf("restart the Hub and run `hubctl token rotate %s --confirm` (or `--revoke-old --restart-command CMD`) first", e.Name)
}

// managedService returns service name from hubctl's block of the config.
func managedService(ctx context.Context, path, name string) (*provision.Config, provision.Service, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, provision.Service{}, fmt.Errorf("%s: %w", path, err)
	}
	cfg, err := provision.Read(ctx, path)
	if err != nil {
		return nil, provision.Service{}, err
	}
	m, err := cfg.Managed()
	if err != nil {
		return nil, provision.Service{}, err
	}
	svc, i := m.Service(name)
	if i < 0 {
		for _, s := range cfg.AllServices() {
			if s.Service.Name == name {
				return nil, provision.Service{}, &tokens.HintError{
					Err:  fmt.Errorf("%s: service %q is hand-written (at %s), not in hubctl's block", path, name, s.Pos),
					Next: "hubctl rotates only the services it writes: change its api_token yourself, or move it into the block with `hubctl service add " + name + " --replace --token new`",
				}
			}
		}
		return nil, provision.Service{}, &tokens.HintError{Err: fmt.Errorf("%s: hubctl's block has no service named %q", path, name), Next: "`hubctl service list` shows the services"}
	}
	switch svc.Token {
	case provision.TokenNone:
		return nil, provision.Service{}, &tokens.HintError{
			Err:  fmt.Errorf("%s: service %q has no api_token: the Hub makes it a new one at each start (and keeps the old ones)", path, name),
			Next: "give it a token hubctl can rotate: `hubctl service add " + name + " --replace --token new` (with its other flags)",
		}
	case provision.TokenUnknown:
		return nil, provision.Service{}, fmt.Errorf("%s: the api_token of service %q is an expression hubctl does not evaluate", path, name)
	}
	return cfg, *svc, nil
}

// Rotate gives service Name a new token in the keyring and in the config,
// keeping the old one in the keyring as NAME.previous.
//
// The steps are ordered so that a failure at any point loses no token and
// leaves a state the next command understands:
//  1. NAME.previous := the old token. Fails: nothing else changed.
//  2. the config gets the new token (provision.Apply: lock, atomic write,
//     mode kept, backup). Fails: NAME.previous is removed again, and all is
//     as before.
//  3. NAME := the new token. Fails: the config holds the new token and
//     NAME.previous the old; --confirm takes the new token from the config
//     and stores it then.
//
// Writing NAME before the config would leave, on a failed config write,
// a keyring whose NAME the Hub will never accept; writing the config
// before NAME.previous would lose the old token (still valid at the Hub)
// if the keyring then failed.
//
// An env-form service (api_token = os.environ['HUBCTL_TOKEN_…']) has its
// value in the Hub's environment, which hubctl does not write: its config
// does not change, the new token goes to the keyring only, and the admin
// must put it into the Hub's environment (Rotation.EnvVar).
func Rotate(ctx context.Context, opts RotateOptions) (*Rotation, error) {
	if err := tokens.ValidateName(opts.Name); err != nil {
		return nil, err
	}
	_, svc, err := managedService(ctx, opts.Config, opts.Name)
	if err != nil {
		return nil, err
	}
	// Fail before anything is written when the keyring cannot be used, and
	// never overwrite the old token of a rotation still pending.
	if _, err := opts.Store.Get(PreviousName(opts.Name)); err == nil {
		return nil, &PendingError{Name: opts.Name}
	} else if !errors.Is(err, tokens.ErrNotFound) {
		return nil, err
	}
	fresh, err := tokens.New(tokens.DefaultBytes, tokens.Hex)
	if err != nil {
		return nil, err
	}
	rot := &Rotation{Form: svc.Token, EnvVar: svc.TokenEnvVar}

	if svc.Token == provision.TokenEnv {
		old, err := opts.Store.Get(opts.Name)
		switch {
		case err == nil:
			if opts.Edit.DryRun {
				return rot, nil
			}
			if err := opts.Store.Set(PreviousName(opts.Name), old); err != nil {
				return nil, fmt.Errorf("keeping the old token as %q: %w; nothing was changed", PreviousName(opts.Name), err)
			}
			rot.KeptPrevious = true
		case errors.Is(err, tokens.ErrNotFound):
			// The Hub's environment has a value hubctl never stored.
		default:
			return nil, err
		}
		if opts.Edit.DryRun {
			return rot, nil
		}
		if err := opts.Store.Set(opts.Name, fresh); err != nil {
			if rot.KeptPrevious {
				_ = opts.Store.Delete(PreviousName(opts.Name)) // NAME still holds the old token
			}
			return nil, fmt.Errorf("storing the new token as %q: %w; nothing was changed", opts.Name, err)
		}
		return rot, nil
	}

	old := svc.APIToken
	if !opts.Edit.DryRun {
		if err := opts.Store.Set(PreviousName(opts.Name), old); err != nil {
			return nil, fmt.Errorf("keeping the old token as %q: %w; nothing was changed", PreviousName(opts.Name), err)
		}
		rot.KeptPrevious = true
	}
	res, err := provision.Apply(ctx, opts.Config, opts.Edit, func(cfg *provision.Config, m *provision.Managed) error {
		rot.Before, rot.After = cfg, m
		s, i := m.Service(opts.Name)
		if i < 0 || s.Token != provision.TokenLiteral || s.APIToken != old {
			return fmt.Errorf("%s: service %q changed while hubctl was reading it; nothing was changed", opts.Config, opts.Name)
		}
		s.APIToken = fresh
		return nil
	})
	if err != nil {
		if rot.KeptPrevious {
			if derr := opts.Store.Delete(PreviousName(opts.Name)); derr != nil {
				return nil, fmt.Errorf("%w (and removing %q again failed: %v; it holds the token the config still has)", err, PreviousName(opts.Name), derr)
			}
		}
		return nil, err
	}
	rot.Result = res
	if opts.Edit.DryRun {
		return rot, nil
	}
	if err := opts.Store.Set(opts.Name, fresh); err != nil {
		return rot, &tokens.HintError{
			Err:  fmt.Errorf("%s has the new token, but storing it in the keyring as %q failed: %w (the old one is kept as %q)", opts.Config, opts.Name, err, PreviousName(opts.Name)),
			Next: fmt.Sprintf("restart the Hub and run `hubctl token rotate %s --confirm`: it takes the new token from the config and stores it", opts.Name),
		}
	}
	return rot, nil
}

// versionOrZero parses a Hub's version for messages.
func versionOrZero(s string) hub.Version {
	v, err := hub.ParseVersion(s)
	if err != nil {
		return hub.Version{}
	}
	return v
}
