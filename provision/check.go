package provision

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
)

// FieldError is a problem with one field of a service or role that hubctl
// is about to write; the CLI names the flag that set it.
type FieldError struct {
	Field string // the service or role key, e.g. "url", "api_token", "scopes"
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// CheckService applies the checks that make JupyterHub v refuse to start,
// and a few it silently gets wrong, to a service hubctl is about to write.
func CheckService(s *Service, v hub.Version) error {
	fail := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	for field, val := range map[string]string{"name": s.Name, "url": s.URL, "api_token": s.APIToken, "user": s.User, "cwd": s.Cwd,
		"oauth_client_id": s.OAuthClientID, "oauth_redirect_uri": s.OAuthRedirectURI} {
		if !utf8.ValidString(val) {
			return fail(field, "is not valid UTF-8")
		}
	}
	if s.Name == "" {
		return fail("name", "a service needs a name")
	}
	if s.Token == TokenLiteral && len(s.APIToken) < 8 {
		return fail("api_token", "JupyterHub refuses tokens shorter than 8 characters")
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fail("url", "%q is not an http(s) URL; JupyterHub cannot proxy it (before 5.0 the Hub stops while loading it without a port, or at start with one; 5.0 refuses it at once)", s.URL)
		}
	}
	if s.OAuthClientID != "" && !strings.HasPrefix(s.OAuthClientID, "service-") && hub.OAuthClientIDPrefixChecked(v) {
		return fail("oauth_client_id", "%q must start with \"service-\"; JupyterHub refuses to start", s.OAuthClientID)
	}
	if s.Command == nil && s.URL == "" && s.Token == TokenNone {
		return fail("api_token", "a service with neither a command nor a url needs a token to talk to the Hub")
	}
	keys := hub.ServiceKeys(v)
	for _, kv := range s.dict() {
		if !slices.Contains(keys, kv.Key) {
			return fail(kv.Key, "JupyterHub %s does not accept the service key %q", v, kv.Key)
		}
	}
	if s.Timeout != nil && (*s.Timeout != math.Trunc(*s.Timeout) || *s.Timeout > 1<<53) {
		return fail("timeout", "%v is not a whole number of seconds: JupyterHub's timeout is an Integer, which refuses a float", *s.Timeout)
	}
	// From 5.0 oauth_client_id or oauth_no_confirm gives the service an
	// OAuth client, which needs a redirect: the url's, or its own.
	if hub.OAuthWithoutRedirectFatal(v) && s.URL == "" && s.OAuthRedirectURI == "" {
		switch {
		case s.OAuthClientID != "":
			return fail("oauth_client_id", "without a url or an oauth_redirect_uri, JupyterHub %s refuses to start (\"missing required oauth_redirect_uri\")", v)
		case s.OAuthNoConfirm:
			return fail("oauth_no_confirm", "without a url or an oauth_redirect_uri, JupyterHub %s refuses to start (\"missing required oauth_redirect_uri\")", v)
		}
	}
	for _, scope := range s.OAuthClientAllowedScopes {
		if err := hub.ValidateScope(v, scope); err != nil {
			return fail("oauth_client_allowed_scopes", "%v", err)
		}
	}
	return nil
}

// CheckRole applies the Hub's checks on a role hubctl is about to write.
func CheckRole(r *Role, v hub.Version, services map[string]bool) error {
	fail := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if !hub.HasRBAC(v) {
		return fail("scopes", "JupyterHub %s has no roles or scopes (they came with 2.0); use --admin", v)
	}
	if !hub.RoleNameRE(v).MatchString(r.Name) {
		return fail("role", "role name %q does not match JupyterHub's %s", r.Name, strings.Replace(hub.RoleNameRE(v).String(), `\n?$`, "$", 1))
	}
	if len(r.Scopes) == 0 {
		return fail("scopes", "role %q has no scopes, so it would grant nothing", r.Name)
	}
	for _, scope := range r.Scopes {
		if err := hub.ValidateScope(v, scope); err != nil {
			return fail("scopes", "%v", err)
		}
	}
	for _, name := range r.Services {
		if !services[name] {
			return fail("services", "role %q names the service %q, which is not defined; JupyterHub refuses to start", r.Name, name)
		}
	}
	return nil
}

// CheckAgainstFile finds what the Hub would silently get wrong when s is
// added to the file: a service of the same name outside hubctl's block
// (the Hub merges them) and a token another service or api_tokens already
// uses (the last one wins and the other is dropped).
func (cfg *Config) CheckAgainstFile(s *Service) error {
	for i := range cfg.Services {
		v := &cfg.Services[i]
		if cfg.inBlock(v.Pos) || v.Kind != pyconfig.KindDict {
			continue
		}
		if name, ok := v.Get("name"); ok && name.Kind == pyconfig.KindStr && name.Str == s.Name {
			return fmt.Errorf("%s: a service named %q is already defined here, outside hubctl's block; JupyterHub would merge the two. Remove one of them", v.Pos, s.Name)
		}
		if tok, ok := v.Get("api_token"); ok && s.Token == TokenLiteral && tok.Kind == pyconfig.KindStr && tok.Str == s.APIToken {
			return fmt.Errorf("%s: this service already uses the same token; JupyterHub would keep only one of them", tok.Pos)
		}
	}
	for i := range cfg.APITokens {
		if t := &cfg.APITokens[i]; s.Token == TokenLiteral && t.Kind == pyconfig.KindStr && t.Str == s.APIToken {
			return fmt.Errorf("%s: c.JupyterHub.api_tokens already uses the same token; JupyterHub would keep only one of them", t.Pos)
		}
	}
	return nil
}
