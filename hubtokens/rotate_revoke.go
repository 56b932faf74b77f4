package hubtokens

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tokens"
)

// RevokeOptions are what RevokeOld needs.
type RevokeOptions struct {
	Config string
	Name   string
	// Plan is PlanRevoke's of Config and Name, read after any rotation:
	// its Service holds the new token. RevokeOld does not read it again;
	// step 1 refuses a config whose service has changed since.
	Plan  *Plan
	Store tokens.Store
	URL   string // the Hub API ClientFor's clients talk to, for messages
	// ClientFor returns a client of the Hub with token; RevokeOld makes one
	// for the new token and one for the old.
	ClientFor func(token string) (*cull.Client, error)
	Edit      provision.EditOptions // Version and Notify (DryRun is not allowed)
	// Restart restarts the Hub and returns when the command has (e.g.
	// `systemctl restart jupyterhub`); the Hub is then polled until it answers.
	Restart func(ctx context.Context) error
	// Wait bounds each restart and the wait for the Hub to answer; 0 means 2 minutes.
	Wait time.Duration
	// Say gets each step as it happens.
	Say func(string)
}

// RevokeError says where the sequence stopped and in what state it left
// the config, the Hub and the keyring.
type RevokeError struct {
	Step  string
	Err   error
	State string
}

func (e *RevokeError) Error() string {
	return fmt.Sprintf("revoking the old token stopped at %s: %v; %s", e.Step, e.Err, e.State)
}

func (e *RevokeError) Unwrap() error { return e.Err }

// Plan is what RevokeOld will do, for the admin to read before saying yes.
type Plan struct {
	Service provision.Service
	Roles   []string // hubctl's roles that name the service
	Notes   []string // what the sequence does to the service while it is out
}

// PlanRevoke reads the config and says what the sequence will do to service
// name; it refuses a service that a hand-written role names, as the Hub
// would not start while that role names a service it lacks.
func PlanRevoke(ctx context.Context, path, name string) (*Plan, error) {
	cfg, svc, err := managedService(ctx, path, name)
	if err != nil {
		return nil, err
	}
	p := &Plan{Service: svc}
	m, err := cfg.Managed()
	if err != nil {
		return nil, err
	}
	for _, r := range m.Roles {
		if slices.Contains(r.Services, name) {
			p.Roles = append(p.Roles, r.Name)
		}
	}
	inBlock := map[string]bool{}
	for _, r := range m.Roles {
		inBlock[r.Name] = true
	}
	for _, r := range cfg.AllRoles() {
		if !inBlock[r.Name] && slices.Contains(r.Services, name) {
			return nil, &tokens.HintError{
				Err:  fmt.Errorf("%s: the hand-written role %q names service %q: without the service the Hub would refuse to start, so hubctl cannot take it out for one restart", path, r.Name, name),
				Next: "move that role into hubctl's block, or take the service out of it yourself for one restart",
			}
		}
	}
	if len(svc.Command) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%q is a Hub-managed service: the Hub stops its process at the first restart and starts it again, with the new token, at the second", name))
	} else {
		p.Notes = append(p.Notes, fmt.Sprintf("%q is not Hub-managed: whatever uses its token must have the new one (`hubctl token get %s`) by the second restart", name, name))
	}
	if svc.URL != "" || svc.OAuthClientID != "" || svc.OAuthRedirectURI != "" {
		p.Notes = append(p.Notes, fmt.Sprintf("the Hub deletes the service's OAuth client while it is out (cleanup_oauth_clients, 3.0 and 5.x): users who logged in to %q through the Hub must log in again", name))
	}
	p.Notes = append(p.Notes, fmt.Sprintf("users reach nothing of %q between the two restarts, and the Hub's users' servers keep running (the Hub restarts twice)", name))
	return p, nil
}

