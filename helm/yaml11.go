package helm

import "gopkg.in/yaml.v3"

// yaml11Bools are YAML 1.1's booleans as go-yaml v2 resolves them (its
// resolve.go), which is how Helm reads values: sigs.k8s.io/yaml turns YAML
// into JSON with its fork of go-yaml v2. yaml.v3 (YAML 1.2) tags only
// true/True/TRUE and false/False/FALSE as !!bool.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"true": true, "True": true, "TRUE": true,
	"on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false,
	"false": false, "False": false, "FALSE": false,
	"off": false, "Off": false, "OFF": false,
}

// helmBool is the scalar n as Helm's YAML 1.1 reader takes it: ok when it
// is a boolean there, and then its value. A plain scalar is one when it is
// in yaml11Bools (so yes and on are true); a quoted or block scalar is a
// string; with an explicit tag, only !!bool makes a boolean (!!str yes is
// the string). A !!bool that is not one of yaml11Bools (!!bool 1) is an
// error to Helm; here it is not a boolean. One case differs: `! yes` (the
// non-specific tag) is the string to go-yaml v2, but yaml.v3 leaves no
// trace of the tag in the node, so here it is true.
func helmBool(n *yaml.Node) (value, ok bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		if n.ShortTag() != "!!bool" {
			return false, false
		}
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return false, false
	}
	value, ok = yaml11Bools[n.Value]
	return value, ok
}
