package hubtokens

import (
	"context"
	"slices"
	"time"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
)

// Revocation is one token to delete, or one left alone and why.
type Revocation struct {
	Token AuditedToken `json:"token"`
	// Also: for an OAuth token, the other tokens of the same user and
	// client, which the Hub deletes with it (UserTokenAPIHandler.delete).
	Also []string `json:"also,omitempty"`
	Why  string   `json:"why"` // why it goes, or why it stays
}

// RevokePlan is what `hubctl token revoke` deletes and what it keeps.
type RevokePlan struct {
	Revoke []Revocation `json:"revoke"`
	Keep   []Revocation `json:"keep"`
}

// ownTokenUnknown reports whether hubctl's token may be any of user's
// tokens without hubctl knowing which: a user's token on a Hub whose
// GET /user has no token_id (before 5.0).
func (s *Session) ownTokenUnknown(user string) bool {
	return s.Me.Kind == "user" && s.Me.Name == user && !hub.HasTokenID(s.Version)
}

// PlanOne plans revoking one token: it must exist, must not be the one
// hubctl is using (on 3.x hubctl cannot tell which of its own user's
// tokens that is, and refuses them all), and an OAuth token names the
// tokens that go with it.
func PlanOne(ctx context.Context, s *Session, user, id string) (*RevokePlan, error) {
	if err := s.CheckScopes("hubctl token revoke", hub.TokenRevokeScopes); err != nil {
		return nil, err
	}
	if s.ownTokenUnknown(user) {
		return nil, &Error{Msg: "hubctl's API token is one of user " + cull.Escape(user) + "'s, and JupyterHub " + s.Version.String() + " does not say which (GET /user has token_id from 5.0): not revoking any of them, " + cull.Escape(id) + " could be the one in use",
			Fix: "revoke it with another token, e.g. a service's with the tokens scope (JUPYTERHUB_API_TOKEN=... or --token-name)"}
	}
	if s.Me.Kind == "user" && s.Me.Name == user && s.Me.TokenID == id {
		return nil, &Error{Msg: "token " + cull.Escape(id) + " of user " + cull.Escape(user) + " is the one hubctl is using (GET /user's token_id): not revoking it",
			Fix: "revoke it with another token, or from the Hub's token page (/hub/token)"}
	}
	t, found, err := s.Client.GetToken(ctx, user, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &Error{Msg: "user " + cull.Escape(user) + " has no token " + cull.Escape(id) + " (the Hub answered 404)",
			Fix: "`hubctl token audit` lists every user's tokens with their ids"}
	}
	a := audited(user, false, t)
	rv := Revocation{Token: a, Why: "asked for"}
	if a.IsOAuth() {
		toks, err := s.Client.ListTokens(ctx, user)
		if err != nil {
			return nil, err
		}
		for _, o := range toks {
			if o.ID != id && o.OAuthClient == t.OAuthClient {
				rv.Also = append(rv.Also, o.ID)
			}
		}
	}
	return &RevokePlan{Revoke: []Revocation{rv}, Keep: []Revocation{}}, nil
}

// PlanUnused plans revoking every user token not used for unused (see
// FlagUnused), keeping hubctl's own token (or, before 5.0, every token of
// hubctl's own user) and any OAuth token whose client has another token of
// that user still in use, which the Hub would delete with it.
func PlanUnused(ctx context.Context, s *Session, unused time.Duration, now time.Time) (*RevokePlan, error) {
	if err := s.CheckScopes("hubctl token revoke --unused-for", hub.TokenRevokeBulkScopes); err != nil {
		return nil, err
	}
	toks, _, err := s.listAll(ctx)
	if err != nil {
		return nil, err
	}
	for i := range toks {
		flag(&toks[i], now, unused)
	}
	isUnused := func(t *AuditedToken) bool { return slices.Contains(t.Flags, FlagUnused) }
	plan := &RevokePlan{Revoke: []Revocation{}, Keep: []Revocation{}}
	deleted := map[string]bool{} // owner, client of an OAuth group planned
	for i := range toks {
		t := &toks[i]
		if !isUnused(t) {
			continue
		}
		why := t.Why[slices.Index(t.Flags, FlagUnused)]
		switch {
		case t.Self:
			plan.Keep = append(plan.Keep, Revocation{Token: *t, Why: "it is the token hubctl is using"})
			continue
		case s.ownTokenUnknown(t.Owner):
			plan.Keep = append(plan.Keep, Revocation{Token: *t, Why: "hubctl's token is one of " + cull.Escape(t.Owner) + "'s and JupyterHub " + s.Version.String() + " does not say which"})
			continue
		}
		if !t.IsOAuth() {
			plan.Revoke = append(plan.Revoke, Revocation{Token: *t, Why: why})
			continue
		}
		group := t.Owner + "\x00" + t.OAuthClient
		if deleted[group] {
			continue // goes with the first of its group
		}
		var also []string
		inUse := ""
		for j := range toks {
			o := &toks[j]
			if o.ID == t.ID || o.Owner != t.Owner || o.OAuthClient != t.OAuthClient {
				continue
			}
			also = append(also, o.ID)
			if !isUnused(o) || o.Self || s.ownTokenUnknown(o.Owner) {
				inUse = o.ID
			}
		}
		if inUse != "" {
			plan.Keep = append(plan.Keep, Revocation{Token: *t, Why: "an OAuth token: deleting it deletes " + cull.Escape(t.Owner) + "'s token " + inUse + " of the same client, which is in use"})
			continue
		}
		deleted[group] = true
		plan.Revoke = append(plan.Revoke, Revocation{Token: *t, Also: also, Why: why})
	}
	return plan, nil
}

// Execute deletes the plan's tokens in order, calling done after each
// (gone: it was deleted already). It stops at the first error.
func Execute(ctx context.Context, s *Session, plan *RevokePlan, done func(r Revocation, gone bool)) error {
	for _, r := range plan.Revoke {
		gone, err := s.Client.DeleteToken(ctx, r.Token.Owner, r.Token.ID)
		if err != nil {
			return err
		}
		done(r, gone)
	}
	return nil
}

func audited(owner string, admin bool, t cull.APIToken) AuditedToken {
	a := AuditedToken{Owner: owner, OwnerAdmin: admin, ID: t.ID, Kind: "api", OAuthClient: t.OAuthClient, Note: t.Note,
		Scopes: slices.Sorted(slices.Values(t.Scopes)), Created: t.Created, ExpiresAt: t.ExpiresAt, LastActivity: t.LastActivity,
		Flags: []string{}, Why: []string{}}
	if t.OAuthClient != hub.BuiltinOAuthClient {
		a.Kind = "oauth"
	}
	return a
}
