package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/textdiff"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tljh"
)

// tljhFlags are the TLJH target of service add and remove.
func tljhFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "tljh", Usage: "The Littlest JupyterHub: hubctl's block goes to DIR/jupyterhub_config.d/hubctl.py and, for cull-idle, TLJH's culler is turned off in DIR/config.yaml"},
		&cli.StringFlag{Name: "target", Usage: "`tljh`: the same as --tljh"},
		&cli.StringFlag{Name: "tljh-dir", Value: hub.TLJHConfigDir, TakesFile: true, Usage: "with --tljh, TLJH's config `DIR`"},
	}
}

// tljhTarget is the TLJH config directory when --tljh (or --target tljh)
// is given, else nil; it refuses flags that contradict it.
func tljhTarget(c *cli.Context) (*tljh.Paths, error) {
	on := c.Bool("tljh")
	if t := c.String("target"); c.IsSet("target") {
		if t != "tljh" {
			return nil, usageErrorf("--target %q: the only target is tljh", t)
		}
		on = true
	}
	if !on {
		if c.IsSet("tljh-dir") {
			return nil, usageErrorf("--tljh-dir is for --tljh")
		}
		return nil, nil
	}
	if c.IsSet("config") {
		return nil, usageErrorf("--config and --tljh: with --tljh hubctl's block goes to %s under --tljh-dir; give one of them", hub.TLJHSubconfigDir+"/"+hub.TLJHSubconfigFile)
	}
	p := &tljh.Paths{Dir: c.String("tljh-dir")}
	if st, err := os.Stat(p.Dir); err != nil || !st.IsDir() {
		return nil, usageErrorf("--tljh-dir %s: not a directory; is TLJH installed here? (its config is in %s)", p.Dir, hub.TLJHConfigDir)
	}
	return p, nil
}

// ensureSubconfigDir makes DIR/jupyterhub_config.d when it is missing, as
// TLJH's installer does (mode 0700).
func ensureSubconfigDir(env *cliEnv, p *tljh.Paths, dry bool) error {
	d := p.SubconfigDir()
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if dry {
		return usageErrorf("--dry-run: %s does not exist yet; run without --dry-run to create it", d)
	}
	if err := os.Mkdir(d, 0o700); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "hubctl: created %s (mode 0700, as TLJH's installer makes it)\n", d)
	return nil
}

// carryTLJHCull sets each cull flag the command line leaves out to TLJH's
// setting of the same meaning from config.yaml (or TLJH's default), before
// the flags are checked and written into the command.
func carryTLJHCull(c *cli.Context, p *tljh.Paths) ([]string, error) {
	path := p.ConfigYAML()
	settings, err := tljh.LoadCull(path)
	if err != nil {
		return nil, err
	}
	var carried, kept []string
	for _, s := range settings.Settings {
		from := "TLJH's default"
		if s.Line > 0 {
			from = fmt.Sprintf("%s:%d", path, s.Line)
		}
		if c.IsSet(s.Knob.Flag) {
			kept = append(kept, fmt.Sprintf("--%s as given, not services.cull.%s=%s (%s)", s.Knob.Flag, s.Knob.Key, s.Value, from))
			continue
		}
		if err := c.Set(s.Knob.Flag, s.Value); err != nil {
			return nil, fmt.Errorf("internal error: --%s=%s: %w", s.Knob.Flag, s.Value, err)
		}
		carried = append(carried, fmt.Sprintf("--%s=%s (services.cull.%s, %s)", s.Knob.Flag, s.Value, s.Knob.Key, from))
	}
	notes := []string{"carried TLJH's culler settings into the command: " + strings.Join(carried, ", ")}
	if len(kept) > 0 {
		notes = append(notes, "the command line wins over config.yaml: "+strings.Join(kept, ", "))
	}
	return notes, nil
}

