package hubtokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tokens"
)

// ConfirmOptions are what Confirm needs.
type ConfirmOptions struct {
	Config string
	Name   string
	Store  tokens.Store
	URL    string // the Hub API ClientFor's clients talk to, for messages
	// ClientFor returns a client of the Hub with token; Confirm makes one
	// for the new token and one for the old.
	ClientFor func(token string) (*cull.Client, error)
}

// Confirmed is what Confirm found.
type Confirmed struct {
	HubVersion string
	Identity   cull.Identity // the new token's
	Stored     bool          // the new token was put into the keyring as NAME now
}

// OldTokenValidError says the Hub still accepts the old token.
type OldTokenValidError struct {
	Name       string
	HubVersion string
}

func (e *OldTokenValidError) Error() string {
	return fmt.Sprintf("the Hub accepts the new token of %q, but the old one too: %s; %q stays in the keyring",
		e.Name, hub.RevokeOldConfigTokenHow(versionOrZero(e.HubVersion)), PreviousName(e.Name))
}

func (e *OldTokenValidError) Hint() string {
	return fmt.Sprintf("`hubctl token rotate %s --revoke-old --restart-command 'systemctl restart jupyterhub'` does that sequence (with the command that restarts this Hub)", e.Name)
}

// NewTokenRejectedError says the Hub does not accept the new token yet.
type NewTokenRejectedError struct {
	Name   string
	EnvVar string // with an env-form service
}

func (e *NewTokenRejectedError) Error() string {
	return fmt.Sprintf("the Hub does not accept the new token of %q (403): it has not been restarted with it", e.Name)
}

func (e *NewTokenRejectedError) Hint() string {
	if e.EnvVar != "" {
		return fmt.Sprintf("set %s in the Hub's environment to `hubctl token get %s`, restart the Hub, then confirm again", e.EnvVar, e.Name)
	}
	return "restart the Hub, then confirm again"
}

// tokenState is what the Hub says of one token.
type tokenState struct {
	rejected bool          // 403
	id       cull.Identity // when accepted
}

// ask asks the Hub who c's token is: 403 is a rejected token, not an error.
func ask(ctx context.Context, c *cull.Client) (tokenState, error) {
	id, err := c.Whoami(ctx)
	var se *cull.StatusError
	if errors.As(err, &se) && se.Code == http.StatusForbidden {
		return tokenState{rejected: true}, nil
	}
	return tokenState{id: id}, err
}

// clients are the Hub clients of a rotation's new and old token, made once
// per Confirm or RevokeOld.
type clients struct{ fresh, old *cull.Client }

func clientsOf(clientFor func(string) (*cull.Client, error), fresh, old string) (clients, error) {
	var cl clients
	var err error
	if cl.fresh, err = clientFor(fresh); err != nil {
		return cl, err
	}
	cl.old, err = clientFor(old)
	return cl, err
}

// tokensOf returns the new token of a rotation of svc (the config's
// literal, or the keyring's NAME for an env-form service) and the old
// (NAME.previous).
func tokensOf(svc provision.Service, store tokens.Store) (fresh, old string, err error) {
	name := svc.Name
	old, err = store.Get(PreviousName(name))
	if errors.Is(err, tokens.ErrNotFound) {
		return "", "", &tokens.HintError{Err: fmt.Errorf("no rotation of %q to confirm: the keyring has no %q", name, PreviousName(name)),
			Next: "`hubctl token rotate " + name + "` starts one"}
	}
	if err != nil {
		return "", "", err
	}
	if svc.Token == provision.TokenLiteral {
		return svc.APIToken, old, nil
	}
	fresh, err = store.Get(name)
	return fresh, old, err
}

// Confirm checks with the Hub that the new token of service Name is the
// service's and that the old one (NAME.previous) is rejected; then it
// deletes NAME.previous. The new token is the one in the config (for a
// literal token): if the keyring's NAME differs (a rotation whose last
// step failed), it is stored now.
func Confirm(ctx context.Context, opts ConfirmOptions) (*Confirmed, error) {
	_, svc, err := managedService(ctx, opts.Config, opts.Name)
	if err != nil {
		return nil, err
	}
	fresh, old, err := tokensOf(svc, opts.Store)
	if err != nil {
		return nil, err
	}
	cl, err := clientsOf(opts.ClientFor, fresh, old)
	if err != nil {
		return nil, err
	}
	out := &Confirmed{}
	if out.HubVersion, err = cl.fresh.Version(ctx); err != nil {
		return nil, fmt.Errorf("asking the Hub at %s: %w", opts.URL, err)
	}
	if err := checkTokens(ctx, opts.Name, svc, cl, out); err != nil {
		return out, err
	}
	if err := finish(opts.Store, opts.Name, fresh, out); err != nil {
		return out, err
	}
	return out, nil
}

// checkTokens is the confirmation: new is the service, old is 403.
func checkTokens(ctx context.Context, name string, svc provision.Service, cl clients, out *Confirmed) error {
	st, err := ask(ctx, cl.fresh)
	if err != nil {
		return fmt.Errorf("asking the Hub who the new token is: %w", err)
	}
	if st.rejected {
		e := &NewTokenRejectedError{Name: name}
		if svc.Token == provision.TokenEnv {
			e.EnvVar = svc.TokenEnvVar
		}
		return e
	}
	if st.id.Kind != "service" || st.id.Name != name {
		return fmt.Errorf("the Hub says the new token of %q belongs to %s %q, not to service %q", name, st.id.Kind, st.id.Name, name)
	}
	out.Identity = st.id
	st, err = ask(ctx, cl.old)
	if err != nil {
		return fmt.Errorf("asking the Hub who the old token is: %w", err)
	}
	if !st.rejected {
		return &OldTokenValidError{Name: name, HubVersion: out.HubVersion}
	}
	return nil
}

// finish stores the new token as NAME if the keyring lacks it and deletes
// NAME.previous: the rotation is confirmed.
func finish(store tokens.Store, name, fresh string, out *Confirmed) error {
	if cur, err := store.Get(name); err != nil || cur != fresh {
		if err := store.Set(name, fresh); err != nil {
			return fmt.Errorf("the rotation is confirmed, but storing the new token as %q failed: %w", name, err)
		}
		out.Stored = true
	}
	if err := store.Delete(PreviousName(name)); err != nil && !errors.Is(err, tokens.ErrNotFound) {
		return fmt.Errorf("the rotation is confirmed, but deleting %q failed: %w", PreviousName(name), err)
	}
	return nil
}
