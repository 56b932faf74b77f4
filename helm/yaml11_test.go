package helm

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// TestYAML11Bool holds helmBool to what Helm's reader (sigs.k8s.io/yaml
// v1.4.0 over its go-yaml v2 fork) makes of `a: <scalar>`; the "Helm" column
// was taken from yaml.Unmarshal of that version.
func TestYAML11Bool(t *testing.T) {
	for _, tt := range []struct {
		scalar string
		isBool bool
		value  bool
	}{
		{"true", true, true},
		{"True", true, true},
		{"TRUE", true, true},
		{"yes", true, true},
		{"Yes", true, true},
		{"y", true, true},
		{"Y", true, true},
		{"on", true, true},
		{"ON", true, true},
		{"false", true, false},
		{"False", true, false},
		{"off", true, false},
		{"Off", true, false},
		{"no", true, false},
		{"n", true, false},
		{"!!bool yes", true, true},
		{`!!bool "yes"`, true, true},
		{`"true"`, false, false}, // quoted: a string
		{"'yes'", false, false},
		{"!!str true", false, false},
		{"|\n  true", false, false},
		{"tRue", false, false},
		{"1", false, false},
		{"!!bool 1", false, false}, // an error to Helm
		{"[true]", false, false},
		{"~", false, false},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("a: "+tt.scalar+"\n"), &doc); err != nil {
			t.Fatalf("%q: %v", tt.scalar, err)
		}
		v, ok := helmBool(doc.Content[0].Content[1])
		if ok != tt.isBool || v != tt.value {
			t.Errorf("%q: got (%v, %v), want (%v, %v)", tt.scalar, v, ok, tt.value, tt.isBool)
		}
	}
	// An alias is what it points at.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: &x yes\nb: *x\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := helmBool(doc.Content[0].Content[3]); !v || !ok {
		t.Errorf("alias of yes: got (%v, %v)", v, ok)
	}
}
