package provision

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
)

// Severity of a finding.
type Severity string

const (
	SeverityError   Severity = "error"   // the Hub refuses to start, now or at its next start
	SeverityWarning Severity = "warning" // the Hub starts, but something is wrong, weak or deprecated
)

// Finding is one result of Validate.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

func (f Finding) String() string {
	pos := pyconfig.Pos{File: f.File, Line: f.Line, Col: f.Col}
	s := fmt.Sprintf("%s: %s %s: %s", pos, f.Severity, f.ID, f.Message)
	if f.Hint != "" {
		s += "\n    hint: " + f.Hint
	}
	return s
}

// Check is one kind of finding: its id, severity and hint.
type Check struct {
	ID       string
	Severity Severity
	Hint     string
}

// checks is every check Validate makes, by id; unexported, so that nothing
// outside can change a severity or hint under Validate.
var checks = map[string]Check{
	"HUB101": {"HUB101", SeverityError, "remove the key or fix its spelling; `hubctl service add --help` lists the keys"},
	"HUB102": {"HUB102", SeverityError, "give the service a 'name'"},
	"HUB103": {"HUB103", SeverityError, "use `hubctl token new` for a 64-character token"},
	"HUB104": {"HUB104", SeverityError, "see the type JupyterHub expects for this key"},
	"HUB105": {"HUB105", SeverityError, "a service url is http:// or https://, with a port"},
	"HUB106": {"HUB106", SeverityError, "oauth_client_id must start with 'service-'"},
	"HUB107": {"HUB107", SeverityError, "role names are lowercase letters, digits and - _ ~ . , starting with a letter"},
	"HUB108": {"HUB108", SeverityError, "merge the two roles or rename one"},
	"HUB109": {"HUB109", SeverityError, "`hubctl service add --help` and JupyterHub's scope reference list the scopes of each version"},
	"HUB110": {"HUB110", SeverityError, "define the service, or drop it from the role"},
	"HUB111": {"HUB111", SeverityError, "give the service its url (or an oauth_redirect_uri), or drop oauth_client_id and oauth_no_confirm"},
	"HUB112": {"HUB112", SeverityError, "give the role a 'name'"},
	"HUB113": {"HUB113", SeverityError, "give the role a 'scopes' list: without one JupyterHub 3.0 starts once, then fails on every later start, and from 3.1 it starts with a role that grants nothing"},
	"HUB114": {"HUB114", SeverityError, "each entry is a dict"},
	"HUB115": {"HUB115", SeverityError, "assign the list first in the same file (c.JupyterHub.services = [...]), or use .append()/.extend(), which traitlets merges"},
	"HUB116": {"HUB116", SeverityError, "pass a string: load_subconfig(str(path))"},
	"HUB201": {"HUB201", SeverityWarning, "JupyterHub merges services of the same name: both tokens go to one service and the last entry's fields win; remove one"},
	"HUB202": {"HUB202", SeverityWarning, "JupyterHub gives the token to one service only and the other silently gets none; give each service its own (`hubctl token new`)"},
	"HUB203": {"HUB203", SeverityWarning, "the token belongs to the service and the api_tokens user is never created; give each its own token"},
	"HUB204": {"HUB204", SeverityWarning, "a role without scopes grants nothing"},
	"HUB205": {"HUB205", SeverityWarning, "use `hubctl token new` (32 random bytes, 64 hex characters)"},
	"HUB206": {"HUB206", SeverityWarning, "chmod 600 the file, or keep the token out of it: `hubctl service add NAME --replace --token env`"},
	"HUB207": {"HUB207", SeverityWarning, "'admin': True is deprecated since JupyterHub 2.0 and the admin role stays in the Hub's database after it is removed; grant scopes with a role (`hubctl service add NAME --scope …`)"},
	"HUB208": {"HUB208", SeverityWarning, "oauth_roles is deprecated since JupyterHub 3.0; use oauth_client_allowed_scopes"},
	"HUB209": {"HUB209", SeverityWarning, "c.JupyterHub.api_tokens is deprecated; give a service its token instead (`hubctl service add`)"},
	"HUB210": {"HUB210", SeverityWarning, "JupyterHub ignores unknown role keys: name, description, scopes, users, services, groups"},
	"HUB211": {"HUB211", SeverityWarning, "give the service its url (or an oauth_redirect_uri), or drop the OAuth keys"},
	"HUB212": {"HUB212", SeverityWarning, "build the path from the config's own place, os.path.join(os.path.dirname(__file__), 'NAME.py'), or tell hubctl where the Hub runs with --cwd DIR"},
	"HUB301": {"HUB301", SeverityWarning, "hubctl reads Python statically; run it with --python /usr/bin/python3 to load the file with the real traitlets"},
}

