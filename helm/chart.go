package helm

// Facts about the Zero-to-JupyterHub chart at tag 4.4.0
// (github:jupyterhub/zero-to-jupyterhub-k8s), read from its files and
// recorded here; the chart's code stays out of the repository.

// ChartVersion is the chart release these facts come from.
const ChartVersion = "4.4.0"

// cullKnob is one cull.* value and the default that jupyterhub/values.yaml
// gives it. jupyterhub/files/hub/jupyterhub_config.py turns each into a flag
// of `python3 -m jupyterhub_idle_culler`, which `hubctl cull` spells alike:
//
//	timeout, every, concurrency, maxAge: --timeout=N, --cull-every=N,
//	  --concurrency=N, --max-age=N when N is truthy (not 0, not null);
//	  otherwise no flag, and the culler's own default (1.4.0, the version in
//	  the chart's images/hub/requirements.txt: timeout 600, cull_every 0 =
//	  timeout/2, concurrency 10, max_age 0; hubctl cull's are the same);
//	users: --cull-users when truthy (and the culler's role gets admin:users);
//	adminUsers: --cull-admin-users=false when falsy (false or null);
//	removeNamedServers: --remove-named-servers when truthy.
//
// A null in the user's values deletes the chart's default (Helm coalesces
// values so), so the chart then reads None.
type cullKnob struct {
	Key     string // under cull.
	Flag    string // the culler's flag, without --
	Bool    bool   // a boolean knob, else an integer
	Default any    // values.yaml's default: bool or int
}

// cullKnobs are the chart's cull.* settings besides cull.enabled, in the
// order jupyterhub_config.py appends their flags.
var cullKnobs = []cullKnob{
	{"timeout", "timeout", false, 3600},
	{"every", "cull-every", false, 600},
	{"concurrency", "concurrency", false, 10},
	{"users", "cull-users", true, false},
	{"adminUsers", "cull-admin-users", true, true},
	{"removeNamedServers", "remove-named-servers", true, false},
	{"maxAge", "max-age", false, 0},
}

// cullEnabledDefault is values.yaml's cull.enabled. The chart's
// jupyterhub_config.py reads it as get_config("cull.enabled", False), so a
// null (the key deleted) turns the culler off.
const cullEnabledDefault = true
