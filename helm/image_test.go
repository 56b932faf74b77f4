package helm

import (
	"errors"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/provision"
)

// imageWant are hubctl's three entries for image, as the chart's
// templates/hub/deployment.yaml puts them into the hub pod.
func imageWant(image string) (initContainer, volume, mount map[string]any) {
	initContainer = map[string]any{
		"name":    "copy-hubctl",
		"image":   image,
		"command": []any{"/usr/local/bin/hubctl", "copy-binary", "/opt/hubctl/bin/hubctl"},
		"resources": map[string]any{
			"limits":   map[string]any{"cpu": "500m", "memory": "64Mi"},
			"requests": map[string]any{"cpu": "10m", "memory": "32Mi"},
		},
		// The restricted Pod Security Standard, and a read-only root.
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"capabilities":             map[string]any{"drop": []any{"ALL"}},
			"readOnlyRootFilesystem":   true,
			"runAsGroup":               65534,
			"runAsNonRoot":             true,
			"runAsUser":                65534,
			"seccompProfile":           map[string]any{"type": "RuntimeDefault"},
		},
		"volumeMounts": []any{map[string]any{"mountPath": "/opt/hubctl/bin", "name": "hubctl-bin"}},
	}
	volume = map[string]any{"name": "hubctl-bin", "emptyDir": map[string]any{"sizeLimit": "64Mi"}}
	mount = map[string]any{"name": "hubctl-bin", "mountPath": "/opt/hubctl/bin", "readOnly": true}
	return initContainer, volume, mount
}

func TestRenderImage(t *testing.T) {
	t.Parallel()
	s, r := cullIdlePreset()
	m := ForPod(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}}, ImageHubctlPodPath)
	const image = "ghcr.io/example/hubctl:1.4.0"
	out, err := Render(m, nil, Options{Image: image})
	if err != nil {
		t.Fatal(err)
	}
	ic, vol, mount := imageWant(image)
	checkParse(t, out, map[string]any{
		"cull": map[string]any{"enabled": false},
		"hub": map[string]any{
			"initContainers":    []any{ic},
			"extraVolumes":      []any{vol},
			"extraVolumeMounts": []any{mount},
			"services": map[string]any{"cull-idle": map[string]any{
				"command": []any{"/opt/hubctl/bin/hubctl", "cull", "--timeout=3600", "--url=http://localhost:8081/hub/api"}}},
			"loadRoles": map[string]any{"cull-idle-role": map[string]any{"scopes": anyList(r.Scopes), "services": []any{"cull-idle"}}},
		},
	})
	checkSchema(t, out)
	for _, want := range []string{
		"hubctl is at /opt/hubctl/bin/hubctl in the hub pod.",
		"so hub.initContainers puts hubctl at /opt/hubctl/bin/hubctl.",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// hubctl never hides the hub image's /usr/local/bin (python, jupyterhub).
	if strings.Contains(string(out), "mountPath: /usr/local/bin") {
		t.Errorf("a mount over /usr/local/bin:\n%s", out)
	}
	// Without --image, none of it.
	plain, err := Render(m, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"initContainers", "extraVolumes", "extraVolumeMounts"} {
		if strings.Contains(string(plain), key) {
			t.Errorf("%s without an image:\n%s", key, plain)
		}
	}
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("0a", 32)
	for _, ok := range []string{
		"hubctl:1.4.0", "ghcr.io/example/hubctl:v1.4.0", "localhost:5000/a/b-c__d.e:1_x.y-z",
		"quay.io/x/hubctl@" + digest, "quay.io/x/hubctl:latest@" + digest, "registry.example.org:443/team/hubctl:2026.12.01",
	} {
		if err := CheckImage(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for ref, why := range map[string]string{
		"ghcr.io/example/hubctl":             "no tag",
		"ghcr.io/example/hubctl:latest":      "the tag latest moves",
		"hubctl:":                            "not a container image reference",
		"GHCR.io/Example/hubctl:1":           "not a container image reference",
		"hubctl@sha256:abc":                  "not a container image reference",
		"hubctl:-x":                          "not a container image reference",
		"hubctl:1 --privileged":              "not a container image reference",
		"hubctl:1\nx":                        "not a container image reference",
		"":                                   "not a container image reference",
		"/hubctl:1":                          "not a container image reference",
		"hubctl:" + strings.Repeat("1", 129): "not a container image reference",
	} {
		err := CheckImage(ref)
		var ie *ImageError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), why) || !strings.Contains(ie.Hint(), "pinned tag") {
			t.Errorf("%q: %v, want %q and a hint", ref, err, why)
		}
	}
}

