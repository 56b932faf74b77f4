// Package z2jhschema checks values against the Zero-to-JupyterHub chart's
// values schema (testdata/z2jh/values.schema.yaml), as Helm does before it
// renders, for tests: the helm package's own and the CLI's golden test.
// It knows only the part of JSON Schema the chart uses on the paths hubctl
// writes, and fails on any other keyword it meets there, so that a schema
// update cannot make a check pass by accident.
package z2jhschema

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/provision"
)

// File is the schema's path from the repository root.
const File = "testdata/z2jh/values.schema.yaml"

// Load reads the schema from root, the repository's root directory.
func Load(root string) (map[string]any, error) {
	src, err := os.ReadFile(filepath.Join(root, File))
	if err != nil {
		return nil, err
	}
	var schema map[string]any
	if err := yaml.Unmarshal(src, &schema); err != nil {
		return nil, fmt.Errorf("%s: %w", File, err)
	}
	return schema, nil
}

// At is the sub-schema at path (property names and schema keywords), or
// nil when there is none.
func At(schema map[string]any, path ...string) map[string]any {
	s := schema
	for _, p := range path {
		next, ok := s[p].(map[string]any)
		if !ok {
			return nil
		}
		s = next
	}
	return s
}

// TopLevel are the objects whose required keys are not checked in a
// values file given with -f: the chart's values.yaml, which it is merged
// into, has them (the top-level keys and hub.baseUrl).
var TopLevel = map[string]bool{"": true, "hub": true}

// Validate returns what Helm would refuse in v against schema, one line
// per problem, each starting with its dotted path. Objects whose path is
// in skipRequired are not checked for required keys.
func Validate(schema any, v any, path string, skipRequired map[string]bool) []string {
	switch s := schema.(type) {
	case bool:
		if !s {
			return []string{path + ": not allowed (schema false)"}
		}
		return nil
	case map[string]any:
		var errs []string
		fail := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
		for k := range s {
			switch k {
			case "type", "properties", "additionalProperties", "patternProperties", "required", "items",
				"description", "$schema", "title", "default", "examples":
			default:
				fail("the schema walker does not know the keyword %q", k)
			}
		}
		if ty, ok := s["type"]; ok {
			var types []string
			switch ty := ty.(type) {
			case string:
				types = []string{ty}
			case []any:
				for _, x := range ty {
					types = append(types, fmt.Sprint(x))
				}
			}
			if !slices.ContainsFunc(types, func(ty string) bool { return typeIs(ty, v) }) {
				fail("%#v is not of type %v", v, types)
				return errs
			}
		}
		if items, ok := s["items"]; ok {
			if list, ok := v.([]any); ok {
				for i, x := range list {
					errs = append(errs, Validate(items, x, fmt.Sprintf("%s[%d]", path, i), skipRequired)...)
				}
			}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return errs
		}
		if req, ok := s["required"].([]any); ok && !skipRequired[path] {
			for _, r := range req {
				if _, ok := obj[fmt.Sprint(r)]; !ok {
					fail("required key %v missing", r)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		patterns, _ := s["patternProperties"].(map[string]any)
		for _, k := range SortedKeys(obj) {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			matched := false
			if p, ok := props[k]; ok {
				matched = true
				errs = append(errs, Validate(p, obj[k], sub, skipRequired)...)
			}
			for pat, p := range patterns {
				if regexp.MustCompile(pat).MatchString(k) {
					matched = true
					errs = append(errs, Validate(p, obj[k], sub, skipRequired)...)
				}
			}
			if !matched {
				add, ok := s["additionalProperties"]
				if !ok {
					add = true // JSON Schema's default
				}
				errs = append(errs, Validate(add, obj[k], sub, skipRequired)...)
			}
		}
		return errs
	}
	return []string{fmt.Sprintf("%s: a schema that is %T", path, schema)}
}

// CheckValues is Validate of a whole values file (TopLevel skipped), and
// then of each service and role against what the chart documents for one.
// hub.services.properties documents a service's keys on the services map
// itself (testdata/z2jh/README.md); each service's other keys must be
// JupyterHub's own (of the newest release hubctl knows), which the chart
// passes through. A role's keys must be provision.Role's fields,
// lower-cased, and each but description a list of strings.
func CheckValues(schema, values map[string]any) []string {
	serviceKeys := hub.ServiceKeys(hub.Version{Major: 6})
	var roleKeys []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[provision.Role]()) {
		roleKeys = append(roleKeys, strings.ToLower(f.Name))
	}
	errs := Validate(schema, values, "", TopLevel)
	documented := At(schema, "properties", "hub", "properties", "services", "properties")
	if documented == nil {
		return append(errs, "the schema has no hub.services.properties")
	}
	perService := map[string]any{"type": "object", "properties": documented, "additionalProperties": true}
	hubValues, _ := values["hub"].(map[string]any)
	services, _ := hubValues["services"].(map[string]any)
	for _, name := range SortedKeys(services) {
		svc := services[name]
		errs = append(errs, Validate(perService, svc, "hub.services."+name, nil)...)
		m, _ := svc.(map[string]any)
		for _, k := range SortedKeys(m) {
			if _, ok := documented[k]; !ok && !slices.Contains(serviceKeys, k) {
				errs = append(errs, fmt.Sprintf("hub.services.%s.%s: neither in the chart's schema nor a JupyterHub service key", name, k))
			}
			if k == "api_token" || k == "name" {
				errs = append(errs, fmt.Sprintf("hub.services.%s.%s: hubctl writes apiToken and leaves the name to the key", name, k))
			}
		}
	}
	roles, _ := hubValues["loadRoles"].(map[string]any)
	stringList := map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	for _, name := range SortedKeys(roles) {
		m, ok := roles[name].(map[string]any)
		if !ok {
			errs = append(errs, fmt.Sprintf("hub.loadRoles.%s is not a map", name))
			continue
		}
		for _, k := range SortedKeys(m) {
			if !slices.Contains(roleKeys, k) || k == "name" {
				errs = append(errs, fmt.Sprintf("hub.loadRoles.%s.%s: not a role key hubctl writes", name, k))
			}
			if k != "description" {
				errs = append(errs, Validate(stringList, m[k], "hub.loadRoles."+name+"."+k, nil)...)
			}
		}
	}
	return errs
}

// SortedKeys are the keys of the maps, each once, sorted.
func SortedKeys(ms ...map[string]any) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func typeIs(ty string, v any) bool {
	switch ty {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "integer":
		switch n := v.(type) {
		case int, int64, uint64:
			return true
		case float64:
			return n == math.Trunc(n)
		}
	case "number":
		switch v.(type) {
		case int, int64, uint64, float64:
			return true
		}
	}
	return false
}