// tljhPrefix is the install prefix of a TLJH config directory
// (/opt/tljh for /opt/tljh/config).
func tljhPrefix(p *tljh.Paths) string { return filepath.Dir(filepath.Clean(p.Dir)) }

// tljhCommandNote warns when TLJH's Hub cannot run the culler's command:
// a bare name it looks up on its unit's PATH, or a path in /tmp, which the
// unit's PrivateTmp hides.
func tljhCommandNote(p *tljh.Paths, bin string) string {
	if !strings.Contains(bin, "/") {
		dirs := append([]string{filepath.Join(tljhPrefix(p), hub.TLJHHubBin)}, hub.TLJHHubPATH...)
		for _, d := range dirs {
			if st, err := os.Stat(filepath.Join(d, bin)); err == nil && !st.IsDir() {
				return ""
			}
		}
		return fmt.Sprintf("warning: TLJH's Hub looks %s up on its own PATH (%s), which has none: install hubctl in /usr/local/bin", bin, strings.Join(dirs, ":"))
	}
	if bin == "/tmp" || strings.HasPrefix(bin, "/tmp/") || strings.HasPrefix(bin, "/var/tmp/") {
		return fmt.Sprintf("warning: TLJH's Hub runs with PrivateTmp=yes and cannot see %s: install hubctl in /usr/local/bin", bin)
	}
	return ""
}

// targetHubVersion is the Hub version an edit is for: with a --tljh
// target, what TLJH's own jupyterhub says (tljhHubVersion) when it can;
// otherwise hubVersion's choice.
func targetHubVersion(c *cli.Context, env *cliEnv, target *tljh.Paths) (hub.Version, error) {
	if target != nil {
		if v, ok := tljhHubVersion(c, env, target); ok {
			return v, nil
		}
	}
	return hubVersion(c, env)
}

// tljhHubVersion is what TLJH's own jupyterhub (PREFIX/hub/bin) says, when
// --hub-version is not given and it is there.
func tljhHubVersion(c *cli.Context, env *cliEnv, p *tljh.Paths) (hub.Version, bool) {
	if c.IsSet("hub-version") {
		return hub.Version{}, false
	}
	bin := filepath.Join(tljhPrefix(p), hub.TLJHHubBin, "jupyterhub")
	if _, err := os.Stat(bin); err != nil {
		return hub.Version{}, false
	}
	v, source, ok := provision.DetectHubVersionAt(c.Context, bin)
	if ok {
		fmt.Fprintf(env.stderr, "hubctl: JupyterHub %s (%s; --hub-version to choose)\n", v, source)
	}
	return v, ok
}

// runsHubctlCull reports whether any service of m is hubctl's culler: the
// cull-idle preset (run by the Hub or, with --external, by the admin) or a
// service that runs `hubctl cull`.
func runsHubctlCull(m *provision.Managed) bool {
	for i := range m.Services {
		if m.Services[i].Name == provision.CullIdlePreset || m.Services[i].RunsHubctlCull() {
			return true
		}
	}
	return false
}

