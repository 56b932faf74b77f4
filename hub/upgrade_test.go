package hub

import (
	"slices"
	"testing"
)

func TestLookupAuthenticator(t *testing.T) {
	for _, tt := range []struct {
		name, class string
		def         AuthenticatorDefault
		sections    []string
	}{
		{"pam", "PAMAuthenticator", AllowsNobody, []string{"Authenticator", "LocalAuthenticator", "PAMAuthenticator"}},
		{"jupyterhub.auth.DummyAuthenticator", "DummyAuthenticator", AllowsAll, []string{"Authenticator", "DummyAuthenticator"}},
		{"null", "NullAuthenticator", NoLogin, []string{"Authenticator", "NullAuthenticator"}},
		{"oauthenticator.github.GitHubOAuthenticator", "GitHubOAuthenticator", UnknownDefault, []string{"Authenticator", "GitHubOAuthenticator"}},
		{"github", "github", UnknownDefault, []string{"Authenticator", "github"}},
	} {
		a := LookupAuthenticator(tt.name)
		if a.Class != tt.class || a.Default != tt.def || !slices.Equal(a.Sections, tt.sections) {
			t.Errorf("LookupAuthenticator(%q) = %+v", tt.name, a)
		}
	}
	if DefaultAuthenticator.Class != "PAMAuthenticator" {
		t.Errorf("the default authenticator is %+v", DefaultAuthenticator)
	}
	for _, a := range authenticators {
		for _, s := range a.Sections {
			if !slices.Contains(AuthenticatorSections, s) {
				t.Errorf("%s reads section %s, which AuthenticatorSections lacks", a.Class, s)
			}
		}
	}
}

func TestKnownAndAllowConfig(t *testing.T) {
	for s, want := range map[string]bool{"0.9": false, "1.0": true, "3.0.0": true, "5.2.1": true, "6.0.0b2": true, "6.1": false, "7.0": false} {
		v, err := ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		if Known(v) != want {
			t.Errorf("Known(%s) = %v", s, !want)
		}
	}
	if AllowConfigRequired(Version{4, 1, 6}) || !AllowConfigRequired(Version{5, 0, 0}) {
		t.Error("allow config is required from 5.0, not before")
	}
}
