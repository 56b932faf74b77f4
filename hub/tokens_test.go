package hub

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTokenFactsUpstream checks the version facts of tokens.go against
// JupyterHub's source at the tags around each change.
func TestTokenFactsUpstream(t *testing.T) {
	git := upstreamGitDir(t)
	show := func(tag, path string) string {
		out, err := exec.Command("git", "-C", git, "show", tag+":"+path).Output()
		if err != nil {
			t.Fatalf("git show %s:%s: %v", tag, path, err)
		}
		return string(out)
	}
	for _, tag := range []string{"3.0.0", "4.0.2", "4.1.0", "5.0.0", "5.1.0", "5.2.1"} {
		v, err := ParseVersion(tag)
		if err != nil {
			t.Fatal(err)
		}
		users, orm, app := show(tag, "jupyterhub/apihandlers/users.py"), show(tag, "jupyterhub/orm.py"), show(tag, "jupyterhub/app.py")
		for _, c := range []struct {
			name     string
			got, src bool
		}{
			{"HasTokenID: users.py SelfAPIHandler sets token_id", HasTokenID(v), strings.Contains(users, `model["token_id"] = token.api_id`)},
			{"ExpiresInZeroMeansNever: orm.py APIToken.new tests `if expires_in:`", ExpiresInZeroMeansNever(v), strings.Contains(orm, "        if expires_in:\n")},
			// No caller branches on it; token request's --expires-in help says "on 5.1+":
			// c.JupyterHub.token_expires_in_max_seconds (5.1.0, #4831) caps expires_in, and
			// a request without one gets the maximum.
			{"app.py token_expires_in_max_seconds from 5.1", v.AtLeast(5, 1), strings.Contains(app, "token_expires_in_max_seconds = Integer(")},
			{"UnknownScopeIs500: POST does not catch KeyError", UnknownScopeIs500(v), !strings.Contains(users, "except (ValueError, KeyError)")},
			{"ServiceTokensListable: a token route outside /users/", ServiceTokensListable(v), strings.Contains(users+show(tag, "jupyterhub/apihandlers/services.py"), `/api/services/([^/]+)/tokens`)},
		} {
			if c.got != c.src {
				t.Errorf("%s: %s says %v, the source %v", tag, c.name, c.got, c.src)
			}
		}
	}
}
