package fakehub

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The token endpoints, as the culler's kernel check uses them (it asks the
// Hub for a short-lived token owned by a user and scoped to one of the
// user's servers, and deletes it after one request) and `hubctl token
// request|audit|revoke` (list, get one, inherit, last_activity, OAuth
// tokens through AddTokenWith).
//
//	GET    /hub/api/users/{name}/tokens       users.py UserTokenListAPIHandler.get
//	POST   /hub/api/users/{name}/tokens       users.py UserTokenListAPIHandler.post
//	GET    /hub/api/users/{name}/tokens/{id}  users.py UserTokenAPIHandler.get
//	DELETE /hub/api/users/{name}/tokens/{id}  users.py UserTokenAPIHandler.delete
//
// The same at 3.0.0 and 5.2.1 but where noted. POST has no needs_scope: it
// takes get_scope_filter('tokens') and applies it to the user with the
// *requester's* kind (check_scope_filter(sub_scope, user, kind)), so a
// service needs unfiltered tokens, a user tokens!user=<name> will do. The
// token's scopes must be held by its owner (orm.APIToken.new ->
// scopes._check_token_scopes), not by the requester. Modelled: scopes
// (not roles: 501),
// expires_in, note, the default "token" role (inherit: the owner's scopes),
// the owner's roles "user" (the self scopes) and, for an admin user,
// "admin"; scope filters user= and server=. An expired token
// authenticates nothing (and DELETE still finds it); a user's tokens go
// with the user.

// selfScopes are scopes._expand_self_scope's list: what the default "user"
// role's "self" gives a user, each filtered on that user. 5.0 adds the
// sharing scopes.
var selfScopes30 = []string{"read:users", "read:users:name", "read:users:groups", "users:activity", "read:users:activity",
	"servers", "delete:servers", "read:servers", "tokens", "read:tokens", "access:servers"}

var selfScopes52 = append(slices.Clone(selfScopes30), "users:shares", "read:users:shares", "read:shares")

// adminRoleScopes are roles.py get_default_roles()'s "admin" role, held
// unfiltered by an admin user; 5.0 adds admin:services and shares.
var adminRoleScopes30 = []string{"admin-ui", "admin:users", "admin:servers", "tokens", "admin:groups", "list:services",
	"read:services", "read:hub", "proxy", "shutdown", "access:services", "access:servers", "read:roles", "read:metrics"}

var adminRoleScopes52 = append(slices.Clone(adminRoleScopes30), "admin:services", "shares")

// roleScopes are the scopes of the roles a user holds: "user" (self,
// filtered on the user) and, for an admin, "admin"; chosen for the release
// and expanded once, in New.
type roleScopes struct {
	self         []string        // the user role's
	selfExpanded map[string]bool // self with its subscopes
	admin        map[string]bool // the admin role's with their subscopes
	adminSorted  []string        // admin's keys, sorted
}

func newRoleScopes(defs map[string][]string, self, admin []string) roleScopes {
	r := roleScopes{self: self, selfExpanded: expandTokenScopes(defs, self, Owner{Kind: "service"}),
		admin: expandTokenScopes(defs, admin, Owner{Kind: "service"})}
	r.adminSorted = slices.Sorted(maps.Keys(r.admin))
	return r
}

// TokenInfo is an API token as the Hub's token model shows it.
type TokenInfo struct {
	ID        string // "a<id>"
	Owner     Owner
	Note      string
	Scopes    []string   // as requested
	ExpiresAt *time.Time // nil = never
}

// Tokens returns the tokens a user owns, expired ones included (the Hub
// keeps them until it lists them or they are deleted).
func (h *Hub) Tokens(user string) []TokenInfo {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var owned []*tokenRec
	for _, t := range h.tokens {
		if t.owner.Kind == "user" && t.owner.Name == user {
			owned = append(owned, &t)
		}
	}
	slices.SortFunc(owned, func(a, b *tokenRec) int { return cmp.Compare(a.id, b.id) })
	var out []TokenInfo
	for _, t := range owned {
		out = append(out, t.info())
	}
	return out
}

func (t *tokenRec) info() TokenInfo {
	return TokenInfo{ID: "a" + strconv.Itoa(t.id), Owner: t.owner, Note: t.note, Scopes: slices.Clone(t.scopes), ExpiresAt: copyTime(t.expiresAt)}
}

