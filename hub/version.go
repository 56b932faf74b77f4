package hub

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a JupyterHub release; pre-release, post-release, dev and
// local suffixes are dropped.
type Version struct{ Major, Minor, Patch int }

// versionRE is the forms JupyterHub prints (its __version__, 3.0.0
// _version.py: "0.1.0rc1", "0.1.0b1.dev", "0.1.0.dev") and pip's PEP 440
// normal forms ("4.1.0.dev0", "1.5.0.post1"), with an optional leading v
// and a distribution's local suffix ("3.0.0+ds1", Debian).
var versionRE = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:(?:a|b|rc)\d{1,4})?(?:\.post\d{1,4})?(?:\.dev\d{0,4})?(?:\+[0-9A-Za-z.]+)?$`)

// ParseVersion reads a version as JupyterHub prints it, e.g. "5.2.1",
// "6.0.0b2", "4.1.0.dev", "3.0" (patch 0), around white space. What it
// cannot read is an error; what an unreadable version means is the
// caller's decision.
func ParseVersion(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a JupyterHub version (want e.g. 5.2.1 or 6.0.0b2)", s)
	}
	var v Version
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		v.Patch, _ = strconv.Atoi(m[3])
	}
	return v, nil
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v is major.minor or later; the patch number is
// not compared, since no fact here changes within a minor release.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// NewestStable is the newest stable release whose source could be confirmed:
// rest-api-5.5.1.yml and the 5.5.1 changelog (6.0 is at 6.0.0b2, a beta).
var NewestStable = Version{5, 5, 1}

// HasRBAC reports whether v has roles and scopes (c.JupyterHub.load_roles);
// they came with 2.0 (2.0.0rc2 roles.py and scopes.py).
func HasRBAC(v Version) bool { return v.AtLeast(2, 0) }

// StateFilterSince is the first release whose GET /users takes ?state=
// (jupyterhub-idle-culler's STATE_FILTER_MIN_VERSION = V("1.3.0"),
// jupyterhub_idle_culler/__init__.py @04ce9311).
var StateFilterSince = Version{1, 3, 0}

// HasStateFilter reports whether GET /users at v takes ?state=ready and
// ?state=inactive.
func HasStateFilter(v Version) bool { return v.AtLeast(StateFilterSince.Major, StateFilterSince.Minor) }
