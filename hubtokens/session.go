package hubtokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
)

// Session is a Hub and who hubctl is on it: its version (GET /, no token
// needed) and the identity of hubctl's token (GET /user), asked once at the
// start of each command.
type Session struct {
	Client  *cull.Client
	Version hub.Version
	Me      cull.Identity
}

// Connect asks the Hub its version and who the token is.
func Connect(ctx context.Context, client *cull.Client) (*Session, error) {
	raw, err := client.Version(ctx)
	if err != nil {
		return nil, err
	}
	v, err := hub.ParseVersion(raw)
	if err != nil {
		return nil, fmt.Errorf("the Hub's version %q: %w", cull.Escape(raw), err)
	}
	if !hub.HasRBAC(v) {
		return nil, fmt.Errorf("JupyterHub %s has no scopes; the token commands need JupyterHub 2.0 or later", v)
	}
	me, err := client.Whoami(ctx)
	var se *cull.StatusError
	if errors.As(err, &se) && se.Code == http.StatusForbidden {
		return nil, &Error{Msg: "the Hub does not know hubctl's API token (GET /user answered 403)",
			Fix: "check JUPYTERHUB_API_TOKEN or --token-name, and --url: the token may have been revoked, or be another Hub's"}
	}
	if err != nil {
		return nil, err
	}
	return &Session{Client: client, Version: v, Me: me}, nil
}

// Error is a token command's failure: one line, and how to fix it.
type Error struct {
	Msg, Fix string
	Err      error // the Hub's answer, for errors.As
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Hint is what cmd/hubctl prints as `hubctl: hint: …`.
func (e *Error) Hint() string { return e.Fix }

// requester names hubctl's token for messages: "service NAME".
func (s *Session) requester() string {
	return cull.Escape(s.Me.Kind) + " " + cull.Escape(s.Me.Name)
}

// CheckScopes returns an *Error naming each need the token does not
// cover (expanded scopes from GET /user, unfiltered), with the role to
// paste, as the culler's scope check does; what says which command.
func (s *Session) CheckScopes(what string, needs []hub.TokenNeed) error {
	var missing []string
	var grant []string
	for _, n := range needs {
		if !slices.ContainsFunc(n.Scopes, func(sc string) bool { return slices.Contains(s.Me.Scopes, sc) }) {
			missing = append(missing, strings.Join(n.Scopes, " or ")+" (for "+n.For+")")
			grant = append(grant, n.Scopes[0])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &Error{
		Msg: fmt.Sprintf("the API token (%s) lacks %s, which %s needs", s.requester(), strings.Join(missing, ", "), what),
		Fix: "grant them with a role in jupyterhub_config.py: " + cull.RoleHint(s.Me.Kind, s.Me.Name, grant) + ", then restart the Hub",
	}
}
