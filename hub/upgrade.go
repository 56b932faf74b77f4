package hub

// What changes for a config between two JupyterHub releases besides the
// service keys (ServiceKeys, DeprecatedServiceKeys) and the scopes
// (Scopes, ValidateScope): who may log in, admin rights that outlive the
// config that granted them, and deprecated traits. `hubctl config
// upgrade-check` reads these. Each cites the tag and file of
// github:jupyterhub/jupyterhub it was read in.

// AllowConfigSince is the first release whose Authenticator allows no one
// who authenticates unless some allow config says so: Authenticator.allow_all
// (default False) and allow_existing_users (default True only when
// allowed_users is set) are new in 5.0.0 (auth.py:196 and :263;
// docs/source/howto/upgrading-v5.md, "Authenticator.allow_all and
// allow_existing_users"). Up to 4.1.6, check_allowed lets anyone in while
// allowed_users is empty (4.1.6 auth.py:447).
var AllowConfigSince = Version{5, 0, 0}

// AllowConfigRequired reports whether at v a login needs allow config.
func AllowConfigRequired(v Version) bool {
	return v.AtLeast(AllowConfigSince.Major, AllowConfigSince.Minor)
}

// AllowTraits are the Authenticator traits that let users in from 5.0
// (the traits tagged allow_config, or named allow*, that any_allow_config
// looks at: 5.2.1 auth.py:143-170), in the base class and JupyterHub's
// LocalAuthenticator (allowed_groups, 5.2.1 auth.py:1124).
// admin_users is not one of them: it makes users admins, but from 5.0 an
// admin passes check_allowed only when allowed_users is set, which
// init_users then extends with the admins (5.2.1 app.py:2158-2161).
var AllowTraits = []string{"allowed_users", "allow_all", "allow_existing_users", "allowed_groups"}

// AuthenticatorDefault is what one of JupyterHub's own authenticators does
// at 5.0 and later when the config sets no allow trait.
type AuthenticatorDefault int

const (
	// AllowsNobody: nobody who authenticates is let in (PAMAuthenticator,
	// the default, through LocalAuthenticator: 5.2.1 auth.py:1134-1137,
	// 628-630).
	AllowsNobody AuthenticatorDefault = iota + 1
	// AllowsAll: allow_all defaults to True while allowed_users is empty
	// (DummyAuthenticator, 5.0.0 auth.py:1450, 5.2.1 auth.py:1490).
	AllowsAll
	// NoLogin: the authenticator has no login at all (NullAuthenticator,
	// 5.2.1 auth.py:1521: get_handlers returns []), so nothing changes.
	NoLogin
	// UnknownDefault: not one of JupyterHub's own; its class decides.
	UnknownDefault
)

// Authenticator is one of JupyterHub's own authenticators, as
// c.JupyterHub.authenticator_class names it.
type Authenticator struct {
	Class   string // the class name, which is also its config section
	Default AuthenticatorDefault
	// Sections are the config sections the class reads its traits from,
	// base first (traitlets takes c.Base.trait for a subclass too): for
	// a class not JupyterHub's, Authenticator and its own name only, as
	// its other bases are unknown here.
	Sections []string
}

// authenticators: the "jupyterhub.authenticators" entry points of 5.2.1
// (pyproject.toml:66-70; 6.0.0b2 adds shared-password, left to
// UnknownDefault) and the classes' import paths (jupyterhub/auth.py).
var authenticators = map[string]Authenticator{
	"default":                            {"PAMAuthenticator", AllowsNobody, []string{"Authenticator", "LocalAuthenticator", "PAMAuthenticator"}},
	"pam":                                {"PAMAuthenticator", AllowsNobody, []string{"Authenticator", "LocalAuthenticator", "PAMAuthenticator"}},
	"jupyterhub.auth.PAMAuthenticator":   {"PAMAuthenticator", AllowsNobody, []string{"Authenticator", "LocalAuthenticator", "PAMAuthenticator"}},
	"dummy":                              {"DummyAuthenticator", AllowsAll, []string{"Authenticator", "DummyAuthenticator"}},
	"jupyterhub.auth.DummyAuthenticator": {"DummyAuthenticator", AllowsAll, []string{"Authenticator", "DummyAuthenticator"}},
	"null":                               {"NullAuthenticator", NoLogin, []string{"Authenticator", "NullAuthenticator"}},
	"jupyterhub.auth.NullAuthenticator":  {"NullAuthenticator", NoLogin, []string{"Authenticator", "NullAuthenticator"}},
	"jupyterhub.auth.LocalAuthenticator": {"LocalAuthenticator", AllowsNobody, []string{"Authenticator", "LocalAuthenticator"}},
	"jupyterhub.auth.Authenticator":      {"Authenticator", AllowsNobody, []string{"Authenticator"}},
}