// expired mirrors the Hub's check of expires_at when it looks a token up.
func (t *tokenRec) expired(now time.Time) bool {
	return t.expiresAt != nil && !now.Before(*t.expiresAt)
}

// liveToken is the token that authenticates a request (h.mu held): known,
// not expired, and its owner still there.
func (h *Hub) liveToken(tok string) (tokenRec, bool) {
	t, ok := h.tokens[tok]
	if !ok || t.expired(time.Now()) || t.owner.Kind == "user" && h.byName[t.owner.Name] == nil {
		return tokenRec{}, false
	}
	return t, true
}

// postToken mirrors UserTokenListAPIHandler.post for a requester with a
// token (h.mu held).
func (c *reqCtx) postToken(userName string, body []byte) response {
	var req map[string]json.RawMessage
	if len(strings.TrimSpace(string(body))) > 0 {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			// base.py get_json_body
			return jsonError(http.StatusBadRequest, "Invalid JSON in body of request")
		}
		if v != nil {
			if json.Unmarshal(body, &req) != nil {
				return jsonError(http.StatusBadRequest, "Body must be a JSON dict or empty")
			}
		}
	}
	if c.owner == nil {
		// authenticate(body.get('auth')) fails: "turn any authentication
		// error into 403"
		return jsonError(http.StatusForbidden, "")
	}
	kind := c.owner.Kind
	u := c.h.byName[userName]
	ss := c.parsed["tokens"]
	if u == nil || ss == nil || !ss.all && !(kind == "user" && ss.users[u.name]) {
		return jsonError(http.StatusForbidden, strings.ToUpper(kind[:1])+kind[1:]+" "+userName+" not found or no permissions to generate tokens")
	}
	note := ""
	if raw, ok := req["note"]; ok {
		_ = json.Unmarshal(raw, &note)
	}
	if note == "" {
		note = "Requested via api"
		if kind != "user" || c.owner.Name != u.name {
			note += " by " + kind + " " + c.owner.Name
		}
	}
	rawScopes, hasScopes := present(req, "scopes")
	rawRoles, hasRoles := present(req, "roles")
	var scopes []string
	if hasScopes && json.Unmarshal(rawScopes, &scopes) != nil {
		if c.h.since(5, 0) {
			return jsonError(http.StatusBadRequest, "token scopes must be null or a list of strings, not "+pyRepr(rawScopes))
		}
		return jsonError(http.StatusNotImplemented, "fakehub: scopes that are not a list of strings are not modelled at 3.x")
	}
	if hasRoles {
		if c.h.since(5, 0) && json.Unmarshal(rawRoles, new([]string)) != nil {
			return jsonError(http.StatusBadRequest, "token roles must be null or a list of strings, not "+pyRepr(rawRoles))
		}
		if hasScopes {
			return jsonError(http.StatusBadRequest, "Can only assign one of scopes or roles when creating tokens.")
		}
		return jsonError(http.StatusNotImplemented, "fakehub: token roles are not modelled")
	}
	if !hasScopes {
		// the default "token" role: roles.py get_default_roles, ["inherit"]
		scopes = []string{"inherit"}
	}
	var expiresAt *time.Time
	raw, hasExpiry := present(req, "expires_in")
	var n int64
	var err error
	if hasExpiry {
		err = json.Unmarshal(raw, &n)
	}
	if limit := c.h.opts.TokenExpiresInMaxSeconds; limit > 0 && c.h.since(5, 1) {
		switch {
		case hasExpiry && err != nil:
			return jsonError(http.StatusBadRequest, "token expires_in must be null or integer, not "+pyRepr(raw))
		case !hasExpiry:
			// the limit is the default
			n, hasExpiry = int64(limit), true
		case n > int64(limit):
			return jsonError(http.StatusBadRequest, "token expires_in: "+string(raw)+" must not exceed "+strconv.Itoa(limit))
		}
	}
	if hasExpiry {
		switch {
		case err != nil && c.h.since(5, 0):
			return jsonError(http.StatusBadRequest, "token expires_in must be null or integer, not "+pyRepr(raw))
		case n < 0 && c.h.since(5, 0):
			// orm.APIToken.new: "tokens must always expire in the future"
			return jsonError(http.StatusBadRequest, "expires_in must be a positive integer or null, not "+string(raw))
		case n == 0 && c.h.since(5, 0):
			// `if expires_in:`: 0 is a token that never expires
		case err != nil || n < 1:
			return jsonError(http.StatusNotImplemented, "fakehub: expires_in other than a positive integer is not modelled at 3.x")
		default:
			at := time.Now().Add(time.Duration(n) * time.Second)
			expiresAt = &at
		}
	}
	for _, s := range scopes {
		if why := c.h.scopeUnknown(s); why != "" {
			// 3.0.0 catches only ValueError, and _check_scopes_exist raises
			// KeyError: a 500; 5.2.1 catches (ValueError, KeyError)
			if !c.h.since(5, 0) {
				return jsonError(http.StatusInternalServerError, "")
			}
			// str(KeyError(...)) quotes its message
			return jsonError(http.StatusBadRequest, `"`+why+`"`)
		}
	}
	if excess := c.h.notHeldBy(u, scopes); len(excess) > 0 && !slices.Equal(scopes, []string{"inherit"}) {
		return jsonError(http.StatusBadRequest, "Not assigning requested scopes "+strings.Join(excess, ",")+" not held by User "+u.name)
	}
	tok := newToken()
	c.h.tokenSeq++
	t := tokenRec{id: c.h.tokenSeq, owner: Owner{Kind: "user", Name: u.name}, scopes: scopes, note: note, expiresAt: expiresAt, created: time.Now()}
	c.h.tokens[tok] = t
	return c.h.tokenModel(&t, tok, http.StatusCreated)
}