// TestRenderImageKeepsTheUsersLists: helm -f replaces lists, so the user's
// own entries are written beside hubctl's, comments and all.
func TestRenderImageKeepsTheUsersLists(t *testing.T) {
	t.Parallel()
	p := writeValues(t, "config.yaml", `hub:
  initContainers:
    # wait for the database
    - name: wait-db
      image: busybox:1.36
      command: [sh, -c, "until nc -z db 5432; do sleep 1; done"]
  extraVolumes:
    - name: certs
      secret: {secretName: hub-certs}
  extraVolumeMounts:
    - name: certs
      mountPath: /etc/hub-certs
      readOnly: true
`)
	uv, err := ReadValues(p)
	if err != nil {
		t.Fatal(err)
	}
	const image = "ghcr.io/example/hubctl:1.4.0"
	out, err := Render(provision.Managed{}, uv, Options{Image: image})
	if err != nil {
		t.Fatal(err)
	}
	ic, vol, mount := imageWant(image)
	checkParse(t, out, map[string]any{"hub": map[string]any{
		"initContainers": []any{
			map[string]any{"name": "wait-db", "image": "busybox:1.36", "command": []any{"sh", "-c", "until nc -z db 5432; do sleep 1; done"}},
			ic,
		},
		"extraVolumes":      []any{map[string]any{"name": "certs", "secret": map[string]any{"secretName": "hub-certs"}}, vol},
		"extraVolumeMounts": []any{map[string]any{"name": "certs", "mountPath": "/etc/hub-certs", "readOnly": true}, mount},
	}})
	checkSchema(t, out)
	if !strings.Contains(string(out), "# wait for the database\n") || !strings.Contains(string(out), "your own entries of these lists are here too") {
		t.Errorf("the user's comment or the note on lists is missing:\n%s", out)
	}

	// The user's lists without --image are not written: theirs stand.
	plain, err := Render(provision.Managed{}, uv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), "initContainers") {
		t.Errorf("initContainers without --image:\n%s", plain)
	}
}

func TestRenderImageRefusesAClash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ values, want string }{
		{"hub:\n  initContainers:\n    - name: x\n    - image: a:1\n      name: copy-hubctl\n",
			":5: hub.initContainers[1] has the name \"copy-hubctl\" of hubctl's own entry (--image); rename or remove yours"},
		{"hub:\n  extraVolumes:\n    - name: hubctl-bin\n      emptyDir: {}\n",
			":3: hub.extraVolumes[0] has the name \"hubctl-bin\" of hubctl's own entry (--image)"},
		{"hub:\n  extraVolumeMounts:\n    - name: other\n      mountPath: /opt/hubctl/bin\n",
			":4: hub.extraVolumeMounts[0] has the mountPath \"/opt/hubctl/bin\" of hubctl's own entry (--image)"},
		{"hub:\n  initContainers:\n    name: x\n", ":2: hub.initContainers is a mapping; the chart takes a list"},
		{"hub:\n  extraVolumes: [x]\n", ":2: hub.extraVolumes[0] is a string; Kubernetes takes a map"},
	} {
		p := writeValues(t, "v.yaml", tc.values)
		uv, err := ReadValues(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Render(provision.Managed{}, uv, Options{Image: "hubctl:1"})
		if err == nil || !strings.HasPrefix(err.Error(), p+tc.want) {
			t.Errorf("%q: %v, want %s%s", tc.values, err, p, tc.want)
		}
	}
}
