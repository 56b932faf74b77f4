// Package provision is hubctl's model of JupyterHub services and roles: the
// fields each Hub version accepts, validation against the Hub's own checks,
// reading a jupyterhub_config.py statically, and editing hubctl's block in it.
package provision

import (
	"fmt"
	"math/big"
	"path"
	"strconv"
	"strings"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
	"github.com/hubctl/hubctl/templates"
)

// TokenSource says where a service's api_token comes from in the config.
type TokenSource int

const (
	TokenNone    TokenSource = iota // no api_token: the Hub makes one for a managed service
	TokenLiteral                    // the token itself, in the file (which is then mode 0600)
	TokenEnv                        // os.environ['HUBCTL_TOKEN_<NAME>'] at the Hub's start
	TokenUnknown                    // an expression hubctl cannot evaluate (hand-written configs only)
)

// Service is one entry of c.JupyterHub.services, with every key the Hub
// accepts in some version.
type Service struct {
	Name                     string
	Admin                    bool
	URL                      string
	Token                    TokenSource
	APIToken                 string // with TokenLiteral
	TokenEnvVar              string // with TokenEnv
	Command                  []string
	Environment              map[string]string
	User                     string
	Cwd                      string
	OAuthNoConfirm           bool
	OAuthClientID            string
	OAuthRedirectURI         string
	OAuthClientAllowedScopes []string
	OAuthRoles               []string
	Display                  *bool
	Info                     map[string]string
	Timeout                  *float64 // JupyterHub 6.0 and later
}

// Role is one entry of c.JupyterHub.load_roles.
type Role struct {
	Name        string
	Description string
	Scopes      []string
	Services    []string
	Users       []string
	Groups      []string
}

// RunsHubctlCull reports whether s runs `hubctl cull`: the first word of its
// command is a path ending in hubctl, and the second word is "cull". A
// target that has its own idle culler turns that one off for such a service.
func (s *Service) RunsHubctlCull() bool {
	return len(s.Command) >= 2 && path.Base(s.Command[0]) == "hubctl" && s.Command[1] == "cull"
}

// CullerFlags is what of a `hubctl cull` command changes the scopes its
// token needs (cull.CullerFlags): --cull-users, and the rules of the file
// --rules names, read as the culler reads it. A rules file that cannot be
// read is an error: without it the role cannot be known.
func (s *Service) CullerFlags() (hub.CullerFlags, error) {
	var p cull.Policy
	var rules string
	args := s.Command[min(2, len(s.Command)):]
	for i, w := range args {
		switch {
		case w == "--cull-users" || w == "--cull-users=true":
			p.CullUsers = true
		case w == "--check-kernels" || w == "--check-kernels=true":
			p.CheckKernels = true
		case strings.HasPrefix(w, "--rules="):
			rules = strings.TrimPrefix(w, "--rules=")
		case w == "--rules" && i+1 < len(args):
			rules = args[i+1]
		}
	}
	if rules != "" {
		var err error
		if p.Rules, err = cull.LoadRules(rules); err != nil {
			return hub.CullerFlags{}, err
		}
	}
	return cull.CullerFlags(&p), nil
}

// TokenEnvVar is the variable `--token env` reads a service's token from.
func TokenEnvVarFor(service string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(service) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "HUBCTL_TOKEN_" + b.String()
}

// dict renders a Service in the key order of JupyterHub's documentation.
func (s *Service) dict() templates.Dict {
	d := templates.Dict{{Key: "name", Value: s.Name}}
	add := func(k string, v any) { d = append(d, templates.KV{Key: k, Value: v}) }
	if s.Admin {
		add("admin", true)
	}
	if s.URL != "" {
		add("url", s.URL)
	}
	switch s.Token {
	case TokenLiteral:
		add("api_token", s.APIToken)
	case TokenEnv:
		add("api_token", templates.Expr(blockOSAlias+".environ["+mustPyStr(s.TokenEnvVar)+"]"))
	}
	if len(s.Command) > 0 {
		add("command", s.Command)
	}
	if len(s.Environment) > 0 {
		add("environment", s.Environment)
	}
	if s.User != "" {
		add("user", s.User)
	}
	if s.Cwd != "" {
		add("cwd", s.Cwd)
	}
	if s.OAuthNoConfirm {
		add("oauth_no_confirm", true)
	}
	if s.OAuthClientID != "" {
		add("oauth_client_id", s.OAuthClientID)
	}
	if s.OAuthRedirectURI != "" {
		add("oauth_redirect_uri", s.OAuthRedirectURI)
	}
	if len(s.OAuthClientAllowedScopes) > 0 {
		add("oauth_client_allowed_scopes", s.OAuthClientAllowedScopes)
	}
	if len(s.OAuthRoles) > 0 {
		add("oauth_roles", s.OAuthRoles)
	}
	if s.Display != nil {
		add("display", *s.Display)
	}
	if len(s.Info) > 0 {
		add("info", s.Info)
	}
	if s.Timeout != nil {
		// An int literal: the Hub's timeout is an Integer, which refuses a
		// float, and %v would print 1e+06 for a million.
		add("timeout", templates.Expr(strconv.FormatFloat(*s.Timeout, 'f', -1, 64)))
	}
	return d
}

// AdminRole is JupyterHub's own admin role. In hubctl's block it has
// members only: the Hub refuses to start when a load_roles entry gives it
// a description or scopes other than its own (roles.create_role, 3.0.0
// roles.py:148-157, 5.2.1 roles.py:167-176), and its own scopes differ
// between versions.
const AdminRole = "admin"

