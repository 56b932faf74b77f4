package helm

import (
	"fmt"
	"strings"
	"testing"
)

const hubctlCuller = "hub:\n  services:\n    cull-idle:\n      apiToken: " + "0123456789abcdef0123456789abcdef" + "\n      command: [hubctl, cull, --timeout=3600]\n"

func TestValidateHelm(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  []string // "FILEINDEX:LINE:COL: severity ID: message start"
	}{
		{"clean: hubctl's values with cull.enabled false", []string{hubctlCuller + "cull:\n  enabled: false\n"}, nil},
		{"two cullers: cull.enabled at the chart's default", []string{hubctlCuller},
			[]string{"0:3:5: error HUB501: hub.services.cull-idle runs `hubctl cull`, and cull.enabled is not set"}},
		{"two cullers: a later -f file re-enables the chart's", []string{"cull:\n  timeout: 5\n", hubctlCuller + "cull:\n  enabled: false\n", "cull:\n  enabled: true\n"},
			[]string{"2:2:12: error HUB501: cull.enabled: true runs the chart's jupyterhub-idle-culler beside hub.services.cull-idle (F1:3)"}},
		{"a later file turns it off", []string{hubctlCuller + "cull:\n  enabled: true\n", "cull:\n  enabled: false\n"}, nil},
		{"null deletes the chart's default: off", []string{hubctlCuller + "cull:\n  enabled: null\n"}, nil},
		{"the chart's culler alone", []string{"cull:\n  enabled: true\n"}, nil},
		{"True is true to Helm (YAML 1.1)", []string{hubctlCuller + "cull:\n  enabled: True\n"},
			[]string{"0:7:12: error HUB501: cull.enabled: True (true to Helm) runs the chart's jupyterhub-idle-culler beside hub.services.cull-idle"}},
		{"TRUE", []string{hubctlCuller + "cull:\n  enabled: TRUE\n"}, []string{"0:7:12: error HUB501: cull.enabled: TRUE (true to Helm) runs"}},
		{"yes", []string{hubctlCuller + "cull:\n  enabled: yes\n"}, []string{"0:7:12: error HUB501: cull.enabled: yes (true to Helm) runs"}},
		{"on", []string{hubctlCuller + "cull:\n  enabled: on\n"}, []string{"0:7:12: error HUB501: cull.enabled: on (true to Helm) runs"}},
		{"off is false to Helm", []string{hubctlCuller + "cull:\n  enabled: off\n"}, nil},
		{"a quoted \"true\" is a string, which the chart's schema refuses", []string{hubctlCuller + "cull:\n  enabled: \"true\"\n"}, nil},
		{"a command under another path", []string{"hub:\n  services:\n    c:\n      apiToken: x\n      command: [/usr/local/bin/hubctl, cull]\n"},
			[]string{"0:3:5: error HUB501: hub.services.c runs `hubctl cull`"}},
		{"load_roles reassigned", []string{"cull:\n  enabled: false\nhub:\n  config:\n    JupyterHub:\n      load_roles:\n        - name: x\n"},
			[]string{"0:6:7: error HUB502: hub.config.JupyterHub.load_roles replaces the roles the chart builds"}},
		{"load_roles null is nothing", []string{"hub:\n  config:\n    JupyterHub:\n      load_roles: null\n"}, nil},
		{"services under hub.config", []string{"hub:\n  config:\n    JupyterHub:\n      services: []\n"},
			[]string{"0:4:7: warning HUB504: hub.config.JupyterHub.services is dropped by the chart"}},
		{"extraConfig reassigns", []string{"hub:\n  extraConfig:\n    roles: |\n      x = 1\n      c.JupyterHub.load_roles = [{'name': 'a'}]\n    svc: \"c.JupyterHub.services = []\"\n    ok: |\n      c.JupyterHub.services += [{}]\n      c.JupyterHub.services.append({})\n      if c.JupyterHub.load_roles == []: pass\n"},
			[]string{"0:5:1: error HUB502: hub.extraConfig.roles assigns c.JupyterHub.load_roles", "0:6:1: error HUB502: hub.extraConfig.svc assigns c.JupyterHub.services"}},
		{"a token the chart generates", []string{"cull:\n  enabled: false\nhub:\n  services:\n    ext:\n      url: http://x:1\n    tok:\n      apiToken: abc\n"},
			[]string{"0:5:5: warning HUB503: hub.services.ext has no apiToken and there is no hub.existingSecret"}},
		{"an empty apiToken is none", []string{"hub:\n  services:\n    ext:\n      apiToken: \"\"\n"},
			[]string{"0:3:5: warning HUB503: hub.services.ext has no apiToken"}},
		{"a token given in a later file", []string{"hub:\n  services:\n    ext:\n      url: http://x:1\n", "hub:\n  services:\n    ext:\n      apiToken: abc\n"}, nil},
		{"an existing Secret", []string{"hub:\n  existingSecret: mine\n  services:\n    ext:\n      url: http://x:1\n"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for i, f := range tt.files {
				paths = append(paths, writeValues(t, fmt.Sprintf("f%d.yaml", i), f))
			}
			uv, err := ReadValues(paths...)
			if err != nil {
				t.Fatal(err)
			}
			got := Validate(uv)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings, want %d: %v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				var file int
				var rest string
				fmt.Sscanf(w, "%d:", &file)
				rest = w[strings.Index(w, ":"):]
				for j, p := range paths {
					rest = strings.ReplaceAll(rest, fmt.Sprintf("F%d:", j), p+":")
				}
				if s := got[i].String(); !strings.HasPrefix(s, paths[file]+rest) {
					t.Errorf("finding %d:\n got %s\nwant %s%s", i, s, paths[file], rest)
				}
				if got[i].Hint == "" {
					t.Errorf("finding %d has no hint", i)
				}
			}
		})
	}
}