// RevokeOld makes the Hub forget the old token of service Name with the one
// sequence JupyterHub 3.0 and 5.x allow (hub.RevokeOldConfigTokenHow):
// (a) take the service and its roles out of hubctl's block, (b) restart and
// wait for the Hub, (c) check that the old and the new token are rejected,
// (d) put the service and its roles back as they were, with the new token,
// (e) restart and wait, (f) confirm: the new token is the service, the old
// is rejected; NAME.previous is deleted. A rotation must be pending (Rotate
// first). If a step fails after (a), the block gets the service back before
// RevokeOld returns: it never leaves the config without it.
func RevokeOld(ctx context.Context, opts RevokeOptions) (*Confirmed, error) {
	wait := opts.Wait
	if wait <= 0 {
		wait = 2 * time.Minute
	}
	say := opts.Say
	if say == nil {
		say = func(string) {}
	}
	if opts.Edit.DryRun {
		return nil, fmt.Errorf("the revoke sequence has no dry run (it restarts the Hub)")
	}
	if opts.Plan == nil || opts.Plan.Service.Name != opts.Name {
		return nil, fmt.Errorf("RevokeOld needs PlanRevoke's plan for service %q", opts.Name)
	}
	svc := opts.Plan.Service
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
		return nil, fmt.Errorf("asking the Hub at %s before anything is changed: %w", opts.URL, err)
	}
	keyring := fmt.Sprintf("%s holds the new token as %q and the old as %q", opts.Store, opts.Name, PreviousName(opts.Name))

	// (a) The block without the service. saved is the whole block as it
	// was, to put back exactly; without is what this step wrote, so that
	// (d) can tell whether someone else edited the block meanwhile.
	say(fmt.Sprintf("step 1/6: taking service %q and its roles out of %s", opts.Name, opts.Config))
	var saved, without provision.Managed
	if _, err := provision.Apply(ctx, opts.Config, opts.Edit, func(_ *provision.Config, m *provision.Managed) error {
		if s, i := m.Service(opts.Name); i < 0 || s.Token != svc.Token || s.APIToken != svc.APIToken || s.TokenEnvVar != svc.TokenEnvVar {
			return fmt.Errorf("%s: service %q changed since hubctl read it; nothing was changed", opts.Config, opts.Name)
		}
		saved = cloneManaged(*m)
		m.Remove(opts.Name)
		without = cloneManaged(*m)
		return nil
	}); err != nil {
		return nil, &RevokeError{Step: "step 1/6 (taking the service out of the config)", Err: err, State: "nothing was changed; " + keyring}
	}
	putBack := func(ctx context.Context) error {
		_, err := provision.Apply(ctx, opts.Config, opts.Edit, func(_ *provision.Config, m *provision.Managed) error {
			if _, i := m.Service(opts.Name); i >= 0 {
				return nil // already back
			}
			if equalManaged(*m, without) {
				*m = cloneManaged(saved)
				return nil
			}
			restore(m, saved, opts.Name)
			return nil
		})
		return err
	}
	// fail puts the service back (even after Ctrl-C: the config must not
	// stay without it) and says where the sequence stopped.
	fail := func(step string, err error, hubState string) error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		state := hubState + "; " + keyring
		if perr := putBack(rctx); perr != nil {
			state = fmt.Sprintf("putting service %q back into %s FAILED (%v): its previous version is in %s; %s", opts.Name, opts.Config, perr, provision.BackupPath(opts.Config), state)
		} else {
			state = fmt.Sprintf("service %q is back in %s as it was, with the new token; %s", opts.Name, opts.Config, state)
		}
		return &RevokeError{Step: step, Err: err, State: state}
	}

	// (b)
	say("step 2/6: restarting the Hub without the service")
	if err := restartAndWait(ctx, opts, cl.fresh, wait, say); err != nil {
		return out, fail("step 2/6 (restarting the Hub without the service)", err, "the Hub may be down or running without the service: restart it once more to run with it")
	}
	// (c)
	say("step 3/6: checking that the Hub rejects both tokens now")
	for _, t := range []struct {
		which  string
		client *cull.Client
	}{{"old", cl.old}, {"new", cl.fresh}} {
		st, err := ask(ctx, t.client)
		if err == nil && !st.rejected {
			err = fmt.Errorf("the Hub still accepts the %s token (as %s %q) with the service out of its config: does the restart command restart this Hub, on this config?", t.which, st.id.Kind, st.id.Name)
		}
		if err != nil {
			return out, fail("step 3/6 (checking the tokens without the service)", err, "the Hub runs without the service: restart it once more to run with it")
		}
	}
	say("the Hub rejects the old and the new token: it deleted the service and its tokens")
	// (d)
	say(fmt.Sprintf("step 4/6: putting service %q and its roles back into %s, with the new token", opts.Name, opts.Config))
	if err := putBack(ctx); err != nil {
		return out, fail("step 4/6 (putting the service back)", err, "the Hub runs without the service")
	}
	// (e)
	say("step 5/6: restarting the Hub with the service and its new token")
	if err := restartAndWait(ctx, opts, cl.fresh, wait, say); err != nil {
		return out, &RevokeError{Step: "step 5/6 (restarting the Hub with the service)", Err: err,
			State: fmt.Sprintf("service %q is in %s with the new token; the Hub may be down or still without the service: restart it, then `hubctl token rotate %s --confirm`; %s", opts.Name, opts.Config, opts.Name, keyring)}
	}
	// (f)
	say("step 6/6: checking that the new token is the service's and the old one is rejected")
	if err := checkTokens(ctx, opts.Name, svc, cl, out); err != nil {
		return out, &RevokeError{Step: "step 6/6 (confirming)", Err: err,
			State: fmt.Sprintf("service %q is in %s with the new token and the Hub has restarted; %s", opts.Name, opts.Config, keyring)}
	}
	if err := finish(opts.Store, opts.Name, fresh, out); err != nil {
		return out, err
	}
	return out, nil
}