func (r *Role) dict() templates.Dict {
	d := templates.Dict{{Key: "name", Value: r.Name}}
	if r.Description != "" && r.Name != AdminRole {
		d = append(d, templates.KV{Key: "description", Value: r.Description})
	}
	if r.Name != AdminRole {
		d = append(d, templates.KV{Key: "scopes", Value: r.Scopes})
	}
	for _, kv := range []struct {
		k string
		v []string
	}{{"services", r.Services}, {"users", r.Users}, {"groups", r.Groups}} {
		if len(kv.v) > 0 {
			d = append(d, templates.KV{Key: kv.k, Value: kv.v})
		}
	}
	return d
}

func mustPyStr(s string) string {
	lit, err := templates.PyStr(s)
	if err != nil {
		panic(err) // only called on names hubctl validated
	}
	return lit
}

// serviceFromValue reads a service dict back. strict refuses anything that
// is not a plain literal of the right type (hubctl's own block); otherwise
// unknown parts are left out.
func serviceFromValue(v *pyconfig.Value, strict bool) (Service, error) {
	var s Service
	if v.Kind != pyconfig.KindDict {
		return s, fmt.Errorf("%s: a service is %s, not a dict", v.Pos, v.Describe())
	}
	for i := range v.Keys {
		k, val := &v.Keys[i], &v.Items[i]
		if k.Kind != pyconfig.KindStr {
			return s, fmt.Errorf("%s: a service key is %s, not a string", k.Pos, k.Describe())
		}
		var err error
		switch k.Str {
		case "name":
			s.Name, err = asStr(val)
		case "admin":
			s.Admin, err = asBool(val)
		case "url":
			s.URL, err = asStr(val)
		case "api_token":
			switch val.Kind {
			case pyconfig.KindEnv:
				s.Token, s.TokenEnvVar = TokenEnv, val.Str
			case pyconfig.KindNone:
			case pyconfig.KindStr:
				s.Token, s.APIToken = TokenLiteral, val.Str
			default:
				s.Token = TokenUnknown
				err = fmt.Errorf("%s: api_token is %s, not a string", val.Pos, val.Describe())
			}
		case "command":
			s.Command, err = asStrings(val)
		case "environment":
			s.Environment, err = asStrMap(val)
		case "user":
			s.User, err = asStr(val)
		case "cwd":
			s.Cwd, err = asStr(val)
		case "oauth_no_confirm":
			s.OAuthNoConfirm, err = asBool(val)
		case "oauth_client_id":
			s.OAuthClientID, err = asStr(val)
		case "oauth_redirect_uri":
			s.OAuthRedirectURI, err = asStr(val)
		case "oauth_client_allowed_scopes":
			s.OAuthClientAllowedScopes, err = asStrings(val)
		case "oauth_roles":
			s.OAuthRoles, err = asStrings(val)
		case "display":
			var b bool
			b, err = asBool(val)
			s.Display = &b
		case "info":
			s.Info, err = asStrMap(val)
		case "timeout":
			switch val.Kind {
			case pyconfig.KindInt:
				f, _ := new(big.Float).SetInt(val.Int).Float64()
				s.Timeout = &f
			case pyconfig.KindFloat:
				s.Timeout = &val.Float
			default:
				err = fmt.Errorf("%s: timeout is %s, not a number", val.Pos, val.Describe())
			}
		default:
			err = fmt.Errorf("%s: unknown service key %q", k.Pos, k.Str)
		}
		if err != nil && strict {
			return s, err
		}
	}
	return s, nil
}

func roleFromValue(v *pyconfig.Value, strict bool) (Role, error) {
	var r Role
	if v.Kind != pyconfig.KindDict {
		return r, fmt.Errorf("%s: a role is %s, not a dict", v.Pos, v.Describe())
	}
	for i := range v.Keys {
		k, val := &v.Keys[i], &v.Items[i]
		if k.Kind != pyconfig.KindStr {
			return r, fmt.Errorf("%s: a role key is %s, not a string", k.Pos, k.Describe())
		}
		var err error
		switch k.Str {
		case "name":
			r.Name, err = asStr(val)
		case "description":
			r.Description, err = asStr(val)
		case "scopes":
			r.Scopes, err = asStrings(val)
		case "services":
			r.Services, err = asStrings(val)
		case "users":
			r.Users, err = asStrings(val)
		case "groups":
			r.Groups, err = asStrings(val)
		default:
			err = fmt.Errorf("%s: unknown role key %q", k.Pos, k.Str)
		}
		if err != nil && strict {
			return r, err
		}
	}
	return r, nil
}

func asStr(v *pyconfig.Value) (string, error) {
	if v.Kind != pyconfig.KindStr {
		return "", fmt.Errorf("%s: expected a string, found %s", v.Pos, v.Describe())
	}
	return v.Str, nil
}

func asBool(v *pyconfig.Value) (bool, error) {
	if v.Kind != pyconfig.KindBool {
		return false, fmt.Errorf("%s: expected True or False, found %s", v.Pos, v.Describe())
	}
	return v.Bool, nil
}

func asStrings(v *pyconfig.Value) ([]string, error) {
	if v.Kind != pyconfig.KindList {
		return nil, fmt.Errorf("%s: expected a list of strings, found %s", v.Pos, v.Describe())
	}
	out := make([]string, 0, len(v.Items))
	for i := range v.Items {
		s, err := asStr(&v.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func asStrMap(v *pyconfig.Value) (map[string]string, error) {
	if v.Kind != pyconfig.KindDict {
		return nil, fmt.Errorf("%s: expected a dict of strings, found %s", v.Pos, v.Describe())
	}
	out := make(map[string]string, len(v.Keys))
	for i := range v.Keys {
		k, err := asStr(&v.Keys[i])
		if err != nil {
			return nil, err
		}
		val, err := asStr(&v.Items[i])
		if err != nil {
			return nil, err
		}
		out[k] = val
	}
	return out, nil
}
