package helm

import (
	"errors"
	"fmt"
	"io/fs"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/internal/yamlfile"
)

// maxValuesFile bounds what ReadValues reads: values files are a few
// kilobytes; a larger one is a mistake (a wrong path, a binary).
const maxValuesFile = 16 << 20

// value is one node of merged values and the file that set it.
type value struct {
	node *yaml.Node
	file string
	keys []string          // a mapping's keys, in first-set order
	kids map[string]*value // a mapping's entries
	key  *yaml.Node        // the key this value sits under, for its position
}

func (v *value) isMap() bool { return v != nil && v.node.Kind == yaml.MappingNode }
func (v *value) isNull() bool {
	return v != nil && v.node.Kind == yaml.ScalarNode && v.node.Tag == "!!null"
}

// at follows keys down a mapping; nil when a key is missing.
func (v *value) at(keys ...string) *value {
	for _, k := range keys {
		if !v.isMap() {
			return nil
		}
		v = v.kids[k]
	}
	return v
}

// pos is FILE:LINE:COL of the value (of its key for a mapping, which
// starts on the key's line).
func (v *value) pos() (string, int, int) {
	n := v.node
	if v.key != nil && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
		n = v.key
	}
	return v.file, n.Line, n.Column
}

func (v *value) where() string {
	f, l, _ := v.pos()
	return fmt.Sprintf("%s:%d", f, l)
}

// UserValues are the user's chart values, read from one or more files and merged
// as `helm -f a -f b` merges them: mappings key by key, anything else (lists
// included) replaced by the later file.
type UserValues struct {
	root  *value
	Files []string
}

// maxValueNodes bounds the nodes ReadValues (and the copies Render
// makes) walk, aliases expanded: a few aliases of aliases ("billion
// laughs") would otherwise make a small file take unbounded time and memory.
const maxValueNodes = 1_000_000

// ReadValues reads values files in `helm -f` order. Errors name FILE:LINE.
func ReadValues(paths ...string) (*UserValues, error) {
	vs := &UserValues{root: &value{node: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, kids: map[string]*value{}}, Files: paths}
	for _, p := range paths {
		doc, err := readYAML(p)
		if err != nil {
			return nil, err
		}
		if doc == nil {
			continue
		}
		budget := maxValueNodes
		if err := merge(vs.root, doc, p, &budget); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

func readYAML(path string) (*yaml.Node, error) {
	data, err := yamlfile.Read(path, maxValuesFile, "a values file")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %w", path, pe.Err)
		}
		return nil, err
	}
	doc, err := yamlfile.Parse(path, data, "")
	if err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file: no values
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, &yamlfile.Error{File: path, Line: top.Line, Msg: "values are a mapping (key: value), not " + yamlfile.KindName(top)}
	}
	return top, nil
}

// merge lays the mapping src from file over dst.
func merge(dst *value, src *yaml.Node, file string, budget *int) error {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], deref(src.Content[i+1])
		if *budget -= 1 + len(v.Content); *budget < 0 {
			return fmt.Errorf("%s:%d: more than %d values with aliases expanded; not a values file hubctl reads", file, k.Line, maxValueNodes)
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			return fmt.Errorf("%s:%d: a YAML merge key (<<); hubctl reads values without them, write the keys out", file, k.Line)
		}
		old := dst.kids[k.Value]
		if old.isMap() && v.Kind == yaml.MappingNode {
			if err := merge(old, v, file, budget); err != nil {
				return err
			}
			continue
		}
		nv := &value{node: v, file: file, key: k}
		if v.Kind == yaml.MappingNode {
			nv.kids = map[string]*value{}
			if err := merge(nv, v, file, budget); err != nil {
				return err
			}
		}
		if old == nil {
			dst.keys = append(dst.keys, k.Value)
		}
		dst.kids[k.Value] = nv
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