// pollTimeout bounds each of restartAndWait's requests (and the client's
// own request time-out may be shorter): a Hub that is still starting is
// asked again soon rather than waited on.
const pollTimeout = 2 * time.Second

// restartAndWait runs the restart command, bounded by wait, then polls the
// Hub with client until it answers, within the same bound. The Hub being
// down while it restarts is what the poll waits out.
func restartAndWait(ctx context.Context, opts RevokeOptions, client *cull.Client, wait time.Duration, say func(string)) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	if err := opts.Restart(ctx); err != nil {
		return fmt.Errorf("the restart command: %w", err)
	}
	tick := 200 * time.Millisecond
	for {
		pctx, pcancel := context.WithTimeout(ctx, pollTimeout)
		v, err := client.Version(pctx)
		pcancel()
		if err == nil {
			say(fmt.Sprintf("the Hub (JupyterHub %s) answers again after %s", v, time.Since(start).Round(100*time.Millisecond)))
			return nil
		}
		select {
		case <-ctx.Done():
			if context.Cause(ctx) == context.DeadlineExceeded {
				return fmt.Errorf("the Hub at %s did not answer within %s: %w", opts.URL, wait, err)
			}
			return context.Cause(ctx)
		case <-time.After(tick):
		}
	}
}

// cloneManaged is a copy of m that shares no slice with it (empty slices
// and maps become nil, as they read back), so that the change functions of
// later edits cannot reach into it.
func cloneManaged(m provision.Managed) provision.Managed {
	list := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return slices.Clone(s)
	}
	dict := func(d map[string]string) map[string]string {
		if len(d) == 0 {
			return nil
		}
		return maps.Clone(d)
	}
	out := provision.Managed{}
	for _, s := range m.Services {
		s.Command, s.OAuthClientAllowedScopes, s.OAuthRoles = list(s.Command), list(s.OAuthClientAllowedScopes), list(s.OAuthRoles)
		s.Environment, s.Info = dict(s.Environment), dict(s.Info)
		out.Services = append(out.Services, s)
	}
	for _, r := range m.Roles {
		r.Scopes, r.Services, r.Users, r.Groups = list(r.Scopes), list(r.Services), list(r.Users), list(r.Groups)
		out.Roles = append(out.Roles, r)
	}
	return out
}

func equalManaged(a, b provision.Managed) bool {
	return reflect.DeepEqual(cloneManaged(a), cloneManaged(b))
}

// restore puts service name and its role memberships from saved back into
// m, which someone else has edited since the service was taken out: the
// service at its place, its name in the roles that had it, and the roles
// that went with it.
func restore(m *provision.Managed, saved provision.Managed, name string) {
	for i, s := range saved.Services {
		if s.Name == name {
			m.Services = slices.Insert(m.Services, min(i, len(m.Services)), s)
		}
	}
	for i, r := range saved.Roles {
		if !slices.Contains(r.Services, name) {
			continue
		}
		j := slices.IndexFunc(m.Roles, func(x provision.Role) bool { return x.Name == r.Name })
		if j < 0 {
			m.Roles = slices.Insert(m.Roles, min(i, len(m.Roles)), r)
			continue
		}
		if !slices.Contains(m.Roles[j].Services, name) {
			m.Roles[j].Services = append(m.Roles[j].Services, name)
		}
	}
}