// present is body.get(key) is not None.
func present(req map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	raw, ok := req[key]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// pyRepr approximates Python's repr of a JSON value in a message: a string
// in single quotes (without repr's escapes), anything else as sent.
func pyRepr(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return "'" + str + "'"
	}
	return string(raw)
}

// newToken mirrors orm.new_token: uuid4().hex, 32 hex digits.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// scopeUnknown mirrors scopes._check_scopes_exist.
func (h *Hub) scopeUnknown(scope string) string {
	base, filter, hasFilter := strings.Cut(scope, "!")
	if _, ok := h.scopeDefs[base]; !ok {
		return "Scope '" + scope + "' for token does not exist"
	}
	if hasFilter {
		switch f := "!" + filter; {
		case f == "!user" || f == "!service" || f == "!server":
		case strings.HasPrefix(f, "!user=") || strings.HasPrefix(f, "!service=") || strings.HasPrefix(f, "!group=") || strings.HasPrefix(f, "!server="):
		default:
			return "Scope filter " + filter + " '" + f + "' in scope '" + scope + "' for token does not exist"
		}
	}
	return ""
}

// notHeldBy mirrors scopes._check_token_scopes: the requested scopes, with
// their subscopes, that the owner's roles do not give it (the excess).
func (h *Hub) notHeldBy(u *urec, scopes []string) []string {
	var unfiltered map[string]bool
	if u.admin {
		unfiltered = h.roles.admin
	}
	ownScope := h.roles.selfExpanded
	var excess []string
	for _, s := range scopes {
		base, filter, _ := strings.Cut(s, "!")
		for sub := range expandTokenScopes(h.scopeDefs, []string{base}, Owner{Kind: "service"}) {
			held := unfiltered[sub] || ownScope[sub] && (filter == "user="+u.name || strings.HasPrefix(filter, "server="+u.name+"/"))
			if !held {
				name := sub
				if filter != "" {
					name += "!" + filter
				}
				excess = append(excess, name)
			}
		}
	}
	slices.Sort(excess)
	return slices.Compact(excess)
}

// tokenModel mirrors base.py token_model, plus "token" as POST adds it.
func (h *Hub) tokenModel(t *tokenRec, tok string, status int) response {
	b := getBuf()
	out := appendTokenModel(b.AvailableBuffer(), h, t, tok)
	b.Write(out)
	return jsonResponse(status, b)
}

