package helm

import (
	"fmt"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/internal/yamlfile"
)

// How --image gets hubctl into the hub pod: an init container of hubctl's
// own image (Dockerfile, FROM scratch) runs `hubctl copy-binary` into an
// emptyDir, which the hub container mounts read-only. Chart 4.4.0
// (templates/hub/deployment.yaml) writes hub.initContainers,
// hub.extraVolumes and hub.extraVolumeMounts into the hub pod as they are.
// The mount is a directory of its own: the chart's hub image keeps python
// and jupyterhub in /usr/local/bin, which a volume there would hide.
const (
	// ImageHubctlPath is hubctl in hubctl's image (Dockerfile).
	ImageHubctlPath = "/usr/local/bin/hubctl"
	// ImageMountDir is where the hub container sees the emptyDir.
	ImageMountDir = "/opt/hubctl/bin"
	// ImageHubctlPodPath is the default --hubctl-path with --image.
	ImageHubctlPodPath = ImageMountDir + "/hubctl"
	// ImageInitContainer and ImageVolume are the names of the entries.
	ImageInitContainer = "copy-hubctl"
	ImageVolume        = "hubctl-bin"
	// imageUID is the init container's user, the image's USER: nobody.
	imageUID = 65534
)

// imageRefRE is a container image reference: [host[:port]/]path[:tag][@digest],
// the grammar of the distribution project's reference package.
var imageRefRE = regexp.MustCompile(`^` +
	`(?P<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)` +
	`(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?` +
	`(?:@(?P<digest>sha256:[a-f0-9]{64}))?$`)

// ImageError is a --image reference refused, with the next step.
type ImageError struct{ Ref, Why, Next string }

func (e *ImageError) Error() string { return fmt.Sprintf("%q: %s", e.Ref, e.Why) }
func (e *ImageError) Hint() string  { return e.Next }

// CheckImage refuses what is not an image reference pinned by a tag other
// than latest, or by a digest: the init container runs whatever the
// reference names when the pod starts, so a moving one makes two pods of
// the same values run different hubctls.
func CheckImage(ref string) error {
	const pin = "a pinned tag or digest makes every hub pod run the same hubctl: give REPO:TAG (such as ghcr.io/you/hubctl:1.4.0) or REPO@sha256:DIGEST"
	m := imageRefRE.FindStringSubmatch(ref)
	if m == nil || len(m[imageRefRE.SubexpIndex("name")]) > 255 {
		return &ImageError{ref, "not a container image reference (REPO:TAG, lower-case repository)", pin}
	}
	tag, digest := m[imageRefRE.SubexpIndex("tag")], m[imageRefRE.SubexpIndex("digest")]
	switch {
	case digest != "":
		return nil
	case tag == "":
		return &ImageError{ref, "no tag: the image would be :latest, whatever that is when the pod starts", pin}
	case tag == "latest":
		return &ImageError{ref, "the tag latest moves", pin}
	}
	return nil
}

