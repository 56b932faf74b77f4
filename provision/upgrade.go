package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
)

// What `hubctl config upgrade-check` finds: what breaks or changes meaning
// when a config written for one JupyterHub release meets another, from the
// facts in package hub. Findings of Validate at the new release that it
// does not make at the old one are reported as they are (a service key the
// new release lacks, a scope it renamed or does not have, a check it makes
// fatal); the checks below are about what Validate does not look at.

// upgradeChecks are upgrade-check's own findings, by id.
var upgradeChecks = map[string]Check{
	"HUB401": {"HUB401", SeverityWarning, ""}, // a service's 'admin': True
	"HUB402": {"HUB402", SeverityWarning, "list the admins in JupyterHub's admin role instead: c.JupyterHub.load_roles = [{'name': 'admin', 'users': [...]}], whose list the Hub keeps exact (removing a name revokes it)"},
	"HUB403": {"HUB403", SeverityWarning, "give each service its own token in c.JupyterHub.services (`hubctl service add NAME --token new`)"},
	"HUB404": {"HUB404", SeverityWarning, "list the scopes the service needs in oauth_client_allowed_scopes; hubctl does not turn roles into scopes for you"},
	"HUB405": {"HUB405", SeverityError, "say who may log in: c.Authenticator.allow_all = True keeps the old behaviour (every user who authenticates), or set c.Authenticator.allowed_users / allowed_groups"},
	"HUB406": {"HUB406", SeverityWarning, "check who may log in on the new Hub: JupyterHub 5.0 made c.Authenticator.allow_all default to False"},
	"HUB407": {"HUB407", SeverityWarning, "give the service a 'timeout' (seconds) that says how long the Hub should wait for it at its start"},
}

// upgradeReplaces are Validate's deprecation findings that upgrade-check
// reports in its own words (HUB401, HUB403, HUB404).
var upgradeReplaces = []string{"HUB207", "HUB208", "HUB209"}

// authTraits are the Authenticator traits upgrade-check reads, per section.
var authTraits = []pyconfig.Trait{
	{Name: "admin_users", Set: true},
	{Name: "allowed_users", Set: true},
	{Name: "allowed_groups", Set: true},
	{Name: "allow_all", Scalar: true},
	{Name: "allow_existing_users", Scalar: true},
}

var (
	authClassTrait     = pyconfig.Trait{Section: "JupyterHub", Name: "authenticator_class", Scalar: true}
	hubAdminUsersTrait = pyconfig.Trait{Section: "JupyterHub", Name: "admin_users", Set: true}
)

func upgradeTraits(sections []string) []pyconfig.Trait {
	out := []pyconfig.Trait{authClassTrait, hubAdminUsersTrait}
	for _, s := range sections {
		for _, t := range authTraits {
			t.Section = s
			out = append(out, t)
		}
	}
	return out
}

// ReadForUpgrade reads a config as ReadWith does, and also the
// authenticator's traits that upgrade-check needs: those of every section of
// JupyterHub's own authenticators, and, when c.JupyterHub.authenticator_class
// names another class, a second read with that class's section.
func ReadForUpgrade(ctx context.Context, path string, opts ReadOptions) (*Config, error) {
	return readForUpgrade(opts, func(o ReadOptions) (*Config, error) { return ReadWith(ctx, path, o) })
}

