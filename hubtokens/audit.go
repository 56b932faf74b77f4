package hubtokens

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
)

// DefaultUnusedFor is --unused-for's default.
const DefaultUnusedFor = 90 * 24 * time.Hour

// The flags an audited token may carry.
const (
	FlagNoExpiry = "no-expiry" // expires_at is null
	FlagUnused   = "unused"    // not used (last_activity, or created if never used) for --unused-for
	FlagBroad    = "broad"     // see BroadDefinition
)

// BroadDefinition says what FlagBroad means, for --help, the README and
// the audit's own output.
const BroadDefinition = "broad = the token may mint more tokens as its owner (it holds tokens on them: what inherit, the default when a token is requested without scopes, gives), " +
	"or its owner is an admin and it holds admin:users, admin:servers or unfiltered tokens (a full-power admin token)"

// AuditedToken is one token of the audit, with its flags.
type AuditedToken struct {
	Owner        string     `json:"owner"`
	OwnerAdmin   bool       `json:"owner_admin"`
	ID           string     `json:"id"`
	Kind         string     `json:"kind"` // "api" or "oauth"
	OAuthClient  string     `json:"oauth_client"`
	Note         string     `json:"note"`
	Scopes       []string   `json:"scopes"`
	Created      *time.Time `json:"created"`
	ExpiresAt    *time.Time `json:"expires_at"`
	LastActivity *time.Time `json:"last_activity"`
	Flags        []string   `json:"flags"`
	Why          []string   `json:"why"` // one reason a flag
	// Self: this is the token hubctl is using (known from 5.0, by
	// GET /user's token_id).
	Self bool `json:"self,omitempty"`
	// InConfig names the config entry that holds this token (--config, 5.0+).
	InConfig string `json:"in_config,omitempty"`
}

// IsOAuth reports whether the token is an OAuth access token, issued to a
// client other than the Hub itself.
func (t *AuditedToken) IsOAuth() bool { return t.Kind == "oauth" }

// AuditOptions say what the audit flags and checks.
type AuditOptions struct {
	UnusedFor time.Duration // 0: DefaultUnusedFor
	// ConfigTokens are the tokens a config holds (--config), checked with
	// ClientFor, a client of the same Hub with another token.
	ConfigTokens []ConfigToken
	ClientFor    func(token string) (*cull.Client, error)
}

// ConfigToken is a token a config holds: a service's api_token (literal,
// or its env variable hubctl can read) or the keyring entry of the
// config's service.
type ConfigToken struct {
	Service string // the service it is for; "" for c.JupyterHub.api_tokens
	Source  string // where it was found, e.g. "api_token at FILE:LINE"
	Secret  string `json:"-"`
}

// ConfigFinding is what the Hub says of one ConfigToken.
type ConfigFinding struct {
	Service string `json:"service"`
	Source  string `json:"source"`
	Known   bool   `json:"known"`              // GET /user with it answered 200
	OwnerIs string `json:"owner,omitempty"`    // "service NAME" or "user NAME", when known
	TokenID string `json:"token_id,omitempty"` // 5.0+
	Detail  string `json:"detail"`
}

// AuditReport is the whole audit.
type AuditReport struct {
	HubVersion string          `json:"hub_version"`
	Requester  string          `json:"requester"`
	Users      int             `json:"users"`
	UnusedFor  string          `json:"unused_for"`
	Tokens     []AuditedToken  `json:"tokens"`
	Config     []ConfigFinding `json:"config,omitempty"`
	// Notes say, once each, what the audit cannot see or check.
	Notes []string `json:"notes"`
}

// Audit lists every user's tokens (GET /users, then GET
// /users/{name}/tokens each) and flags them; with ConfigTokens it asks the
// Hub about each. The scopes are checked first, with the one GET /user
// Connect made.
func Audit(ctx context.Context, s *Session, opts AuditOptions) (*AuditReport, error) {
	if err := s.CheckScopes("hubctl token audit", hub.TokenAuditScopes); err != nil {
		return nil, err
	}
	unused := cmp.Or(opts.UnusedFor, DefaultUnusedFor)
	toks, users, err := s.listAll(ctx)
	if err != nil {
		return nil, err
	}
	r := &AuditReport{HubVersion: s.Version.String(), Requester: s.requester(), Users: users, UnusedFor: FormatAge(unused), Tokens: toks}
	now := time.Now()
	for i := range r.Tokens {
		flag(&r.Tokens[i], now, unused)
	}
	if !hub.ServiceTokensListable(s.Version) {
		r.Notes = append(r.Notes, "services' tokens: JupyterHub "+s.Version.String()+" has no REST endpoint that lists them, so they are not audited (only dropping a service from the config for one restart revokes them)")
	}
	if s.Me.Kind == "user" && !hub.HasTokenID(s.Version) {
		r.Notes = append(r.Notes, "hubctl's own token is one of user "+cull.Escape(s.Me.Name)+"'s, but JupyterHub "+s.Version.String()+" does not say which (GET /user has token_id from 5.0)")
	}
	if len(opts.ConfigTokens) > 0 {
		if err := s.auditConfig(ctx, r, opts); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// listAll returns every user's tokens, sorted by owner and id.
func (s *Session) listAll(ctx context.Context) ([]AuditedToken, int, error) {
	users, err := s.Client.AllUsers(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []AuditedToken
	for _, u := range users {
		toks, err := s.Client.ListTokens(ctx, u.Name)
		var se *cull.StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, 0, err
		}
		for _, t := range toks {
			a := audited(u.Name, u.Admin, t)
			a.Self = s.Me.Kind == "user" && s.Me.Name == u.Name && s.Me.TokenID != "" && s.Me.TokenID == t.ID
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b AuditedToken) int {
		return cmp.Or(strings.Compare(a.Owner, b.Owner), cmp.Compare(idNumber(a.ID), idNumber(b.ID)), strings.Compare(a.ID, b.ID))
	})
	return out, len(users), nil
}

func idNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "a"))
	return n
}

