package cull

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// The user token API, as `hubctl token request|audit|revoke` use it
// (apihandlers/users.py UserTokenListAPIHandler and UserTokenAPIHandler,
// the same at 3.0.0 and 5.2.1 but where noted; the facts are in
// hub/tokens.go).

// APIToken is one token as the Hub's token model shows it (apihandlers/base.py
// token_model, identical in 3.0.0 and 5.2.1). The secret is never in it.
type APIToken struct {
	ID           string     `json:"id"` // "a<int>"
	User         string     `json:"user,omitempty"`
	Service      string     `json:"service,omitempty"`
	Kind         string     `json:"kind"`   // always "api_token"
	Scopes       []string   `json:"scopes"` // expanded, effective
	Created      *time.Time `json:"created"`
	LastActivity *time.Time `json:"last_activity"` // nil: never used
	ExpiresAt    *time.Time `json:"expires_at"`    // nil: never expires
	Note         string     `json:"note"`
	SessionID    *string    `json:"session_id"`
	// OAuthClient is the client's description: "JupyterHub" for API tokens,
	// e.g. "Server at /user/x/" for OAuth tokens.
	OAuthClient string `json:"oauth_client"`
}

// TokenRequest is the body of POST /users/{name}/tokens. Scopes nil asks
// for the default "token" role (inherit: all of the owner's scopes);
// ExpiresIn nil for no expiry (or, on 5.1+, the Hub's maximum).
type TokenRequest struct {
	Scopes    []string `json:"scopes,omitempty"`
	ExpiresIn *int64   `json:"expires_in,omitempty"` // seconds
	Note      string   `json:"note,omitempty"`
}

func tokensPath(user string) string { return "/users/" + url.PathEscape(user) + "/tokens" }

// ListTokens returns the tokens of a user: GET /users/{name}/tokens
// (read:tokens), whose reply is {"api_tokens": [...]} in both versions
// (not the bare list rest-api-3.0.yml says), unpaged.
func (c *Client) ListTokens(ctx context.Context, user string) ([]APIToken, error) {
	if err := addressable(user, ""); err != nil {
		return nil, err
	}
	var reply struct {
		APITokens *[]APIToken `json:"api_tokens"`
	}
	path := tokensPath(user)
	if err := c.get(ctx, path, nil, "application/json", &reply); err != nil {
		return nil, err
	}
	if reply.APITokens == nil {
		return nil, c.decodeError(path, errors.New(`no "api_tokens" in the reply`))
	}
	return *reply.APITokens, nil
}

// GetToken returns one token of a user: GET /users/{name}/tokens/{id}
// (read:tokens); found is false on 404 (no such token for that user).
func (c *Client) GetToken(ctx context.Context, user, id string) (tok APIToken, found bool, err error) {
	if err := addressable(user, id); err != nil {
		return tok, false, err
	}
	path := tokensPath(user) + "/" + url.PathEscape(id)
	code, data, err := c.do(ctx, http.MethodGet, path, nil, nil, "application/json")
	switch {
	case err != nil:
		return tok, false, err
	case code == http.StatusNotFound:
		return tok, false, nil
	case code != http.StatusOK:
		return tok, false, c.statusError(http.MethodGet, path, code, data)
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return tok, false, c.decodeError(path, err)
	}
	return tok, true, nil
}

// CreateToken asks the Hub for a new token owned by user: POST
// /users/{name}/tokens, 201 with the token model and "token", the secret,
// which only this reply ever holds. Its text goes in no error.
func (c *Client) CreateToken(ctx context.Context, user string, req TokenRequest) (APIToken, string, error) {
	if err := addressable(user, ""); err != nil {
		return APIToken{}, "", err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return APIToken{}, "", err
	}
	path := tokensPath(user)
	code, data, err := c.do(ctx, http.MethodPost, path, nil, body, "application/json")
	if err != nil {
		return APIToken{}, "", err
	}
	if code != http.StatusCreated && code != http.StatusOK {
		return APIToken{}, "", c.statusError(http.MethodPost, path, code, data)
	}
	var model struct {
		APIToken
		Token string `json:"token"`
	}
	if json.Unmarshal(data, &model) != nil || model.ID == "" || model.Token == "" {
		return APIToken{}, "", &DecodeError{Path: path, Err: errors.New("not a token model with an id and a token")}
	}
	return model.APIToken, model.Token, nil
}

// DeleteToken deletes one token of a user: DELETE /users/{name}/tokens/{id}
// (tokens), 204. gone is true when the Hub answered 404: no such token
// for that user (already deleted, or never theirs). Deleting an OAuth
// token deletes all of that user's tokens of the same client.
func (c *Client) DeleteToken(ctx context.Context, user, id string) (gone bool, err error) {
	if err := addressable(user, id); err != nil {
		return false, err
	}
	path := tokensPath(user) + "/" + url.PathEscape(id)
	code, data, err := c.do(ctx, http.MethodDelete, path, nil, nil, "application/json")
	switch {
	case err != nil:
		return false, err
	case code == http.StatusNoContent || code == http.StatusOK:
		return false, nil
	case code == http.StatusNotFound:
		return true, nil
	}
	return false, c.statusError(http.MethodDelete, path, code, data)
}

// ListedUser is a user as GET /users shows it to a token with list:users.
type ListedUser struct {
	Name  string
	Admin bool
}

// AllUsers returns every user GET /users lists (list:users), paged.
func (c *Client) AllUsers(ctx context.Context) ([]ListedUser, error) {
	var out []ListedUser
	_, err := c.ListUsers(ctx, "", func(u *apiUser) { out = append(out, ListedUser{Name: u.Name, Admin: u.Admin}) })
	return out, err
}