// editTLJHCuller turns TLJH's culler off (disable) or back to what it was,
// printing the change as a diff on a dry run and saying what it did.
func editTLJHCuller(c *cli.Context, env *cliEnv, p *tljh.Paths, disable, dry bool) error {
	path := p.ConfigYAML()
	var note string
	res, err := tljh.EditConfigYAML(c.Context, path, dry, func(src []byte) ([]byte, bool, error) {
		if disable {
			return tljh.DisableCuller(path, src)
		}
		out, changed, n, err := tljh.RestoreCuller(path, src)
		note = n
		return out, changed, err
	})
	if err != nil {
		if disable {
			return fmt.Errorf("turning TLJH's culler off: %w", err)
		}
		return fmt.Errorf("turning TLJH's culler back on: %w", err)
	}
	for _, r := range res.Removed {
		fmt.Fprintf(env.stderr, "hubctl: removed %s, left by an interrupted run\n", r)
	}
	if note != "" {
		fmt.Fprintln(env.stderr, "hubctl: "+note)
	}
	if dry {
		if res.Changed {
			fmt.Fprint(env.stdout, textdiff.Unified(path, path+" (after hubctl)", res.Old, res.New))
		}
		return nil
	}
	switch {
	case !res.Changed && disable:
		fmt.Fprintf(env.stderr, "hubctl: %s already has services.cull.enabled: false\n", path)
	case !res.Changed:
	case disable:
		fmt.Fprintf(env.stderr, "hubctl: turned TLJH's culler off in %s (services.cull.enabled: false)\n", path)
	default:
		fmt.Fprintf(env.stderr, "hubctl: put services.cull.enabled back as it was before hubctl in %s: TLJH's culler runs again\n", path)
	}
	if res.Created {
		fmt.Fprintf(env.stderr, "hubctl: created %s (mode 0600)\n", path)
	}
	if res.Backup != "" {
		fmt.Fprintf(env.stderr, "hubctl: the previous version is in %s\n", res.Backup)
	}
	return nil
}

// tljhReadFlags are the TLJH target of service list and show.
func tljhReadFlags() []cli.Flag {
	flags := tljhFlags()
	flags[0].(*cli.BoolFlag).Usage = "The Littlest JupyterHub: read hubctl's block in DIR/jupyterhub_config.d/hubctl.py, and say whether TLJH's own culler is on in DIR/config.yaml"
	return flags
}

// tljhCullerView is whether TLJH's own culler runs, as config.yaml says.
type tljhCullerView struct {
	ConfigYAML string `json:"config_yaml"`
	Enabled    *bool  `json:"enabled"`         // nil when config.yaml cannot be read
	Line       int    `json:"line,omitempty"`  // of services.cull.enabled; 0 for TLJH's default
	Error      string `json:"error,omitempty"` // why config.yaml cannot be read
}

// tljhCuller reads TLJH's culler state. A config.yaml hubctl cannot read
// does not stop a listing: its error is kept, for a warning.
func tljhCuller(p *tljh.Paths) tljhCullerView {
	v := tljhCullerView{ConfigYAML: p.ConfigYAML()}
	c, err := tljh.LoadCull(v.ConfigYAML)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Enabled, v.Line = &c.Enabled, c.EnabledLine
	return v
}

// String is the state in words: "off (services.cull.enabled: false at FILE:LINE)".
func (v tljhCullerView) String() string {
	switch {
	case v.Enabled == nil:
		return "unknown (" + v.Error + ")"
	case v.Line == 0:
		return fmt.Sprintf("on (TLJH's default: %s does not set services.cull.enabled)", v.ConfigYAML)
	case *v.Enabled:
		return fmt.Sprintf("on (services.cull.enabled: true at %s:%d)", v.ConfigYAML, v.Line)
	}
	return fmt.Sprintf("off (services.cull.enabled: false at %s:%d)", v.ConfigYAML, v.Line)
}

// warnTLJHCuller says on stderr what is wrong with TLJH's culler beside
// hubctl's block: a config.yaml hubctl cannot read, or two cullers.
func warnTLJHCuller(env *cliEnv, v tljhCullerView, views []serviceView) {
	if v.Enabled == nil {
		fmt.Fprintf(env.stderr, "hubctl: warning: TLJH's culler: %s\n", v.Error)
		return
	}
	if !*v.Enabled {
		return
	}
	for _, s := range views {
		svc := provision.Service{Command: s.Command}
		if s.Managed && s.Name == provision.CullIdlePreset || svc.RunsHubctlCull() {
			fmt.Fprintf(env.stderr, "hubctl: warning: two cullers: TLJH's culler is on beside hubctl's %s; turn TLJH's off with `sudo tljh-config set services.cull.enabled false` and `sudo tljh-config reload hub`\n", s.Name)
			return
		}
	}
}
