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

// NewestStable is the newest stable release: the newest tag of
// github:jupyterhub/jupyterhub without a pre-release suffix is 5.5.1 (6.0 is
// at 6.0.0b2, a beta, and main at 2841153d is two commits past it).
var NewestStable = Version{5, 5, 1}

// HasRBAC reports whether v has roles and scopes (c.JupyterHub.load_roles);
// they came with 2.0 (2.0.0 roles.py and scopes.py; 1.5.0 has neither file,
// and its app.py no load_roles trait).
func HasRBAC(v Version) bool { return v.AtLeast(2, 0) }

// StateFilterSince is the first release whose GET /users takes ?state=:
// 1.3.0 apihandlers/users.py UserListAPIHandler.get (commit 30b8bc36 "add
// ?state= filter for GET /users"; 1.2.2 has none), which is also
// jupyterhub-idle-culler's STATE_FILTER_MIN_VERSION.
var StateFilterSince = Version{1, 3, 0}

// HasStateFilter reports whether GET /users at v takes ?state=active,
// ?state=ready and ?state=inactive (any other value is a 400, "Unrecognized
// state filter"). Up to 4.x a user with several active servers is one row
// per server in the active/ready query, so it may come twice and counts
// twice in _pagination.total; 5.0.0 groups by user (users.py, "group-by
// ensures the count is correct").
func HasStateFilter(v Version) bool { return v.AtLeast(StateFilterSince.Major, StateFilterSince.Minor) }

// PaginationSince is the first release whose GET /users pages: 2.0.0
// apihandlers/base.py (get_api_pagination, paginated_model) and users.py
// UserListAPIHandler.get. Before it the reply is every user, a bare list.
var PaginationSince = Version{2, 0, 0}

// HasPagination reports whether GET /users at v takes offset= and limit=.
func HasPagination(v Version) bool { return v.AtLeast(PaginationSince.Major, PaginationSince.Minor) }

// The page sizes of GET /users, the same at every tag from 2.0.0 to 6.0.0b2
// (app.py JupyterHub.api_page_default_limit and api_page_max_limit, both
// configurable). A request with the Accept value PaginationMediaType gets
// {"items": [...], "_pagination": {"offset", "limit", "total", "next"}},
// next being null or {"offset", "limit", "url"}; one without it gets a bare
// list of at most MaxPageLimit users (the default limit is then the maximum)
// and the Hub only logs "Truncated user list". limit= is clamped to
// 1..MaxPageLimit; offset= and limit= go through abs(int(...)), anything
// else is a 400.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PaginationMediaType is the Accept value that asks for pages
// (apihandlers/base.py PAGINATION_MEDIA_TYPE, 2.0.0 to 6.0.0b2). The Hub
// splits the header on commas, strips and lower-cases each part and wants
// this exact string among them, so a parameter such as ";q=1" turns it off
// (accepts_pagination).
const PaginationMediaType = "application/jupyterhub-pagination+json"
