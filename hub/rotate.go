package hub

// What a Hub does with a service's token from the config when the config
// changes, for `hubctl token rotate` (read from jupyterhub/app.py and
// jupyterhub/orm.py at 3.0.0 and 5.2.1):
//
//   - A token from the config is only ever added: JupyterHub.init_api_tokens
//     calls _add_tokens(self.service_tokens, 'service'), and _add_tokens
//     (3.0.0 app.py:2206, 5.2.1 app.py:2625) creates the token when
//     orm.APIToken.find does not know it and leaves every other token of the
//     service alone. A service whose api_token changed keeps its row
//     (init_services 3.0.0, service_from_spec 5.2.1 reuse it by name), so its
//     old token stays valid after the restart. The managed-service branch has
//     `# TODO: revoke old tokens?` (3.0.0 app.py:2344 init_services, 5.2.1
//     app.py:2851 service_from_spec); no release up to 5.5.1 revokes them.
//   - A service that is no longer in c.JupyterHub.services has its row
//     deleted at the next start (init_services: 3.0.0 app.py:2405-2407
//     every row not in _service_map; 5.2.1 app.py:2935-2940 only rows with
//     from_config), and its tokens go with it (orm.py Service.api_tokens,
//     cascade="all, delete-orphan", and api_tokens.service_id ON DELETE
//     CASCADE). Its OAuth client goes too (cleanup_oauth_clients, 3.0.0
//     app.py:2579, 5.2.1 app.py:3135), with the OAuth tokens users had for it.
//   - A load_roles entry that names a service the Hub does not have stops
//     the Hub at start (init_role_assignment: 3.0.0 app.py:2158 "defined in
//     config role definition ... but not present in database", 5.2.1
//     app.py:2502 "Found undefined service ... Define it first"), so the
//     service's roles must leave the config with it.
//   - No REST endpoint lists or deletes a service's tokens (apihandlers/
//     services.py @3.0.0 has only GETs; DELETE /services/{name} @5.2.1 is
//     405 for a service from the config), and the `jupyterhub token` command
//     only creates user tokens (app.py NewToken).
//
// So the one way either release has to revoke a service's old config
// token is a start without the service, then a start with it and the new
// token.

// RevokeOldConfigTokenHow says, for a message, how a Hub of version v can be
// made to forget a service's old config token.
func RevokeOldConfigTokenHow(v Version) string {
	return "JupyterHub " + v.String() + " only adds a token from the config to its database (app.py _add_tokens) and never removes one, " +
		"so the old token stays valid across restarts; the only way it allows to revoke it is a start without the service " +
		"(init_services deletes the service and its tokens), then a start with it and the new token"
}

// The checks need no scope: any valid token may ask who it is (GET
// /hub/api/user, apihandlers/users.py SelfAPIHandler.get has no
// @needs_scope in either release; identify_scopes adds what the model
// needs), an unknown, revoked or expired token gets 403 {"message":
// "Forbidden"} there, and GET /hub/api/ (the version) needs no token.
