package hub

import (
	"slices"
	"testing"
)

// TestStartupChecks: which startup checks each representative tag makes.
func TestStartupChecks(t *testing.T) {
	type row struct {
		shortToken, clientIDPrefix, urlScheme, oauthRedirect, commandString, roleScopes, rolesMerged bool
	}
	for _, c := range []struct {
		tag  string
		want row
	}{
		{"1.3.0", row{}},
		{"1.4.2", row{shortToken: true}},
		{"1.5.0", row{shortToken: true}},
		{"2.0.0", row{shortToken: true, clientIDPrefix: true, roleScopes: true}},
		{"2.1.1", row{shortToken: true, clientIDPrefix: true, roleScopes: true, rolesMerged: true}},
		{"2.3.1", row{shortToken: true, clientIDPrefix: true, roleScopes: true, rolesMerged: true}},
		{"3.0.0", row{shortToken: true, clientIDPrefix: true, roleScopes: true, rolesMerged: true}},
		{"3.1.1", row{shortToken: true, clientIDPrefix: true, rolesMerged: true}},
		{"4.1.6", row{shortToken: true, clientIDPrefix: true, rolesMerged: true}},
		{"5.0.0", row{true, true, true, true, true, false, true}},
		{"5.2.1", row{true, true, true, true, true, false, true}},
		{"5.5.1", row{true, true, true, true, true, false, true}},
		{"6.0.0b2", row{true, true, true, true, true, false, true}},
	} {
		v := mustVersion(t, c.tag)
		got := row{ShortServiceTokenFatal(v), OAuthClientIDPrefixChecked(v), URLSchemeChecked(v), OAuthWithoutRedirectFatal(v),
			CommandStringFatal(v), RoleWithoutScopesFatal(v), DefaultRolesMerged(v)}
		if got != c.want {
			t.Errorf("%s: got %+v\nwant %+v", c.tag, got, c.want)
		}
	}
}

func TestOAuthClientKeys(t *testing.T) {
	for _, c := range []struct {
		tag  string
		want []string
	}{
		{"1.5.0", []string{"oauth_redirect_uri"}},
		{"3.0.0", []string{"oauth_redirect_uri"}},
		{"4.1.6", []string{"oauth_redirect_uri"}},
		{"5.0.0", []string{"oauth_client_id", "oauth_redirect_uri", "oauth_no_confirm"}},
		{"6.0.0b2", []string{"oauth_client_id", "oauth_redirect_uri", "oauth_no_confirm"}},
	} {
		v := mustVersion(t, c.tag)
		got := OAuthClientKeys(v)
		if !slices.Equal(got, c.want) {
			t.Errorf("OAuthClientKeys(%s) = %v, want %v", c.tag, got, c.want)
		}
		for _, k := range got {
			if !slices.Contains(ServiceKeys(v), k) {
				t.Errorf("%s: %q is not a service key", c.tag, k)
			}
		}
		// The scopes a client may be given never make one.
		if slices.Contains(got, "oauth_client_allowed_scopes") || slices.Contains(got, "oauth_roles") {
			t.Errorf("%s: %v", c.tag, got)
		}
	}
}