// DefaultAuthenticator is what an unset c.JupyterHub.authenticator_class
// means: PAMAuthenticator (authenticator_class's default_value, 3.0.0
// app.py:1101-1102, 5.2.1 app.py:1284-1285).
var DefaultAuthenticator = authenticators["default"]

// AuthenticatorSections are the sections of every authenticator in
// JupyterHub itself, which a reader watches before it knows the class.
var AuthenticatorSections = []string{"Authenticator", "LocalAuthenticator", "PAMAuthenticator", "DummyAuthenticator", "NullAuthenticator"}

// LookupAuthenticator returns the JupyterHub authenticator a value of
// c.JupyterHub.authenticator_class names, or, for any other class, its
// last dotted name with UnknownDefault.
func LookupAuthenticator(name string) Authenticator {
	if a, ok := authenticators[name]; ok {
		return a
	}
	class := name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' || name[i] == ':' {
			class = name[i+1:]
			break
		}
	}
	return Authenticator{Class: class, Default: UnknownDefault, Sections: []string{"Authenticator", class}}
}

// AdminRoleExactSince is the first release in which a load_roles entry
// for the admin role that lists 'services' is that role's exact service
// membership: services not listed are taken out of the admin role at the
// next start, and 'admin': True on a service is ignored
// (init_role_assignment, has_admin_role_spec: 2.0.0 app.py:2081-2150,
// 3.0.0 app.py:2111-2196, 5.2.1 app.py:2460-2612 "Removing admin=True";
// the warning in service_from_spec, 5.2.1 app.py:2801). Without such an
// entry admin membership only grows: 'admin': True and
// Authenticator.admin_users grant it, and removing them later revokes
// nothing (5.2.1 auth.py:115-116, "DOES NOT remove admin rights previously
// granted").
var AdminRoleExactSince = Version{2, 0, 0}

// DeprecatedHubTraits maps the deprecated traits of the JupyterHub section
// that every release from 1.5 to 6.0 still reads to the reason.
func DeprecatedHubTraits() map[string]string {
	m := map[string]string{
		// "DEPRECATED since version 0.7.2, use Authenticator.admin_users
		// instead": 1.5.0 through 6.0.0b2 app.py (5.2.1 app.py:1532-1533);
		// copied to the authenticator only when that has none (5.2.1
		// app.py:2119-2124).
		"admin_users": "deprecated since JupyterHub 0.7.2: use c.Authenticator.admin_users, or better the admin role in c.JupyterHub.load_roles (JupyterHub copies it only while c.Authenticator.admin_users is empty)",
		// "PENDING DEPRECATION: consider using services", logged as "pending
		// deprecation since JupyterHub version 0.8" (4.1.6 app.py:1069-1098,
		// 5.2.1 app.py:1216-1249, 6.0.0b2 app.py:1266-1295).
		"api_tokens": "pending deprecation since JupyterHub 0.8: give each service its own token in c.JupyterHub.services (a user's token can be made with the REST API)",
	}
	return m
}

// KnownSince and KnownUntil bound the releases whose facts this package
// holds: the tags read are 1.0.0 to 6.0.0b2 (testdata/jupyterhub-versions.md).
// A comparison of releases outside them would be a guess.
var (
	KnownSince = Version{1, 0, 0}
	KnownUntil = Version{6, 0, 0}
)

// Known reports whether v's major.minor lies between KnownSince and
// KnownUntil.
func Known(v Version) bool {
	return v.AtLeast(KnownSince.Major, KnownSince.Minor) && !v.AtLeast(KnownUntil.Major, KnownUntil.Minor+1)
}

// ServiceOAuthKeys are the service keys that only matter with an OAuth
// client (3.0.0 services/service.py; oauth_roles from 2.0,
// oauth_client_allowed_scopes from 3.0).
var ServiceOAuthKeys = []string{"oauth_client_id", "oauth_no_confirm", "oauth_client_allowed_scopes", "oauth_roles"}

// ServiceTimeoutSince is the first release that waits for a service with a
// url at its start for the service's 'timeout' (default 30 s: 6.0.0b1 and
// 6.0.0b2 services/service.py:244, app.py:3774-3778 wait_up(timeout=
// service.timeout)). Before it the Hub tried ten times for one second for a
// managed service and once for one second for an external one (tries = 10
// if service.managed else 1, wait_up(timeout=1): 3.0.0 app.py:3116, 4.1.6
// app.py:3227, 5.2.1 app.py:3627).
var ServiceTimeoutSince = Version{6, 0, 0}

// DefaultServiceTimeout is the 'timeout' of a service that sets none, in
// seconds, from ServiceTimeoutSince.
const DefaultServiceTimeout = 30
