package hubtokens

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
)

// RequestOptions are what `hubctl token request` asks the Hub for.
type RequestOptions struct {
	User   string
	Scopes []string // none: the default token role, i.e. all of the owner's scopes (inherit)
	// ExpiresIn is the token's lifetime; 0 for none (never expires, or on
	// 5.1+ the Hub's token_expires_in_max_seconds).
	ExpiresIn time.Duration
	Note      string
}

// Request mints a token owned by opts.User with POST /users/{name}/tokens
// and returns its model and secret. Scopes are checked locally first
// against the version's scope list (hub.ValidateScope; custom: scopes are
// left to the Hub, which alone knows them), but the Hub's answer decides;
// each refusal becomes one *Error naming the scope or user.
func Request(ctx context.Context, s *Session, opts RequestOptions) (cull.APIToken, string, error) {
	for _, sc := range opts.Scopes {
		if strings.HasPrefix(sc, "custom:") {
			continue
		}
		if err := hub.ValidateScope(s.Version, sc); err != nil {
			return cull.APIToken{}, "", &Error{Msg: "--scope: " + err.Error(),
				Fix: "JupyterHub " + s.Version.String() + "'s scopes are in its docs (Reference, JupyterHub RBAC, Scopes); filters are !user=NAME, !group=NAME, !service=NAME, !server=USER/NAME"}
		}
	}
	req := cull.TokenRequest{Scopes: opts.Scopes, Note: opts.Note}
	if opts.ExpiresIn > 0 {
		secs := int64(math.Ceil(opts.ExpiresIn.Seconds()))
		req.ExpiresIn = &secs
	}
	tok, secret, err := s.Client.CreateToken(ctx, opts.User, req)
	if err != nil {
		return tok, "", s.requestError(opts, err)
	}
	return tok, secret, nil
}

var (
	notHeldRE  = regexp.MustCompile(`^Not assigning requested scopes (.*) not held by (User|Service) (.*)$`)
	notFoundRE = regexp.MustCompile(`^"?Scope (.*) for token does not exist"?$`)
	exceedRE   = regexp.MustCompile(`must not exceed (\d+)`)
)

// requestError turns the Hub's refusal of a POST into one clear error.
func (s *Session) requestError(opts RequestOptions, err error) error {
	var se *cull.StatusError
	if !errors.As(err, &se) {
		return err
	}
	user := cull.Escape(opts.User)
	msg := strings.TrimSpace(se.Message)
	wrap := func(m, fix string) error { return &Error{Msg: m, Fix: fix, Err: err} }
	switch {
	case se.Code == http.StatusForbidden:
		fix := "the requesting token needs the tokens scope covering user " + user
		if s.Me.Kind == "service" {
			fix += "; a service needs it unfiltered (the Hub checks a tokens!user= filter against the requester's kind, so it never matches for a service)"
		} else {
			fix += " (tokens, tokens!user=" + user + " or tokens!group=GROUP)"
		}
		return wrap(fmt.Sprintf("the Hub refused to create a token for user %s: no such user, or the API token (%s) may not create tokens for them (403 %s)", user, s.requester(), cull.Escape(msg)),
			fix+"; see `hubctl token audit` for who holds what")
	case se.Code == http.StatusBadRequest:
		if m := notHeldRE.FindStringSubmatch(msg); m != nil {
			// the Hub joins a set: sorted, the message is the same each time
			scopes := strings.Split(m[1], ",")
			slices.Sort(scopes)
			return wrap(fmt.Sprintf("the Hub refused the scopes %s for user %s's token: %s %s does not hold them", cull.Escape(strings.Join(scopes, ",")), user, strings.ToLower(m[2]), cull.Escape(m[3])),
				"the Hub checks a token's scopes against its owner (user "+user+"), not against the requesting token: ask for scopes the user holds (a filter like !user="+user+" narrows one), or grant them to the user with a role")
		}
		if m := notFoundRE.FindStringSubmatch(msg); m != nil {
			return wrap(fmt.Sprintf("the Hub does not know the scope %s (JupyterHub %s)", m[1], s.Version),
				"a custom: scope must be defined in c.JupyterHub.custom_scopes; check the spelling and the filter (!user=NAME, !group=NAME, !service=NAME, !server=USER/NAME)")
		}
		if m := exceedRE.FindStringSubmatch(msg); m != nil {
			return wrap(fmt.Sprintf("the Hub refused --expires-in %s: %s", FormatAge(opts.ExpiresIn), cull.Escape(msg)),
				"the Hub caps token lifetimes at "+m[1]+" seconds (c.JupyterHub.token_expires_in_max_seconds): ask for at most that, or leave out --expires-in to get the maximum")
		}
		return wrap(fmt.Sprintf("the Hub refused the token for user %s: %s", user, cull.Escape(msg)), "")
	case se.Code == http.StatusInternalServerError && hub.UnknownScopeIs500(s.Version) && len(opts.Scopes) > 0:
		return wrap(fmt.Sprintf("the Hub answered 500 to the token request for user %s: JupyterHub %s answers so when a scope does not exist, so one of %s is probably unknown to it", user, s.Version, strings.Join(opts.Scopes, ", ")),
			"a custom: scope must be defined in c.JupyterHub.custom_scopes; the Hub's log names the scope (KeyError: Scope ... for token does not exist)")
	}
	return err
}