// appendTokenModel writes token_model's object, with "token" last unless
// tok is "".
func appendTokenModel(out []byte, h *Hub, t *tokenRec, tok string) []byte {
	out = append(out, `{"user": `...)
	out = appendString(out, t.owner.Name)
	out = append(out, `, "id": "a`...)
	out = strconv.AppendInt(out, int64(t.id), 10)
	out = append(out, `", "kind": "api_token", "roles": [], "scopes": `...)
	out = appendStringList(out, sortedScopes(h.tokenScopes(t)))
	out = append(out, `, "created": `...)
	out = appendIsoformat(out, &t.created)
	out = append(out, `, "last_activity": `...)
	out = appendIsoformat(out, t.lastActivity)
	out = append(out, `, "expires_at": `...)
	out = appendIsoformat(out, t.expiresAt)
	out = append(out, `, "note": `...)
	out = appendString(out, t.note)
	out = append(out, `, "session_id": null, "oauth_client": `...)
	out = appendString(out, cmp.Or(t.oauthClient, "JupyterHub"))
	if tok != "" {
		out = append(out, `, "token": `...)
		out = appendString(out, tok)
	}
	return append(out, '}')
}

// deleteToken mirrors UserTokenAPIHandler.delete (h.mu held): an OAuth
// token takes all of the user's tokens of the same client with it.
func (c *reqCtx) deleteToken(userName, tokenID string) response {
	if st, msg := c.needsScope([]string{"tokens"}, &userName); st != 0 {
		return jsonError(st, msg)
	}
	tok, t, resp := c.findTokenByID(userName, tokenID)
	if t == nil {
		return resp
	}
	if t.oauthClient != "" {
		for other, o := range c.h.tokens {
			if o.owner == t.owner && o.oauthClient == t.oauthClient {
				delete(c.h.tokens, other)
			}
		}
	}
	delete(c.h.tokens, tok)
	return emptyResponse(http.StatusNoContent, "text/plain")
}

// getToken mirrors UserTokenAPIHandler.get (h.mu held); it does not
// filter out an expired token the Hub has not purged yet.
func (c *reqCtx) getToken(userName, tokenID string) response {
	if st, msg := c.needsScope([]string{"read:tokens"}, &userName); st != 0 {
		return jsonError(st, msg)
	}
	_, t, resp := c.findTokenByID(userName, tokenID)
	if t == nil {
		return resp
	}
	return c.h.tokenModel(t, "", http.StatusOK)
}

// findTokenByID mirrors UserTokenAPIHandler.find_token_by_id: the token
// and its record, or the 404 to answer.
func (c *reqCtx) findTokenByID(userName, tokenID string) (string, *tokenRec, response) {
	u := c.h.byName[userName]
	if u == nil {
		return "", nil, jsonError(http.StatusNotFound, "No such user: "+userName)
	}
	notFound := "No such token " + tokenID + " for user " + userName
	id, err := strconv.Atoi(strings.TrimPrefix(tokenID, "a"))
	if !strings.HasPrefix(tokenID, "a") || err != nil {
		return "", nil, jsonError(http.StatusNotFound, notFound)
	}
	repr := "None"
	for tok, t := range c.h.tokens {
		if t.id == id {
			if t.owner.Kind != "user" || t.owner.Name != u.name {
				// orm.APIToken.__repr__: the token's prefix, its owner
				repr = "<APIToken('" + tok[:min(4, len(tok))] + "...', " + t.owner.Kind + "='" + t.owner.Name + "', client_id='jupyterhub')>"
				break
			}
			return tok, &t, response{}
		}
	}
	if !c.h.since(5, 0) {
		// 3.0.0: HTTPError(404, "Token not found %s", orm_token)
		notFound = "Token not found " + repr
	}
	return "", nil, jsonError(http.StatusNotFound, notFound)
}

// listTokens mirrors UserTokenListAPIHandler.get (h.mu held, read-only
// here: the Hub deletes the expired tokens it meets; the fake only leaves
// them out). Sorted by last_activity or created, as the Hub does.
func (c *reqCtx) listTokens(userName string) response {
	if st, msg := c.needsScope([]string{"read:tokens"}, &userName); st != 0 {
		return jsonError(st, msg)
	}
	u := c.h.byName[userName]
	if u == nil {
		return jsonError(http.StatusNotFound, "No such user: "+userName)
	}
	now := time.Now()
	var list []*tokenRec
	for _, t := range c.h.tokens {
		if t.owner.Kind == "user" && t.owner.Name == u.name && !t.expired(now) {
			list = append(list, &t)
		}
	}
	at := func(t *tokenRec) time.Time {
		if t.lastActivity != nil {
			return *t.lastActivity
		}
		return t.created
	}
	slices.SortStableFunc(list, func(a, b *tokenRec) int { return cmp.Or(at(a).Compare(at(b)), cmp.Compare(a.id, b.id)) })
	b := getBuf()
	out := b.AvailableBuffer()
	out = append(out, `{"api_tokens": [`...)
	for i, t := range list {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = appendTokenModel(out, c.h, t, "")
	}
	out = append(out, "]}"...)
	b.Write(out)
	return jsonResponse(http.StatusOK, b)
}