func readForUpgrade(opts ReadOptions, read func(ReadOptions) (*Config, error)) (*Config, error) {
	opts.Extra = upgradeTraits(hub.AuthenticatorSections)
	cfg, err := read(opts)
	if err != nil {
		return nil, err
	}
	auth, _ := cfg.authenticator()
	var missing []string
	for _, s := range auth.Sections {
		if !slices.Contains(hub.AuthenticatorSections, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return cfg, nil
	}
	opts.Extra = upgradeTraits(append(slices.Clip(hub.AuthenticatorSections), missing...))
	return read(opts)
}

// authenticator is the authenticator the config chooses, and where; with
// no c.JupyterHub.authenticator_class, JupyterHub's default. A class given
// as an object (an import) has no name hubctl can read: its class is "".
func (cfg *Config) authenticator() (hub.Authenticator, *pyconfig.Value) {
	vals := cfg.Extra[authClassTrait]
	if len(vals) == 0 {
		return hub.DefaultAuthenticator, nil
	}
	v := &vals[len(vals)-1]
	if v.Kind != pyconfig.KindStr {
		return hub.Authenticator{Default: hub.UnknownDefault, Sections: []string{"Authenticator"}}, v
	}
	return hub.LookupAuthenticator(v.Str), v
}

// setting is what the config gives one Authenticator trait, over the
// sections the authenticator reads.
type setting struct {
	set     bool // some section sets it
	truthy  bool // to True or a non-empty set
	unknown bool // to something hubctl cannot evaluate
	at      *pyconfig.Value
}

func (cfg *Config) authSetting(auth hub.Authenticator, name string) setting {
	var s setting
	for _, sec := range auth.Sections {
		var t pyconfig.Trait
		for _, at := range authTraits {
			if at.Name == name {
				t = at
			}
		}
		t.Section = sec
		vals := cfg.Extra[t]
		if len(vals) == 0 {
			continue
		}
		s.set = true
		if s.at == nil {
			s.at = &vals[0]
		}
		if t.Scalar {
			v := &vals[len(vals)-1]
			switch v.Kind {
			case pyconfig.KindBool:
				s.truthy = v.Bool
			case pyconfig.KindInt:
				s.truthy = v.Int.Sign() != 0
			default:
				s.unknown = true
			}
			continue
		}
		for i := range vals {
			if vals[i].Kind == pyconfig.KindUnknown || vals[i].Kind == pyconfig.KindEnv {
				s.unknown = true
			} else {
				s.truthy = true
			}
		}
	}
	return s
}

type upgrader struct {
	cfg      *Config
	from, to hub.Version
	plan     *UpgradePlan
	findings []Finding
}

func (u *upgrader) add(id string, sev Severity, p pyconfig.Pos, hint, format string, a ...any) {
	if p.File == "" {
		p = pyconfig.Pos{File: u.cfg.Path, Line: 1, Col: 1}
	}
	if hint == "" {
		hint = upgradeChecks[id].Hint
	}
	u.findings = append(u.findings, Finding{ID: id, Severity: sev, File: p.File, Line: p.Line, Col: p.Col, Message: fmt.Sprintf(format, a...), Hint: hint})
}

// UpgradeCheck returns what breaks (errors) or changes meaning or is
// deprecated (warnings) when cfg, which a JupyterHub at from runs, meets one
// at to; to may be older than from (a rollback). cfg should come from
// ReadForUpgrade, or the authenticator is taken for JupyterHub's default.
// Findings are sorted by position.
func UpgradeCheck(cfg *Config, from, to hub.Version) []Finding {
	u := &upgrader{cfg: cfg, from: from, to: to, plan: PlanUpgrade(cfg, from, to)}
	key := func(f Finding) string { return fmt.Sprintf("%s %s %s:%d:%d", f.ID, f.Severity, f.File, f.Line, f.Col) }
	had := map[string]bool{}
	for _, f := range Validate(cfg, ValidateOptions{Version: from}) {
		had[key(f)] = true
	}
	for _, f := range Validate(cfg, ValidateOptions{Version: to}) {
		// What hubctl could not read is not checked at either version: say so.
		if !slices.Contains(upgradeReplaces, f.ID) && (f.ID == "HUB301" || !had[key(f)]) {
			if h := u.plan.hint(pyconfig.Pos{File: f.File, Line: f.Line, Col: f.Col}); h != "" {
				f.Hint = h
			}
			u.findings = append(u.findings, f)
		}
	}
	u.services()
	u.adminUsers()
	u.apiTokens()
	u.allowConfig()
	sortFindings(u.findings)
	return u.findings
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
}

// isTrue is a Python value that traitlets' Bool takes as True.
func isTrue(v *pyconfig.Value) bool {
	return v.Kind == pyconfig.KindBool && v.Bool || v.Kind == pyconfig.KindInt && v.Int.IsInt64() && v.Int.Int64() == 1
}

func (u *upgrader) services() {
	for i := range u.cfg.Services {
		s := &u.cfg.Services[i]
		if s.Kind != pyconfig.KindDict {
			continue
		}
		name := "a service"
		if n, ok := s.Get("name"); ok && n.Kind == pyconfig.KindStr {
			name = fmt.Sprintf("service %q", n.Str)
		}
		if admin, ok := s.Get("admin"); ok && isTrue(admin) && hub.HasRBAC(u.to) {
			msg := fmt.Sprintf("'admin': True is deprecated since JupyterHub 2.0: %s holds JupyterHub's whole admin role, and the Hub keeps it in its database after the key is removed", name)
			if !hub.HasRBAC(u.from) {
				msg = fmt.Sprintf("'admin': True changes meaning at JupyterHub 2.0: it puts %s in JupyterHub's whole admin role (every scope), which the Hub keeps in its database after the key is removed", name)
			}
			u.add("HUB401", SeverityWarning, admin.Pos, u.plan.hint(admin.Pos), "%s", msg)
		}
		since := hub.ServiceTimeoutSince
		if url, ok := s.Get("url"); ok && url.Kind == pyconfig.KindStr && url.Str != "" && !u.from.AtLeast(since.Major, since.Minor) && u.to.AtLeast(since.Major, since.Minor) {
			if _, set := s.Get("timeout"); !set {
				before := "once for 1 s, as an external service"
				if _, managed := s.Get("command"); managed {
					before = "10 times for 1 s, as a managed service"
				}
				u.add("HUB407", SeverityWarning, url.Pos, "", "JupyterHub %s waits up to %d s at its start for %s at its url (the new service key 'timeout', default %d); JupyterHub %s tried %s", u.to, hub.DefaultServiceTimeout, name, hub.DefaultServiceTimeout, u.from, before)
			}
		}
		if roles, ok := s.Get("oauth_roles"); ok && roles.Kind == pyconfig.KindList && len(roles.Items) > 0 && u.to.AtLeast(3, 0) {
			k := keyPos(s, "oauth_roles")
			if _, both := s.Get("oauth_client_allowed_scopes"); both {
				u.add("HUB404", SeverityWarning, k, "", "oauth_roles of %s is deprecated since JupyterHub 3.0 and ignored: the service also sets oauth_client_allowed_scopes, which wins", name)
			} else {
				u.add("HUB404", SeverityWarning, k, "", "oauth_roles of %s is deprecated since JupyterHub 3.0 (%s): use oauth_client_allowed_scopes", name, hub.DeprecatedServiceKeys(u.to)["oauth_roles"])
			}
		}
	}
}

// keyPos is where key is written in a dict.
func keyPos(d *pyconfig.Value, key string) pyconfig.Pos {
	for i := range d.Keys {
		if d.Keys[i].Kind == pyconfig.KindStr && d.Keys[i].Str == key {
			return d.Keys[i].Pos
		}
	}
	return d.Pos
}

func (u *upgrader) adminUsers() {
	if vals := u.cfg.Extra[hubAdminUsersTrait]; len(vals) > 0 {
		u.add("HUB402", SeverityWarning, vals[0].Pos, "", "c.JupyterHub.admin_users is %s", hub.DeprecatedHubTraits()["admin_users"])
	}
	if !hub.HasRBAC(u.to) {
		return
	}
	auth, _ := u.cfg.authenticator()
	if s := u.cfg.authSetting(auth, "admin_users"); s.set && s.truthy {
		u.add("HUB402", SeverityWarning, s.at.Pos, "", "admin_users can only grant: since JupyterHub 2.0 a user in it gets the admin role, and the Hub keeps it in its database after the name is removed from admin_users")
	}
}

func (u *upgrader) apiTokens() {
	if len(u.cfg.APITokens) > 0 {
		u.add("HUB403", SeverityWarning, u.cfg.APITokens[0].Pos, "", "c.JupyterHub.api_tokens is %s", hub.DeprecatedHubTraits()["api_tokens"])
	}
}

// allowConfig is the change of JupyterHub 5.0: an authenticator lets
// nobody in unless some allow config says so (hub.AllowConfigSince), and
// its reverse on a rollback below 5.0.
func (u *upgrader) allowConfig() {
	up := !hub.AllowConfigRequired(u.from) && hub.AllowConfigRequired(u.to)
	down := hub.AllowConfigRequired(u.from) && !hub.AllowConfigRequired(u.to)
	if !up && !down {
		return
	}
	auth, classVal := u.cfg.authenticator()
	var at pyconfig.Pos
	chosen := fmt.Sprintf("c.JupyterHub.authenticator_class is not set, so the Hub uses its default, %s", auth.Class)
	if classVal != nil {
		at = classVal.Pos
		chosen = "the config's authenticator is " + auth.Class
		if auth.Class == "" {
			why := classVal.Reason
			if why == "" {
				why = classVal.Describe()
			}
			chosen = "the config's authenticator is a class object hubctl does not evaluate (" + why + ")"
		}
	}
	settings := map[string]setting{}
	allowed, unknown := false, u.cfg.mayTouchAuthenticator()
	for _, name := range hub.AllowTraits {
		s := u.cfg.authSetting(auth, name)
		settings[name] = s
		allowed = allowed || s.truthy
		unknown = unknown || s.unknown
	}
	if down {
		for _, name := range []string{"allow_all", "allow_existing_users"} {
			if s := settings[name]; s.set {
				u.add("HUB406", SeverityWarning, s.at.Pos, "before 5.0 only allowed_users (and, for local users, allowed_groups) limit who logs in",
					"JupyterHub %s has no Authenticator.%s: traitlets warns and ignores it", u.to, name)
			}
		}
		if auth.Default == hub.AllowsNobody && !settings["allowed_users"].truthy && !settings["allowed_groups"].truthy && !settings["allow_all"].truthy && !unknown {
			u.add("HUB405", SeverityError, at, "set c.Authenticator.allowed_users (or allowed_groups) to the users who may log in",
				"on JupyterHub %s every user who authenticates can log in while allowed_users is empty; %s (from 5.0 on, nobody without allow config)", u.to, chosen)
		}
		return
	}
	if allowed && !unknown {
		return
	}
	switch auth.Default {
	case hub.AllowsAll, hub.NoLogin:
		return
	case hub.UnknownDefault:
		if allowed {
			return
		}
		u.add("HUB406", SeverityWarning, at, "", "from JupyterHub 5.0 an authenticator lets nobody log in without allow config (allowed_users, allowed_groups, allow_all, allow_existing_users) unless its class says otherwise; %s and this config sets none that hubctl can see", chosen)
	case hub.AllowsNobody:
		if unknown {
			u.add("HUB406", SeverityWarning, at, "", "from JupyterHub 5.0 %s lets nobody log in without allow config, and this config's allow config is something hubctl cannot evaluate; %s", auth.Class, chosen)
			return
		}
		admins := ""
		if s := u.cfg.authSetting(auth, "admin_users"); s.truthy {
			admins = " (admin_users does not count: with allowed_users empty, the admins cannot log in either)"
		}
		u.add("HUB405", SeverityError, at, "", "from JupyterHub 5.0 nobody can log in: %s, which from 5.0 lets in only users that allowed_users, allowed_groups, allow_all or allow_existing_users allow, and this config sets none%s; up to 4.x every user who authenticated could log in", chosen, admins)
	}
}

// mayTouchAuthenticator reports whether a place the reader could not
// evaluate may set who logs in: a line of the config naming an allow trait
// or an authenticator, or any such place in a subconfig (whose text the
// Config does not keep). The reader marks the traits a statement it parsed
// but could not follow touches; a line it could not parse it cannot tell.
func (cfg *Config) mayTouchAuthenticator() bool {
	lines := strings.Split(string(cfg.Src), "\n")
	for _, w := range cfg.Warnings {
		if w.Fact != "" {
			continue
		}
		if w.Pos.File != cfg.Path || w.Pos.Line < 1 || w.Pos.Line > len(lines) {
			return true
		}
		text := strings.ToLower(lines[w.Pos.Line-1])
		if strings.Contains(text, "allow") || strings.Contains(text, "authenticator") {
			return true
		}
	}
	return false
}

// UpgradeStep is one migration --write makes in a service of hubctl's
// block: 'admin': True replaced by a role, or OAuth keys dropped that had
// no effect on the old Hub and stop the new one.
type UpgradeStep struct {
	Service string
	At      []pyconfig.Pos // the values it changes
	Role    *Role          // the role it joins in place of 'admin': True: its own, or the admin role
	Drop    []string       // the OAuth keys it drops
	Note    string
}

// UpgradeRefusal is something --write leaves alone, and why.
type UpgradeRefusal struct {
	Service string
	What    string // "'admin': True", "oauth_no_confirm"
	Pos     pyconfig.Pos
	Why     string
}

// UpgradePlan is what --write would migrate, and what it would not.
type UpgradePlan struct {
	Steps   []UpgradeStep
	Refused []UpgradeRefusal
}

// hint is the hint of a finding at p: what --write does there or why not.
func (p *UpgradePlan) hint(at pyconfig.Pos) string {
	for _, s := range p.Steps {
		if slices.Contains(s.At, at) {
			return "`hubctl config upgrade-check --write` migrates it: " + s.Note
		}
	}
	for _, r := range p.Refused {
		if r.Pos == at {
			return r.Why
		}
	}
	return ""
}

// PlanUpgrade is the migration policy of upgrade-check --write, from a Hub
// at from to one at to. In hubctl's block:
//   - each service with 'admin': True loses it and gets a role instead (2.0
//     and later): a service that runs `hubctl cull` gets the culler's
//     least-privilege role NAME-role (hub.CullerRoleScopes); any other joins
//     JupyterHub's admin role, since hubctl cannot know what less it needs;
//   - on the way to 5.0 or later, a service with OAuth keys but neither a url
//     nor an oauth_redirect_uri loses them: they had no effect before 5.0,
//     which refuses to start with them (hub.OAuthWithoutRedirectFatal).
//
// Nothing outside the block is edited (it is the admin's own text, which
// hubctl does not rewrite), and a migration that would change what another
// service holds is refused: the admin role's service list in load_roles is
// exact, so it cannot be written while a service outside the block still
// has 'admin': True or the file defines the admin role itself.
func PlanUpgrade(cfg *Config, from, to hub.Version) *UpgradePlan {
	plan := &UpgradePlan{}
	m, blockErr := cfg.Managed()
	plan.oauth(cfg, from, to, blockErr)
	type adminService struct {
		svc     Service
		pos     pyconfig.Pos
		managed bool
	}
	var admins []adminService
	for i := range cfg.Services {
		v := &cfg.Services[i]
		if v.Kind != pyconfig.KindDict {
			continue
		}
		if a, ok := v.Get("admin"); ok && isTrue(a) {
			s, _ := serviceFromValue(v, false)
			admins = append(admins, adminService{s, a.Pos, cfg.inBlock(v.Pos)})
		}
	}
	if len(admins) == 0 {
		return plan
	}
	roleAt := map[string]bool{} // roles the file defines outside hubctl's block
	for i := range cfg.Roles {
		if r := &cfg.Roles[i]; r.Kind == pyconfig.KindDict && !cfg.inBlock(r.Pos) {
			if n, ok := r.Get("name"); ok && n.Kind == pyconfig.KindStr {
				roleAt[n.Str] = true
			}
		}
	}
	var handWritten []string
	for _, a := range admins {
		if !a.managed {
			handWritten = append(handWritten, fmt.Sprintf("%q", a.svc.Name))
		}
	}
	for _, a := range admins {
		refuse := func(format string, args ...any) {
			plan.Refused = append(plan.Refused, UpgradeRefusal{Service: a.svc.Name, What: "'admin': True", Pos: a.pos, Why: fmt.Sprintf(format, args...)})
		}
		switch {
		case !hub.HasRBAC(to):
			refuse("JupyterHub %s has no roles (they came with 2.0): 'admin': True is the only way there", to)
		case !a.managed:
			refuse("the service is written outside hubctl's block, which hubctl does not edit: replace 'admin': True by hand with a role in c.JupyterHub.load_roles naming the service (and its scopes)")
		case blockErr != nil:
			refuse("hubctl's block cannot be read back (%v)", blockErr)
		case a.svc.RunsHubctlCull():
			name := hub.RoleName(a.svc.Name)
			if _, i := m.role(name); i >= 0 || roleAt[name] {
				refuse("the file already has a role %q; give the service its scopes by hand", name)
				continue
			}
			given := func(flag string) bool {
				return slices.ContainsFunc(a.svc.Command, func(w string) bool { return w == flag || w == flag+"=true" })
			}
			scopes := hub.CullerRoleScopes(to, hub.CullerFlags{CullUsers: given("--cull-users"), CheckKernels: given("--check-kernels")})
			plan.Steps = append(plan.Steps, UpgradeStep{Service: a.svc.Name, At: []pyconfig.Pos{a.pos},
				Role: &Role{Name: name, Description: "least-privilege role hubctl gives the idle culler", Scopes: scopes, Services: []string{a.svc.Name}},
				Note: fmt.Sprintf("the service runs `hubctl cull`, so it gets the culler's least-privilege role %s (%s) instead; the admin role it already holds stays in the Hub's database until a load_roles entry for the admin role lists the services that keep it", name, strings.Join(scopes, ", "))})
		case roleAt[AdminRole]:
			refuse("the file defines the admin role outside hubctl's block: add %q to that role's services by hand (hubctl cannot know what less it needs)", a.svc.Name)
		case len(handWritten) > 0:
			refuse("the admin role's list of services is exact, and the services %s outside hubctl's block also have 'admin': True, which the Hub would then take away; migrate those first", strings.Join(handWritten, ", "))
		default:
			plan.Steps = append(plan.Steps, UpgradeStep{Service: a.svc.Name, At: []pyconfig.Pos{a.pos},
				Role: &Role{Name: AdminRole, Services: []string{a.svc.Name}},
				Note: "hubctl does not know what less the service needs, so it joins JupyterHub's admin role in hubctl's block, with a comment saying so; that list is exact, so a service later removed from it loses the admin role"})
		}
	}
	// With an admin role in the block, the Hub takes the admin role from a
	// culler at its next start, which the culler's note then says.
	exact := false
	if _, i := m.role(AdminRole); i >= 0 && blockErr == nil {
		exact = true
	}
	for _, st := range plan.Steps {
		exact = exact || st.Role != nil && st.Role.Name == AdminRole
	}
	for i := range plan.Steps {
		if st := &plan.Steps[i]; exact && st.Role != nil && st.Role.Name != AdminRole {
			st.Note = strings.Replace(st.Note, "the admin role it already holds stays in the Hub's database until a load_roles entry for the admin role lists the services that keep it",
				"the admin role in hubctl's block, which lists its services exactly, takes the admin role it held away at the Hub's next start", 1)
		}
	}
	return plan
}

// oauth plans the OAuth keys to drop on the way to 5.0 (see PlanUpgrade).
func (p *UpgradePlan) oauth(cfg *Config, from, to hub.Version, blockErr error) {
	// Before the release that stops on them, such keys had no effect
	// (hub.OAuthClientKeys): dropping them changes nothing there.
	if hub.OAuthWithoutRedirectFatal(from) || !hub.OAuthWithoutRedirectFatal(to) {
		return
	}
	for i := range cfg.Services {
		v := &cfg.Services[i]
		if v.Kind != pyconfig.KindDict || hasClientURL(v) {
			continue
		}
		var keys []string
		var at []pyconfig.Pos
		for _, k := range hub.ServiceOAuthKeys {
			if val, ok := v.Get(k); ok && !(val.Kind == pyconfig.KindBool && !val.Bool) && val.Kind != pyconfig.KindNone && !(val.Kind == pyconfig.KindList && len(val.Items) == 0) && !(val.Kind == pyconfig.KindStr && val.Str == "") {
				keys = append(keys, k)
				at = append(at, val.Pos)
			}
		}
		if len(keys) == 0 {
			continue
		}
		s, _ := serviceFromValue(v, false)
		switch {
		case !cfg.inBlock(v.Pos):
			for j, k := range keys {
				p.Refused = append(p.Refused, UpgradeRefusal{Service: s.Name, What: k, Pos: at[j],
					Why: fmt.Sprintf("the service is written outside hubctl's block, which hubctl does not edit: remove %s by hand (without a url or an oauth_redirect_uri they had no effect before JupyterHub 5.0), or give the service its url", strings.Join(keys, ", "))})
			}
		case blockErr != nil:
			p.Refused = append(p.Refused, UpgradeRefusal{Service: s.Name, What: keys[0], Pos: at[0], Why: fmt.Sprintf("hubctl's block cannot be read back (%v)", blockErr)})
		default:
			p.Steps = append(p.Steps, UpgradeStep{Service: s.Name, At: at, Drop: keys,
				Note: fmt.Sprintf("it drops %s, which without a url or an oauth_redirect_uri had no effect on JupyterHub %s and stop JupyterHub %s from starting", strings.Join(keys, ", "), from, to)})
		}
	}
}

// hasClientURL reports whether a service sets a url or an
// oauth_redirect_uri, which give it an OAuth client.
func hasClientURL(v *pyconfig.Value) bool {
	for _, k := range []string{"url", "oauth_redirect_uri"} {
		if val, ok := v.Get(k); ok && !(val.Kind == pyconfig.KindStr && val.Str == "") && val.Kind != pyconfig.KindNone {
			return true
		}
	}
	return false
}

// role returns the block's role called name.
func (m *Managed) role(name string) (*Role, int) {
	for i := range m.Roles {
		if m.Roles[i].Name == name {
			return &m.Roles[i], i
		}
	}
	return nil, -1
}

// apply makes the plan's steps in the block.
func (p *UpgradePlan) apply(m *Managed, to hub.Version) error {
	defined := map[string]bool{}
	for _, s := range m.Services {
		defined[s.Name] = true
	}
	for _, st := range p.Steps {
		svc, _ := m.Service(st.Service)
		if svc == nil {
			return fmt.Errorf("internal error: the service %q is not in hubctl's block", st.Service)
		}
		for _, k := range st.Drop {
			switch k {
			case "oauth_client_id":
				svc.OAuthClientID = ""
			case "oauth_no_confirm":
				svc.OAuthNoConfirm = false
			case "oauth_client_allowed_scopes":
				svc.OAuthClientAllowedScopes = nil
			case "oauth_roles":
				svc.OAuthRoles = nil
			}
		}
		if st.Role == nil {
			continue
		}
		svc.Admin = false
		if r, i := m.role(st.Role.Name); i >= 0 {
			if !slices.Contains(r.Services, st.Service) {
				r.Services = append(r.Services, st.Service)
			}
			continue
		}
		if st.Role.Name != AdminRole {
			if err := CheckRole(st.Role, to, defined); err != nil {
				return err
			}
		}
		m.Roles = append(m.Roles, *st.Role)
	}
	return nil
}

// MigrateUpgrade makes PlanUpgrade's migrations in the config at path, for
// a Hub at from that is to become one at to, through Apply (under the lock, checked, atomic, with a
// backup; opts.DryRun writes nothing). The plan is made again from the file
// as read under the lock. before and after are the file's config and block
// as the edit saw them, for a masked diff.
func MigrateUpgrade(ctx context.Context, path string, from, to hub.Version, opts EditOptions) (res *Result, plan *UpgradePlan, before *Config, after *Managed, err error) {
	opts.Version = to
	res, err = Apply(ctx, path, opts, func(cfg *Config, m *Managed) error {
		before, after = cfg, m
		plan = PlanUpgrade(cfg, from, to)
		return plan.apply(m, to)
	})
	return res, plan, before, after, err
}