// imageEntries are hubctl's hub.initContainers, hub.extraVolumes and
// hub.extraVolumeMounts entries for image, copying hubctl to
// ImageHubctlPodPath.
func (b *builder) imageEntries(image string) (initContainer, volume, mount *yaml.Node) {
	str := func(s string) *yaml.Node { return b.str("image", s) }
	num := func(n int) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(n)}
	}
	m := func(kv ...any) *yaml.Node {
		d := &sortedMap{}
		for i := 0; i < len(kv); i += 2 {
			d.add(kv[i].(string), kv[i+1].(*yaml.Node))
		}
		return d.node()
	}
	seq := func(items ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	}
	dir, dest := ImageMountDir, ImageHubctlPodPath
	// What the restricted Pod Security Standard asks of a container, and
	// a root filesystem it cannot write: copy-binary writes only to the
	// emptyDir.
	security := m(
		"allowPrivilegeEscalation", boolScalar(false),
		"capabilities", m("drop", seq(str("ALL"))),
		"readOnlyRootFilesystem", boolScalar(true),
		"runAsGroup", num(imageUID),
		"runAsNonRoot", boolScalar(true),
		"runAsUser", num(imageUID),
		"seccompProfile", m("type", str("RuntimeDefault")),
	)
	// copy-binary holds the binary (about 15 MiB) in memory once.
	resources := m(
		"limits", m("cpu", str("500m"), "memory", str("64Mi")),
		"requests", m("cpu", str("10m"), "memory", str("32Mi")),
	)
	initContainer = m(
		"name", str(ImageInitContainer),
		"image", str(image),
		"command", seq(str(ImageHubctlPath), str("copy-binary"), str(dest)),
		"resources", resources,
		"securityContext", security,
		"volumeMounts", seq(m("mountPath", str(dir), "name", str(ImageVolume))),
	)
	volume = m("name", str(ImageVolume), "emptyDir", m("sizeLimit", str("64Mi")))
	mount = m("mountPath", str(dir), "name", str(ImageVolume), "readOnly", boolScalar(true))
	return initContainer, volume, mount
}

// addImage writes hubctl's image entries into hub, after the user's own
// entries of the same lists: `helm -f` replaces a list rather than merging
// it, so the user's must be in hubctl's file too. A user's entry with the
// same name (or, for a mount, the same mountPath) is an error at its
// FILE:LINE.
func (b *builder) addImage(hub *sortedMap, uv *UserValues, image string) error {
	ic, vol, mount := b.imageEntries(image)
	lists := []struct {
		key, field, mine string
		entry            *yaml.Node
	}{
		{"initContainers", "name", ImageInitContainer, ic},
		{"extraVolumes", "name", ImageVolume, vol},
		{"extraVolumeMounts", "mountPath", ImageMountDir, mount},
	}
	for _, l := range lists {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v := uv.list("hub", l.key); v != nil {
			if v.node.Kind != yaml.SequenceNode {
				return fmt.Errorf("%s: hub.%s is %s; the chart takes a list", v.where(), l.key, yamlfile.KindName(v.node))
			}
			budget := maxValueNodes
			for i, e := range v.node.Content {
				e = deref(e)
				if e.Kind != yaml.MappingNode {
					return fmt.Errorf("%s:%d: hub.%s[%d] is %s; Kubernetes takes a map", v.file, e.Line, l.key, i, yamlfile.KindName(e))
				}
				for j := 0; j+1 < len(e.Content); j += 2 {
					if k, val := e.Content[j], deref(e.Content[j+1]); k.Value == l.field && val.Value == l.mine {
						return fmt.Errorf("%s:%d: hub.%s[%d] has the %s %q of hubctl's own entry (--image); rename or remove yours", v.file, val.Line, l.key, i, l.field, l.mine)
					}
				}
				c, err := copyNode(e, &budget)
				if err != nil {
					return fmt.Errorf("%s: %w", v.file, err)
				}
				seq.Content = append(seq.Content, c)
			}
		}
		seq.Content = append(seq.Content, l.entry)
		key := b.key(l.key)
		if l.key == "initContainers" {
			key.HeadComment = "# --image: " + ImageInitContainer + " copies hubctl out of its image into the emptyDir " + ImageVolume + ",\n" +
				"# which the hub container mounts read-only: hubctl is at " + ImageHubctlPodPath + " in the hub pod."
			if uv != nil {
				key.HeadComment += "\n# helm -f replaces lists, so your own entries of these lists are here too."
			}
		}
		hub.add2(key, seq)
	}
	return b.err
}

// list is the user's value at keys, nil when unset or null.
func (uv *UserValues) list(keys ...string) *value {
	if uv == nil {
		return nil
	}
	v := uv.root.at(keys...)
	if v == nil || v.isNull() {
		return nil
	}
	return v
}