// tokenScopes is scopes.get_scopes_for(token): its scopes expanded, with
// inherit (the default token role) standing for all its user owner's.
func (h *Hub) tokenScopes(t *tokenRec) map[string]bool {
	if t.owner.Kind == "user" && slices.Contains(t.scopes, "inherit") {
		if u := h.byName[t.owner.Name]; u != nil {
			return expandTokenScopes(h.scopeDefs, h.ownerScopes(u), t.owner)
		}
	}
	return expandTokenScopes(h.scopeDefs, t.scopes, t.owner)
}

// ownerScopes are a user's scopes from its roles: "user" (self, filtered
// on the user) and, for an admin, "admin", with reduce_scopes dropping a
// filtered scope the user holds unfiltered too.
func (h *Hub) ownerScopes(u *urec) []string {
	var unfiltered map[string]bool
	var out []string
	if u.admin {
		unfiltered = h.roles.admin
		out = slices.Clone(h.roles.adminSorted)
	}
	for _, s := range h.roles.self {
		if !unfiltered[s] {
			out = append(out, s+"!user="+u.name)
		}
	}
	return out
}

// TokenOptions are what AddTokenWith sets beyond scopes.
type TokenOptions struct {
	Scopes       []string
	Note         string
	Created      time.Time  // zero: now
	LastActivity *time.Time // nil: never used
	ExpiresAt    *time.Time
	// OAuthClient makes it an OAuth access token issued to that client
	// (its description, e.g. "Server at /user/alice/"); "" = an API token.
	OAuthClient string
}

// AddTokenWith registers a token of a user as POST /users/{name}/tokens
// would have made it (scopes may be filtered, or inherit), with a note,
// times and, for an OAuth token, its client. It returns the token's id
// ("a<n>"). It panics on a scope the Hub would refuse.
func (h *Hub) AddTokenWith(token string, owner Owner, o TokenOptions) string {
	if owner.Kind != "user" {
		panic("fakehub: AddTokenWith makes user tokens; AddToken makes services'")
	}
	for _, s := range o.Scopes {
		if why := h.scopeUnknown(s); why != "" {
			panic("fakehub: " + why)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokenSeq++
	t := tokenRec{id: h.tokenSeq, owner: owner, scopes: slices.Clone(o.Scopes), note: o.Note, created: o.Created,
		lastActivity: copyTime(o.LastActivity), expiresAt: copyTime(o.ExpiresAt), oauthClient: o.OAuthClient}
	if t.created.IsZero() {
		t.created = time.Now()
	}
	h.tokens[token] = t
	return "a" + strconv.Itoa(t.id)
}

// ServerAccess is what a single-user server this Hub spawned for user's
// server decides of a request's Authorization header: jupyterhub-singleuser
// (services/auth.py HubAuth.user_for_token) asks the Hub who the token is,
// GET /hub/api/user with that token, and lets it in when its scopes meet
// the server's access scopes (spawner.py _default_access_scopes:
// access:servers!server=USER/SERVER, access:servers!user=USER). As that
// request does, it records activity on a user who owns the token
// (handlers/base.py get_current_user_token). For the stand-ins of
// single-user servers in tests.
func (h *Hub) ServerAccess(authorization, user, server string) bool {
	tok := authToken(http.Header{"Authorization": {authorization}})
	if tok == "" {
		return false
	}
	h.recordTokenActivity(tok)
	h.mu.RLock()
	defer h.mu.RUnlock()
	t, ok := h.liveToken(tok)
	if !ok {
		return false
	}
	held := h.tokenScopes(&t)
	return held["access:servers"] || held["access:servers!user="+user] || held["access:servers!server="+user+"/"+server]
}
