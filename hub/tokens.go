package hub

// Facts about the Hub's user token API that `hubctl token request`,
// `audit` and `revoke` rely on, read from jupyterhub/apihandlers/users.py
// (UserTokenListAPIHandler, UserTokenAPIHandler), scopes.py and orm.py at
// 3.0.0 and 5.2.1; /work/notes/tokenfacts15.md has the detail.

// TokenNeed is a scope a token command needs: any one of Scopes will do,
// least privilege first; For says which request needs it.
type TokenNeed struct {
	Scopes []string
	For    string
}

// TokenAuditScopes is what `hubctl token audit` needs: GET /users
// (UserListAPIHandler.get, list:users) and each user's
// GET /users/{name}/tokens (needs_scope('read:tokens'); tokens includes
// it). Unfiltered: a filter would hide users and their tokens.
var TokenAuditScopes = []TokenNeed{
	{Scopes: []string{"list:users"}, For: "GET /users"},
	{Scopes: []string{"read:tokens", "tokens"}, For: "GET /users/NAME/tokens"},
}

// TokenRevokeScopes is what `hubctl token revoke` needs: GET the token
// first (read:tokens, to say what goes: an OAuth token takes its client's
// other tokens with it), then DELETE /users/{name}/tokens/{id}
// (needs_scope('tokens')); the bulk form (--unused-for) lists users too.
var TokenRevokeScopes = []TokenNeed{
	{Scopes: []string{"tokens"}, For: "GET and DELETE /users/NAME/tokens/ID"},
}

// TokenRevokeBulkScopes adds, for `revoke --unused-for`, listing users.
var TokenRevokeBulkScopes = []TokenNeed{
	{Scopes: []string{"list:users"}, For: "GET /users"},
	{Scopes: []string{"tokens"}, For: "GET and DELETE /users/NAME/tokens/ID"},
}

// TokenRequestScope is what POST /users/{name}/tokens needs of the
// requester: tokens covering the user. The handler has no needs_scope; it
// applies get_scope_filter('tokens') to the target with the requester's
// kind, so a user's tokens!user=NAME or !group= works, and a service's
// only unfiltered (check_scope_filter looks up the *service* filter by the
// user's name). The scopes granted are checked against the token's OWNER
// (scopes._check_token_scopes(owner=user)), never against the requester:
// with unfiltered tokens a service can mint an admin's full-power token.
const TokenRequestScope = "tokens"

// BuiltinOAuthClient is the oauth_client of API tokens: the description of
// the Hub's own client (app.py init_oauth, identifier "jupyterhub"). Any
// other value is an OAuth access token issued to that client (a
// single-user server, a service), which usually has a session_id and an
// expiry, and whose DELETE deletes all of the user's tokens of that
// client (UserTokenAPIHandler.delete, 3.0.0 and 5.2.1).
const BuiltinOAuthClient = "JupyterHub"

// ExpiresInZeroMeansNever reports whether POST's expires_in 0 means "never
// expires" at v. Before 4.1 (`if expires_in is not None:` in
// orm.APIToken.new, 3.0.0) 0 makes a token that is expired at once, whose
// reply is then an error; 4.1.0 (#4692, backport of #4677) and later test
// `if expires_in:`, so 0 means no expiry.
func ExpiresInZeroMeansNever(v Version) bool { return v.AtLeast(4, 1) }

// HasTokenID reports whether GET /user gives the id of the token asking
// (token_id, from 5.0.0b1, users.py SelfAPIHandler.get): hubctl then
// knows which of a user's tokens it is using. Before, it cannot tell.
func HasTokenID(v Version) bool { return v.AtLeast(5, 0) }

// ServiceTokensListable reports whether the REST API lists or deletes a
// service's tokens at v: it does not at 3.0.0 nor at 5.2.1 (token
// endpoints exist only under /users/{name}/tokens, and find_token_by_id
// wants the token's user). Only dropping the service from the config for
// one restart (init_services deletes its row and, by cascade, its tokens)
// or, from 5.0, DELETE /services/{name} of an API-created service revokes
// them.
func ServiceTokensListable(v Version) bool { return false }

// UnknownScopeIs500 reports whether POST answers a scope that does not
// exist with a bare 500 at v: 3.0.0 catches only ValueError and
// scopes._check_scopes_exist raises a KeyError; 5.0.0b1 and later catch
// (ValueError, KeyError) and answer 400 with the KeyError's quoted text.
func UnknownScopeIs500(v Version) bool { return !v.AtLeast(5, 0) }