// lastUsed is when the token was last used, or created if never.
func (t *AuditedToken) lastUsed() *time.Time { return cmp.Or(t.LastActivity, t.Created) }

func flag(t *AuditedToken, now time.Time, unused time.Duration) {
	add := func(f, why string) { t.Flags = append(t.Flags, f); t.Why = append(t.Why, why) }
	if t.ExpiresAt == nil {
		add(FlagNoExpiry, "never expires")
	}
	if last := t.lastUsed(); last != nil && now.Sub(*last) >= unused {
		if t.LastActivity == nil {
			add(FlagUnused, "never used, created "+FormatAge(now.Sub(*last))+" ago")
		} else {
			add(FlagUnused, "last used "+FormatAge(now.Sub(*last))+" ago")
		}
	}
	if why := broad(t); why != "" {
		add(FlagBroad, why)
	}
}

// broad says why a token is broader than its owner needs, or "".
func broad(t *AuditedToken) string {
	has := func(s string) bool { return slices.Contains(t.Scopes, s) }
	if t.OwnerAdmin {
		for _, s := range []string{"admin:users", "admin:servers", "tokens"} {
			if has(s) {
				return "a full-power token of admin " + t.Owner + " (" + s + ")"
			}
		}
	}
	if has("tokens") || has("tokens!user="+t.Owner) {
		return "may mint more tokens as " + t.Owner + " (tokens: all of the owner's scopes, as inherit gives)"
	}
	return ""
}

// auditConfig asks the Hub, with each config token, who it is (GET /user:
// 403 for a token it does not know, revoked or never added), and on 5.0+
// matches a user-owned one to the listing by token_id.
func (s *Session) auditConfig(ctx context.Context, r *AuditReport, opts AuditOptions) error {
	byID := map[string]*AuditedToken{}
	for i := range r.Tokens {
		byID[r.Tokens[i].Owner+"\x00"+r.Tokens[i].ID] = &r.Tokens[i]
	}
	for _, ct := range opts.ConfigTokens {
		f := ConfigFinding{Service: ct.Service, Source: ct.Source}
		client, err := opts.ClientFor(ct.Secret)
		if err != nil {
			return err
		}
		id, err := client.Whoami(ctx)
		var se *cull.StatusError
		switch {
		case errors.As(err, &se) && se.Code == http.StatusForbidden:
			f.Detail = "the Hub does not know this token (GET /user answered 403): revoked, expired, or not added yet (a config token is added at the Hub's start)"
		case err != nil:
			return fmt.Errorf("asking the Hub about the token of %s: %w", ct.Source, err)
		default:
			f.Known, f.TokenID = true, id.TokenID
			f.OwnerIs = cull.Escape(id.Kind) + " " + cull.Escape(id.Name)
			switch {
			case ct.Service != "" && (id.Kind != "service" || id.Name != ct.Service):
				f.Detail = "the Hub knows it, as " + f.OwnerIs + "'s, not service " + cull.Escape(ct.Service) + "'s"
			default:
				f.Detail = "the Hub knows it"
			}
			if t := byID[id.Name+"\x00"+id.TokenID]; id.Kind == "user" && id.TokenID != "" && t != nil {
				t.InConfig = ct.Source
			}
		}
		r.Config = append(r.Config, f)
	}
	if hub.HasTokenID(s.Version) {
		r.Notes = append(r.Notes, "the other way round: a user token noted \"from config\" that no config token matched was added from another config (c.JupyterHub.api_tokens); services' tokens cannot be listed, so a service token the Hub holds and the config no longer does (the old one after a rotation) cannot be found over the API")
		for i := range r.Tokens {
			if t := &r.Tokens[i]; t.Note == "from config" && t.InConfig == "" {
				t.Flags = append(t.Flags, "not-in-config")
				t.Why = append(t.Why, "from a config, not from this one")
			}
		}
	} else {
		r.Notes = append(r.Notes, "the other way round cannot be checked on JupyterHub "+s.Version.String()+": GET /user has no token_id before 5.0, so a token the Hub holds cannot be matched to one in the config, and services' tokens cannot be listed at all")
	}
	return nil
}
