package hub

// Which of JupyterHub's startup checks on c.JupyterHub.services and
// c.JupyterHub.load_roles apply at a version. Each was read in
// jupyterhub/app.py, services/service.py, roles.py or orm.py at the release
// tags (testdata/jupyterhub-versions.md, "Fatal startup checks"), and the
// 5.x ones were also seen in JupyterHub.initialize() of Debian's 5.2.1,
// whose files are those of the 5.2.1 tag.

// ShortServiceTokenFatal reports whether a service api_token shorter than 8
// characters stops the Hub at v. orm.APIToken.check_token refuses it at
// every version (min_length = 8: 1.5.0 orm.py:360, 5.2.1 orm.py:635); up
// to 1.3 _add_tokens re-raised only for a row it had just created, and the
// service row already exists (init_services runs first), so the token was
// dropped without a word (1.3.0 app.py:1857-1862). 1.4.0 re-raises always
// (1.4.0 app.py:1970-1975, commit f42f7dd0 "raise on failed token
// creation").
func ShortServiceTokenFatal(v Version) bool { return v.AtLeast(1, 4) }

// OAuthClientIDPrefixChecked reports whether v refuses an oauth_client_id
// that does not start with "service-" (ValueError from
// Service._validate_client_id: 2.0.0 services/service.py:312-318, 5.2.1
// service.py:333; absent from 1.5.0).
func OAuthClientIDPrefixChecked(v Version) bool { return v.AtLeast(2, 0) }

// URLSchemeChecked reports whether v refuses, in service_from_spec, any
// service url whose scheme is not http or https ("Unsupported scheme in URL
// for service NAME: URL. Must be http[s]", 5.0.0 app.py:2807-2812, commit
// d9154681). Before 5.0 init_services takes any scheme: without a port it
// dies on an unset local 'port' (3.0.0 app.py:2349-2361), with one it fails
// later, in start(), when tornado cannot fetch the url [ran 3.0.0].
func URLSchemeChecked(v Version) bool { return v.AtLeast(5, 0) }

// OAuthClientKeys returns the service keys whose value, set without a url,
// makes v register an OAuth client for the service (Service.oauth_available).
// Up to 4.x only oauth_redirect_uri does (4.1.6 services/service.py:344-349);
// from 5.0, oauth_client_id and oauth_no_confirm do too, through the
// @observe that fills _oauth_specified (5.0.0 service.py:357-373, commit
// 550dec4c), and then a missing oauth_redirect_uri is fatal: see
// OAuthWithoutRedirectFatal. oauth_client_allowed_scopes and oauth_roles
// never do: without a client they have no effect.
func OAuthClientKeys(v Version) []string {
	if v.AtLeast(5, 0) {
		return []string{"oauth_client_id", "oauth_redirect_uri", "oauth_no_confirm"}
	}
	return []string{"oauth_redirect_uri"}
}

// OAuthWithoutRedirectFatal reports whether v stops when a service has OAuth
// (OAuthClientKeys) but neither a url nor an oauth_redirect_uri: ValueError
// "Service NAME has oauth configured, but is missing required
// oauth_redirect_uri." in service_from_spec, 5.0.0 app.py:2837-2842 (commit
// effbef37, #4555; first in 5.0.0b1, in no 4.1.x tag) [ran 5.2.1].
func OAuthWithoutRedirectFatal(v Version) bool { return v.AtLeast(5, 0) }

// CommandStringFatal reports whether a service 'command' given as a str
// stops v. The Command trait wraps a str as [str] at every version
// (traitlets.py Command.validate), and up to 4.x that is all. From 5.0
// service_from_spec also copies the raw value onto the orm.Service row
// (5.0.0 app.py:2788-2798, traits not tagged in_db=False), whose command
// column is a JSONList: a str is stored as it is, and reading the row back
// fails with JSONDecodeError in init_services, unless the str happens to
// be JSON ("true", "[...]") [ran 5.2.1: 'mysvc' and 'python3 -m x' both stop
// the first start].
func CommandStringFatal(v Version) bool { return v.AtLeast(5, 0) }

// RoleWithoutScopesFatal reports whether a load_roles entry with no
// 'scopes' key stops v at its second start: init_role_creation reads
// role_spec['scopes'] once the role is in the database (2.0.0 app.py:2024,
// 3.0.0 app.py:2063) [ran 3.0.0, restart]. 3.1.0 reads
// role_spec.get('scopes', []) (3.1.0 app.py, commit 3bb0d57e "Fix crash when
// removing scopes attribute from an existing role"), and later versions only
// warn "Role NAME will have no scopes" (3.1.1 roles.py:166, 5.2.1
// roles.py:185) [ran 5.2.1, restart].
func RoleWithoutScopesFatal(v Version) bool { return HasRBAC(v) && !v.AtLeast(3, 1) }

// DefaultRolesMerged reports whether a load_roles entry named like a default
// role (user, admin, server, token) is merged with the default spec, so that
// it may leave out 'scopes' (init_role_creation, "merge custom role spec
// with default role spec when overriding": 2.1.0 app.py:2030, 3.0.0
// app.py:2044-2052, 5.2.1 app.py:2348-2356). 2.0.x has no
// merge: such an entry is a role of its own, and without 'scopes' it stops
// the second start like any other.
func DefaultRolesMerged(v Version) bool { return v.AtLeast(2, 1) }