// ValidateOptions are the inputs Validate needs besides the config.
type ValidateOptions struct {
	Version hub.Version
	// Mode is the file's permission bits, for HUB206; 0 skips that check.
	Mode os.FileMode
}

type validator struct {
	cfg      *Config
	opts     ValidateOptions
	findings []Finding
}

func (v *validator) add(id string, p pyconfig.Pos, format string, a ...any) {
	v.addSev(id, checks[id].Severity, p, format, a...)
}

// addSev adds a finding whose severity depends on the case (e.g. a url the
// Hub refuses in one version and tolerates in another).
func (v *validator) addSev(id string, sev Severity, p pyconfig.Pos, format string, a ...any) {
	c := checks[id]
	v.findings = append(v.findings, Finding{ID: id, Severity: sev, File: p.File, Line: p.Line, Col: p.Col, Message: fmt.Sprintf(format, a...), Hint: c.Hint})
}

// Validate applies JupyterHub's own startup checks on services, roles and
// api_tokens for a version, and the traps it does not catch. Findings are
// sorted by position.
func Validate(cfg *Config, opts ValidateOptions) []Finding {
	v := &validator{cfg: cfg, opts: opts}
	for _, w := range cfg.Warnings {
		v.add(checkID(w), w.Pos, "%s", w.Msg)
	}
	for _, list := range [][]pyconfig.Value{cfg.Services, cfg.Roles, cfg.APITokens} {
		for i := range list {
			if list[i].Kind == pyconfig.KindUnknown {
				v.add("HUB301", list[i].Pos, "an entry hubctl cannot evaluate (%s); it is not checked", list[i].Reason)
			}
		}
	}
	v.services()
	v.roles()
	// One finding per id and place.
	seen := map[string]bool{}
	v.findings = slices.DeleteFunc(v.findings, func(f Finding) bool {
		key := fmt.Sprintf("%s %s:%d:%d", f.ID, f.File, f.Line, f.Col)
		dup := seen[key]
		seen[key] = true
		return dup
	})
	sort.SliceStable(v.findings, func(i, j int) bool {
		a, b := v.findings[i], v.findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return v.findings
}

// serviceKinds are the kinds a service key takes (hub.ServiceFieldTypes);
// Env and None pass.
func serviceKinds(key string) []pyconfig.Kind {
	var out []pyconfig.Kind
	for _, t := range hub.ServiceFieldTypes(key) {
		out = append(out, fieldKinds[t])
	}
	return out
}

var fieldKinds = map[hub.FieldType]pyconfig.Kind{hub.FieldStr: pyconfig.KindStr, hub.FieldBool: pyconfig.KindBool, hub.FieldInt: pyconfig.KindInt, hub.FieldFloat: pyconfig.KindFloat, hub.FieldStrList: pyconfig.KindList, hub.FieldDict: pyconfig.KindDict}

func (v *validator) services() {
	ver := v.opts.Version
	keys := hub.ServiceKeys(ver)
	deprecated := hub.DeprecatedServiceKeys(ver)
	names := map[string]pyconfig.Pos{}
	tokens := map[string]pyconfig.Pos{}
	literalToken := pyconfig.Pos{}
	for i := range v.cfg.Services {
		s := &v.cfg.Services[i]
		if s.Kind == pyconfig.KindUnknown {
			continue
		}
		if s.Kind != pyconfig.KindDict {
			v.add("HUB114", s.Pos, "a service entry is %s, not a dict", s.Describe())
			continue
		}
		var name *pyconfig.Value
		for j := range s.Keys {
			k, val := &s.Keys[j], &s.Items[j]
			if k.Kind != pyconfig.KindStr {
				if k.Kind != pyconfig.KindUnknown {
					v.add("HUB101", k.Pos, "a service key is %s, not a string", k.Describe())
				}
				continue
			}
			if !slices.Contains(keys, k.Str) {
				v.add("HUB101", k.Pos, "JupyterHub %s has no service key %q (it stops with \"No such service field\")", ver, k.Str)
				continue
			}
			if why, ok := deprecated[k.Str]; ok && !(k.Str == "admin" && val.Kind == pyconfig.KindBool && !val.Bool) {
				id := "HUB207"
				if k.Str == "oauth_roles" {
					id = "HUB208"
				}
				v.add(id, k.Pos, "the service key %q is deprecated: %s", k.Str, why)
			}
			if val.Kind == pyconfig.KindUnknown {
				v.add("HUB301", val.Pos, "the service's %q is %s; it is not checked", k.Str, val.Describe())
				continue
			}
			if k.Str == "command" && val.Kind == pyconfig.KindStr {
				// The Hub wraps a string as a one-element list: fine for a bare
				// program, fatal when arguments were meant. 5.x also stores the
				// spec's own value in its database (service_from_spec copies
				// every in_db field) and fails reading the str back as JSON in
				// the same start [ran 5.2.1: JSONDecodeError].
				if ver.AtLeast(5, 0) {
					v.add("HUB104", val.Pos, "command is a string: JupyterHub %s stores it in its database as it is and fails to read it back at the start (JSONDecodeError); write a list such as [%q]", ver, val.Str)
				} else if strings.ContainsAny(strings.TrimSpace(val.Str), " \t") {
					v.add("HUB104", val.Pos, "command is a string: JupyterHub runs %q as one program name, spaces included, and fails to start the service; write a list such as ['python3', '-m', 'mysvc']", val.Str)
				} else {
					v.addSev("HUB104", SeverityWarning, val.Pos, "command is a string; JupyterHub wraps it as [%q], which works only while it has no arguments: write a list", val.Str)
				}
				continue
			}
			if !v.typeOK(k.Str, val) {
				v.add("HUB104", val.Pos, "the service key %q is %s; JupyterHub wants %s", k.Str, val.Describe(), kindNames(serviceKinds(k.Str)))
				continue
			}
			switch k.Str {
			case "name":
				name = val
			case "api_token":
				if val.Kind == pyconfig.KindStr {
					literalToken = firstPos(literalToken, val.Pos)
					v.token(val, "this service's api_token")
					if prev, ok := tokens[val.Str]; ok {
						v.add("HUB202", val.Pos, "the same api_token as the service at %s", prev)
					} else {
						tokens[val.Str] = val.Pos
					}
				}
			case "url":
				v.url(val)
			case "oauth_client_id":
				if val.Kind == pyconfig.KindStr && !strings.HasPrefix(val.Str, "service-") {
					v.add("HUB106", val.Pos, "oauth_client_id %q does not start with \"service-\"; JupyterHub refuses to start", val.Str)
				}
			case "oauth_client_allowed_scopes":
				// Not checked at the Hub's start; it fails when the service asks for OAuth.
				v.scopeList(val, "oauth_client_allowed_scopes", SeverityWarning)
			}
		}
		if name == nil {
			v.add("HUB102", s.Pos, "a service without a 'name'; JupyterHub refuses to start")
		} else if name.Kind == pyconfig.KindStr {
			if prev, ok := names[name.Str]; ok {
				v.add("HUB201", name.Pos, "a second service named %q (the first is at %s); JupyterHub merges them", name.Str, prev)
			} else {
				names[name.Str] = name.Pos
			}
		}
		v.oauthWithoutClient(s)
	}
	for i := range v.cfg.APITokens {
		t := &v.cfg.APITokens[i]
		if i == 0 {
			v.add("HUB209", t.Pos, "c.JupyterHub.api_tokens is deprecated")
		}
		if t.Kind != pyconfig.KindStr {
			continue
		}
		literalToken = firstPos(literalToken, t.Pos)
		v.token(t, "this api_tokens token")
		if prev, ok := tokens[t.Str]; ok {
			v.add("HUB203", t.Pos, "the api_tokens token is also the api_token of the service at %s", prev)
		}
	}
	if literalToken.Line > 0 && v.opts.Mode&0o077 != 0 {
		v.add("HUB206", literalToken, "the file holds a literal token and has mode %04o: others can read it", v.opts.Mode.Perm())
	}
}

// oauthWithoutClient checks the OAuth keys of a service that has neither a
// url nor an oauth_redirect_uri, for which the Hub can register no OAuth
// client (it has no redirect URI for it):
//   - before 5.0 the Hub registers none and the keys have no effect
//     (Service.oauth_available is "url or oauth_redirect_uri",
//     jupyterhub/services/service.py, 3.0.0): HUB211;
//   - from 5.0 setting oauth_client_id or oauth_no_confirm (the keys that
//     Service._oauth_config_set records, 5.2.1) asks for a client, and the Hub
//     stops with "has oauth configured, but is missing required
//     oauth_redirect_uri" [ran 5.2.1]: HUB111. oauth_client_allowed_scopes and
//     oauth_roles alone still have no effect: HUB211.
func (v *validator) oauthWithoutClient(s *pyconfig.Value) {
	for _, k := range []string{"url", "oauth_redirect_uri"} {
		if val, ok := s.Get(k); ok && !(val.Kind == pyconfig.KindStr && val.Str == "") && val.Kind != pyconfig.KindNone {
			return
		}
	}
	unset := func(val *pyconfig.Value) bool {
		return val.Kind == pyconfig.KindBool && !val.Bool || val.Kind == pyconfig.KindList && len(val.Items) == 0 ||
			val.Kind == pyconfig.KindNone || val.Kind == pyconfig.KindStr && val.Str == ""
	}
	if v.opts.Version.AtLeast(5, 0) {
		for _, k := range []string{"oauth_client_id", "oauth_no_confirm"} {
			if val, ok := s.Get(k); ok && !unset(val) {
				v.add("HUB111", val.Pos, "%s without a url or an oauth_redirect_uri; JupyterHub %s refuses to start (\"has oauth configured, but is missing required oauth_redirect_uri\")", k, v.opts.Version)
				return
			}
		}
	}
	for _, k := range []string{"oauth_client_id", "oauth_no_confirm", "oauth_client_allowed_scopes", "oauth_roles"} {
		if val, ok := s.Get(k); ok && !unset(val) {
			v.add("HUB211", val.Pos, "%s has no effect: without a url or an oauth_redirect_uri, JupyterHub %s registers no OAuth client for the service", k, v.opts.Version)
			return
		}
	}
}

func firstPos(have, p pyconfig.Pos) pyconfig.Pos {
	if have.Line == 0 {
		return p
	}
	return have
}

func (v *validator) token(t *pyconfig.Value, what string) {
	switch {
	case t.Str == "":
		// An empty token is no token: the Hub registers none, silently.
	case len(t.Str) < 8:
		v.add("HUB103", t.Pos, "%s is %d characters; JupyterHub refuses tokens shorter than 8", what, len(t.Str))
	case len(t.Str) < 32:
		v.add("HUB205", t.Pos, "%s is only %d characters; a token should be at least 32 random hex characters", what, len(t.Str))
	}
}

func (v *validator) url(val *pyconfig.Value) {
	if val.Kind != pyconfig.KindStr || val.Str == "" {
		return
	}
	u, err := url.Parse(val.Str)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return
	}
	v.add("HUB105", val.Pos, "url %q is not an http(s) URL with a host; JupyterHub refuses to start", val.Str)
}

func (v *validator) typeOK(key string, val *pyconfig.Value) bool {
	if val.Kind == pyconfig.KindUnknown || val.Kind == pyconfig.KindEnv || val.Kind == pyconfig.KindNone && key != "name" {
		return true
	}
	if val.Kind == pyconfig.KindInt && slices.Contains(serviceKinds(key), pyconfig.KindBool) && val.Int.IsInt64() && (val.Int.Int64() == 0 || val.Int.Int64() == 1) {
		return true // traitlets' Bool takes 0 and 1
	}
	if !slices.Contains(serviceKinds(key), val.Kind) {
		return false
	}
	switch val.Kind {
	case pyconfig.KindList:
		for i := range val.Items {
			if it := &val.Items[i]; it.Kind != pyconfig.KindStr && it.Kind != pyconfig.KindUnknown && it.Kind != pyconfig.KindEnv {
				return false
			}
		}
	case pyconfig.KindDict:
		for i := range val.Keys {
			if k := &val.Keys[i]; k.Kind != pyconfig.KindStr && k.Kind != pyconfig.KindUnknown {
				return false
			}
		}
	}
	return true
}

func kindNames(kinds []pyconfig.Kind) string {
	var out []string
	for _, k := range kinds {
		out = append(out, pyconfig.Value{Kind: k}.Describe())
	}
	return strings.Join(out, " or ")
}

func (v *validator) scopeList(val *pyconfig.Value, what string, sev Severity) {
	if val.Kind != pyconfig.KindList {
		return
	}
	for i := range val.Items {
		sc := &val.Items[i]
		if sc.Kind != pyconfig.KindStr {
			continue
		}
		if err := hub.ValidateScope(v.opts.Version, sc.Str); err != nil {
			v.addSev("HUB109", sev, sc.Pos, "%s: %v", what, err)
		}
	}
}

var roleKeys = []string{"name", "description", "scopes", "users", "services", "groups"}

func (v *validator) roles() {
	ver := v.opts.Version
	if len(v.cfg.Roles) == 0 || !hub.HasRBAC(ver) {
		return
	}
	// Services the file defines; if any name is unknown, HUB110 cannot be sure.
	defined := map[string]bool{}
	allKnown := true
	for i := range v.cfg.Services {
		s := &v.cfg.Services[i]
		if s.Kind != pyconfig.KindDict {
			allKnown = allKnown && s.Kind != pyconfig.KindUnknown
			continue
		}
		if n, ok := s.Get("name"); ok && n.Kind == pyconfig.KindStr {
			defined[n.Str] = true
		} else if ok {
			allKnown = false
		}
	}
	seen := map[string]pyconfig.Pos{}
	for i := range v.cfg.Roles {
		r := &v.cfg.Roles[i]
		if r.Kind == pyconfig.KindUnknown {
			continue
		}
		if r.Kind != pyconfig.KindDict {
			v.add("HUB114", r.Pos, "a role entry is %s, not a dict", r.Describe())
			continue
		}
		for j := range r.Keys {
			if k := &r.Keys[j]; k.Kind == pyconfig.KindStr && !slices.Contains(roleKeys, k.Str) {
				v.add("HUB210", k.Pos, "JupyterHub ignores the role key %q", k.Str)
			}
		}
		name, ok := r.Get("name")
		switch {
		case !ok:
			v.add("HUB112", r.Pos, "a role without a 'name'; JupyterHub stops with KeyError: 'name'")
		case name.Kind == pyconfig.KindStr:
			if !hub.RoleNameRE(ver).MatchString(name.Str) {
				v.add("HUB107", name.Pos, "role name %q does not match JupyterHub's %s", name.Str, strings.Replace(hub.RoleNameRE(ver).String(), `\n?$`, "$", 1))
			}
			if prev, dup := seen[name.Str]; dup {
				v.add("HUB108", name.Pos, "a second role named %q (the first is at %s); JupyterHub refuses to start", name.Str, prev)
			}
			seen[name.Str] = name.Pos
		}
		scopes, ok := r.Get("scopes")
		isDefault := name != nil && name.Kind == pyconfig.KindStr && slices.Contains(hub.DefaultRoles(ver), name.Str)
		switch {
		case !ok && isDefault:
			// The Hub's own roles (admin, user, server, token) keep their scopes.
		case !ok && ver.AtLeast(3, 1):
			// From 3.1.0 (commit 3bb0d57e: app.py reads role_spec.get('scopes',
			// []), roles.py warns "Role NAME will have no scopes") the Hub
			// starts every time [ran 5.2.1].
			v.addSev("HUB113", SeverityWarning, r.Pos, "a role without a 'scopes' key; JupyterHub %s starts with a role that grants nothing", ver)
		case !ok:
			v.add("HUB113", r.Pos, "a role without a 'scopes' key; JupyterHub %s starts once, then fails on every later start", ver)
		case scopes.Kind == pyconfig.KindList && len(scopes.Items) == 0:
			v.add("HUB204", scopes.Pos, "the role has an empty scopes list")
		case scopes.Kind == pyconfig.KindList:
			v.scopeList(scopes, "scope", SeverityError)
		}
		for j := range r.Items {
			if it := &r.Items[j]; it.Kind == pyconfig.KindUnknown {
				v.add("HUB301", it.Pos, "a role value hubctl cannot evaluate (%s); it is not checked", it.Reason)
			}
		}
		if svcs, ok := r.Get("services"); ok && svcs.Kind == pyconfig.KindList && allKnown {
			for k := range svcs.Items {
				s := &svcs.Items[k]
				if s.Kind == pyconfig.KindStr && !defined[s.Str] {
					v.add("HUB110", s.Pos, "the role names the service %q, which this file does not define; JupyterHub refuses to start", s.Str)
				}
			}
		}
	}
}
