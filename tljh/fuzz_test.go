package tljh

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzDisableRestore: whatever config.yaml DisableCuller accepts, the
// result reads back with the culler off and every other value as it was,
// and RestoreCuller brings back the data the file had.
func FuzzDisableRestore(f *testing.F) {
	for _, s := range []string{withComments, "", "services: {}\n", "users:\n  admin:\n  - a\nservices:\n  cull:\n    timeout: 9\n",
		"services:\n  cull:\n    enabled: true # on\n", "services:\n  cull: {timeout: 5}\n", "a: 1\r\nservices:\r\n  cull:\r\n    every: 3\r\n",
		"services:\n  cull:\n    every: 3\n# foot\n", "services:\n  cull:\n  # c\n    every: 3\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		if _, err := ReadCull("c.yaml", src); err != nil {
			return // refused before any edit (service add reads it first)
		}
		out, _, err := DisableCuller("c.yaml", src)
		if err != nil {
			return
		}
		c, err := ReadCull("c.yaml", out)
		if err != nil {
			t.Fatalf("the edit does not read back: %v\n%q\n%q", err, src, out)
		}
		if c.Enabled {
			t.Fatalf("still enabled:\n%q", out)
		}
		var before, after map[string]any
		_ = yaml.Unmarshal(src, &before)
		if err := yaml.Unmarshal(out, &after); err != nil {
			t.Fatal(err)
		}
		if svc, ok := after["services"].(map[string]any); ok {
			if cull, ok := svc["cull"].(map[string]any); ok {
				delete(cull, "enabled")
			}
		}
		if bs, ok := before["services"].(map[string]any); ok {
			if cull, ok := bs["cull"].(map[string]any); ok {
				delete(cull, "enabled")
			}
		}
		if !reflect.DeepEqual(normalized(before), normalized(after)) {
			t.Fatalf("other values changed:\n%q\n%q", src, out)
		}
		back, _, _, err := RestoreCuller("c.yaml", out)
		if err != nil {
			t.Fatal(err)
		}
		var restored, orig map[string]any
		_ = yaml.Unmarshal(src, &orig)
		if err := yaml.Unmarshal(back, &restored); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalized(orig), normalized(restored)) {
			t.Fatalf("restore differs:\n%q\n%q\n%q", src, out, back)
		}
	})
}

// normalized drops the empty services and cull mappings an edit may add
// or take away.
func normalized(m map[string]any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	if svc, ok := m["services"].(map[string]any); ok || m["services"] == nil {
		if cull, ok := svc["cull"].(map[string]any); (ok && len(cull) == 0) || (svc != nil && svc["cull"] == nil) {
			delete(svc, "cull")
		}
		if len(svc) == 0 {
			delete(m, "services")
		}
	}
	return m
}
