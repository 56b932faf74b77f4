package helm

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/provision"
)

// The ids of Validate's findings, listed with the others in README.
const (
	idTwoCullers     = "HUB501" // the chart's culler on beside a hubctl cull service
	idWipedEntries   = "HUB502" // hub.config / hub.extraConfig replaces the chart's services or roles
	idRegenToken     = "HUB503" // a token the chart generates anew on every render
	idIgnoredService = "HUB504" // hub.config.JupyterHub.services, which the chart drops
)

var helmHints = map[string]string{
	idTwoCullers:     "set cull.enabled: false in the last -f file (hubctl config render --format helm writes it)",
	idWipedEntries:   "put roles under hub.loadRoles and services under hub.services, which the chart merges with its own",
	idRegenToken:     "give the service an apiToken (for one of hubctl's: service add NAME --replace --token new, then render again), or keep the tokens in a Secret you manage (hub.existingSecret)",
	idIgnoredService: "move each service to hub.services.<name>",
}

func finding(id string, sev provision.Severity, v *value, format string, a ...any) provision.Finding {
	f, l, c := v.pos()
	return provision.Finding{ID: id, Severity: sev, File: f, Line: l, Col: c, Message: fmt.Sprintf(format, a...), Hint: helmHints[id]}
}

// commandWords are the words of a service's command list ("" for an entry
// that is not a scalar); nil when cmd is not a list.
func commandWords(cmd *value) []string {
	if cmd == nil || cmd.node.Kind != yaml.SequenceNode {
		return nil
	}
	words := make([]string, len(cmd.node.Content))
	for i, w := range cmd.node.Content {
		if w = deref(w); w.Kind == yaml.ScalarNode {
			words[i] = w.Value
		}
	}
	return words
}

// reassignRE matches a Python line that assigns c.JupyterHub.services or
// load_roles (not +=, not ==).
var reassignRE = regexp.MustCompile(`^\s*c\.JupyterHub\.(services|load_roles)\s*=[^=]`)

// Validate checks values files as `helm -f` merges them (uv) for what chart
// 4.4.0 gets wrong with hubctl's services: two cullers, services or roles
// that replace the chart's, and tokens generated on every render.
func Validate(uv *UserValues) []provision.Finding {
	var out []provision.Finding
	names, services := uv.userEntries("services")

	// Two cullers.
	enabled := uv.root.at("cull", "enabled")
	on := cullEnabledDefault
	if enabled != nil {
		// As Helm reads it: True, yes and on are true too; "true" quoted
		// is a string, which the chart's schema refuses.
		b, isBool := helmBool(enabled.node)
		on = isBool && b
	}
	if on {
		trueWord := "true"
		if enabled != nil && deref(enabled.node).Value != "true" {
			trueWord = deref(enabled.node).Value + " (true to Helm)"
		}
		for _, name := range names {
			s := services.kids[name]
			if !(&provision.Service{Command: commandWords(s.at("command"))}).RunsHubctlCull() {
				continue
			}
			if enabled == nil {
				out = append(out, finding(idTwoCullers, provision.SeverityError, s,
					"hub.services.%s runs `hubctl cull`, and cull.enabled is not set, so the chart's default (true) runs its own jupyterhub-idle-culler as well: two cullers", name))
			} else {
				out = append(out, finding(idTwoCullers, provision.SeverityError, enabled,
					"cull.enabled: %s runs the chart's jupyterhub-idle-culler beside hub.services.%s (%s), which runs `hubctl cull`: two cullers", trueWord, name, s.where()))
			}
		}
	}

	// Entries that replace the chart's.
	jh := uv.root.at("hub", "config", "JupyterHub")
	if lr := jh.at("load_roles"); lr != nil && !lr.isNull() {
		var gone []string
		roleNames, _ := uv.userEntries("loadRoles")
		for _, n := range roleNames {
			gone = append(gone, "hub.loadRoles."+n)
		}
		if on {
			gone = append(gone, "the chart's jupyterhub-idle-culler role")
		}
		what := "every role from hub.loadRoles and cull is gone"
		if len(gone) > 0 {
			what = strings.Join(gone, ", ") + " never reach the Hub"
		}
		out = append(out, finding(idWipedEntries, provision.SeverityError, lr,
			"hub.config.JupyterHub.load_roles replaces the roles the chart builds from hub.loadRoles and cull (it applies hub.config after them): %s, and the services they grant get 403", what))
	}
	if sv := jh.at("services"); sv != nil && !sv.isNull() {
		out = append(out, finding(idIgnoredService, provision.SeverityWarning, sv,
			"hub.config.JupyterHub.services is dropped by the chart (its jupyterhub_config.py pops it from hub.config): these services never start"))
	}
	if ec := uv.root.at("hub", "extraConfig"); ec.isMap() {
		for _, key := range ec.keys {
			snippet := ec.kids[key]
			if snippet.node.Kind != yaml.ScalarNode {
				continue
			}
			first := snippet.node.Line
			if snippet.node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				first++ // a block scalar starts on the line after its indicator
			}
			for i, line := range strings.Split(snippet.node.Value, "\n") {
				m := reassignRE.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				what := "services the chart builds from hub.services and cull"
				if m[1] == "load_roles" {
					what = "roles the chart builds from hub.loadRoles and cull, so their services get 403"
				}
				out = append(out, provision.Finding{ID: idWipedEntries, Severity: provision.SeverityError, File: snippet.file, Line: first + i, Col: 1,
					Message: fmt.Sprintf("hub.extraConfig.%s assigns c.JupyterHub.%s, which replaces the %s (the chart runs hub.extraConfig after them); append to the list instead", key, m[1], what),
					Hint:    helmHints[idWipedEntries]})
			}
		}
	}

	// Tokens generated on every render.
	if es := uv.root.at("hub", "existingSecret"); es == nil || es.isNull() || es.node.Value == "" {
		for _, name := range names {
			s := services.kids[name]
			if !s.isMap() || hasToken(s) {
				continue
			}
			out = append(out, finding(idRegenToken, provision.SeverityWarning, s,
				"hub.services.%s has no apiToken and there is no hub.existingSecret: the chart generates a random token unless it can look up the hub Secret in the cluster, so every `helm template` (Argo CD, Flux, helm diff) writes a new one, and the hub Deployment's checksum/secret annotation restarts the hub on every sync", name))
		}
	}
	// In -f order, then by position.
	fileAt := map[string]int{}
	for i, f := range uv.Files {
		if _, ok := fileAt[f]; !ok {
			fileAt[f] = i
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return fileAt[a.File] < fileAt[b.File]
		}
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return out
}
