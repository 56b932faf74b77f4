package hub

// Facts about The Littlest JupyterHub (TLJH), read at tag 2.0.0 of
// github:jupyterhub/the-littlest-jupyterhub (commit a47a1718, 2024-10-21),
// its newest release (2.0.0b1 came before it). Labels as in
// testdata/jupyterhub-versions.md: [tljh 2.0.0 FILE FUNCTION].
//
// How TLJH builds c.JupyterHub.services ([tljh 2.0.0 tljh/jupyterhub_config.py]):
//  1. configurer.load_config() merges config.yaml over TLJH's defaults
//     (configurer.py `default`, load_config);
//  2. configurer.apply_config(...) ends with update_services, which
//     assigns c.JupyterHub.services = [] (the list reset) and, when
//     services.cull.enabled, appends its culler: name "cull-idle",
//     'admin': True, command [sys.executable, "-m",
//     "jupyterhub_idle_culler", ...] (configurer.py set_cull_idle_service);
//  3. the tljh_custom_jupyterhub_config plugin hook runs;
//  4. every CONFIG_DIR/jupyterhub_config.d/*.py, sorted by name, is loaded
//     with load_subconfig. traitlets merges what such a file appends
//     (c.JupyterHub.services.extend, a LazyConfigValue) into the list of
//     step 2, so hubctl's block in jupyterhub_config.d/hubctl.py adds to
//     TLJH's list rather than replacing it.
//
// TLJH's culler has the name of hubctl's preset, cull-idle: hubctl turns
// it off (services.cull.enabled: false) when it adds its own.
//
// hub/tljh_upstream_test.go re-reads these facts at the tag when
// $TLJH_GIT_DIR or the mirror beside the worktrees has it.
const (
	// TLJHConfigDir is CONFIG_DIR: $TLJH_INSTALL_PREFIX (default
	// /opt/tljh) + "/config" [tljh 2.0.0 tljh/config.py module constants].
	TLJHConfigDir = "/opt/tljh/config"
	// TLJHConfigFile is CONFIG_FILE, CONFIG_DIR/config.yaml, the file
	// tljh-config edits [tljh 2.0.0 tljh/config.py].
	TLJHConfigFile = "config.yaml"
	// TLJHSubconfigDir holds the *.py files loaded last
	// [tljh 2.0.0 tljh/jupyterhub_config.py]; the installer makes it with
	// mode 0700 [tljh 2.0.0 tljh/installer.py ensure_config_yaml].
	TLJHSubconfigDir = "jupyterhub_config.d"
	// TLJHSubconfigFile is the file there that holds hubctl's block.
	TLJHSubconfigFile = "hubctl.py"
	// TLJHCullerName is the name of TLJH's culler service
	// [tljh 2.0.0 tljh/configurer.py set_cull_idle_service].
	TLJHCullerName = "cull-idle"
	// TLJHLockSuffix: tljh-config holds filelock.FileLock(CONFIG_FILE +
	// ".lock") while it reads and rewrites config.yaml
	// [tljh 2.0.0 tljh/config.py config_file_lock, set_config_value].
	// hubctl takes an flock on that file; that filelock's Unix lock is an
	// flock too was not read in filelock's source here.
	TLJHLockSuffix = ".lock"
)

// TLJHHubPATH is the PATH of TLJH's jupyterhub.service, where a service's
// command is looked up, with the install prefix's hub/bin first; the unit
// also has PrivateTmp=yes, so the Hub sees its own /tmp, not the admin's
// [tljh 2.0.0 tljh/systemd-units/jupyterhub.service].
var TLJHHubPATH = []string{"/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// TLJHHubBin is the directory under the install prefix that comes first
// on that PATH, and holds TLJH's jupyterhub.
const TLJHHubBin = "hub/bin"

// TLJHCullKnob is one services.cull.* setting of TLJH and the hubctl cull
// flag of the same meaning. set_cull_idle_service passes each to
// jupyterhub-idle-culler as Flag (the ints with "%d", the bools as the bare
// flag when true), and hubctl cull mirrors that culler's flags, names and
// meanings (cmd/hubctl/cull.go).
type TLJHCullKnob struct {
	Key  string // under services.cull
	Flag string // hubctl cull's (and jupyterhub-idle-culler's) flag
	Bool bool   // a boolean; else an integer (TLJH's config_schema.py types)
	// Default is TLJH's own default [tljh 2.0.0 tljh/configurer.py default].
	Default int
}

// TLJHCullKnobs are every services.cull.* setting but enabled, in the
// order set_cull_idle_service reads them; TLJH's schema allows no other
// [tljh 2.0.0 tljh/config_schema.py Services.cull, additionalProperties: false].
var TLJHCullKnobs = []TLJHCullKnob{
	{Key: "timeout", Flag: "timeout", Default: 600},
	{Key: "every", Flag: "cull-every", Default: 60},
	{Key: "concurrency", Flag: "concurrency", Default: 5},
	{Key: "max_age", Flag: "max-age", Default: 0},
	{Key: "users", Flag: "cull-users", Bool: true, Default: 0},
	{Key: "remove_named_servers", Flag: "remove-named-servers", Bool: true, Default: 0},
}

// TLJHCullEnabledDefault is services.cull.enabled when config.yaml does
// not set it [tljh 2.0.0 tljh/configurer.py default].
const TLJHCullEnabledDefault = true
