// Package hub holds the facts about JupyterHub that more than one of
// hubctl's packages must agree on: its versions and their order, the keys
// and field types of a c.JupyterHub.services entry, the scopes and roles of
// each version, what the idle culler needs, the role name hubctl writes and
// the default request timeout. Each fact cites the JupyterHub file and
// version it was read from; testdata/jupyterhub-versions.md has the full
// sources. It imports nothing of hubctl's, so every package may import it,
// and it does no I/O: finding the version of a local jupyterhub is
// provision.DetectHubVersion's job.
package hub

import "time"

// RoleName is the role hubctl gives an owner of scopes, a service that
// `hubctl service add` writes or a user a hint proposes a role for:
// NAME-role.
func RoleName(owner string) string { return owner + "-role" }

// DefaultRequestTimeout is how long one request to the Hub's API may take
// when JUPYTERHUB_REQUEST_TIMEOUT is not set: jupyterhub-idle-culler's
// default ("request_timeout": os.environ.get("JUPYTERHUB_REQUEST_TIMEOUT",
// 60) in cull_idle, jupyterhub_idle_culler/__init__.py @04ce9311; README
// "By default HTTP requests to the hub timeout after 60 seconds"), kept so
// that hubctl cull is a drop-in replacement.
const DefaultRequestTimeout = 60 * time.Second
