// Package tljh makes hubctl's edits for The Littlest JupyterHub (`service
// add --tljh`): it reads TLJH's culler settings from config.yaml, turns
// TLJH's culler off there (services.cull.enabled: false, as
// `tljh-config set services.cull.enabled false` would) and back on. It is a
// target writer, like helm; the facts about TLJH are in hub/tljh.go.
//
// config.yaml is edited as a yaml.v3 node tree, so its comments and key
// order stay; the value hubctl sets carries a line comment saying what was
// there before, so that `service remove` can put it back.
package tljh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/internal/yamlfile"
)

// Paths are the files of a TLJH config directory.
type Paths struct{ Dir string }

func (p Paths) ConfigYAML() string { return filepath.Join(p.Dir, hub.TLJHConfigFile) }
func (p Paths) SubconfigDir() string {
	return filepath.Join(p.Dir, hub.TLJHSubconfigDir)
}
func (p Paths) Block() string { return filepath.Join(p.SubconfigDir(), hub.TLJHSubconfigFile) }

// Setting is one services.cull knob as TLJH would pass it to its culler.
type Setting struct {
	Knob  hub.TLJHCullKnob
	Value string // as hubctl cull's flag takes it: "600", "true"
	Line  int    // its line in config.yaml; 0 for TLJH's default
}

// Cull is what config.yaml says of TLJH's culler.
type Cull struct {
	Enabled     bool
	EnabledLine int       // the line of services.cull.enabled; 0 for TLJH's default
	Settings    []Setting // every knob of hub.TLJHCullKnobs, in that order
}

// Error is a config.yaml that hubctl cannot use, at FILE:LINE.
type Error = yamlfile.Error

// parse reads src as one YAML document; nil for an empty file.
func parse(path string, src []byte) (*yaml.Node, error) {
	doc, err := yamlfile.Parse(path, src, "not YAML that TLJH can read: ")
	if err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: root.Line, Msg: "TLJH's config is a mapping (key: value), not " + yamlfile.KindName(root)}
	}
	return doc, nil
}

// lookup returns the value node of key in mapping m, and its key node.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// cullMap finds services.cull; a missing one is nil, a non-mapping an error.
func cullMap(path string, doc *yaml.Node) (*yaml.Node, error) {
	if doc == nil {
		return nil, nil
	}
	m := doc.Content[0]
	for _, key := range []string{"services", "cull"} {
		_, v := lookup(m, key)
		if v == nil || v.Tag == "!!null" {
			return nil, nil
		}
		if v.Kind != yaml.MappingNode {
			return nil, &Error{File: path, Line: v.Line, Msg: key + " is " + yamlfile.KindName(v) + ", not a mapping"}
		}
		m = v
	}
	return m, nil
}

// LoadCull reads config.yaml at path (ReadFile) and TLJH's culler
// settings in it (ReadCull).
func LoadCull(path string) (Cull, error) {
	src, err := ReadFile(path)
	if err != nil {
		return Cull{}, err
	}
	return ReadCull(path, src)
}

// ReadCull reads TLJH's culler settings from config.yaml's bytes (nil for
// a missing file: TLJH's defaults). A value of the wrong type, or one
// hubctl cull would refuse, is an error at its line.
func ReadCull(path string, src []byte) (Cull, error) {
	c := Cull{Enabled: hub.TLJHCullEnabledDefault}
	doc, err := parse(path, src)
	if err != nil {
		return c, err
	}
	m, err := cullMap(path, doc)
	if err != nil {
		return c, err
	}
	var v *yaml.Node
	if m != nil {
		if _, v = lookup(m, "enabled"); v != nil {
			c.EnabledLine = v.Line
			if c.Enabled, err = boolValue(path, "enabled", v); err != nil {
				return c, err
			}
		}
	}
	for _, k := range hub.TLJHCullKnobs {
		s := Setting{Knob: k, Value: strconv.Itoa(k.Default)}
		if k.Bool {
			s.Value = strconv.FormatBool(k.Default != 0)
		}
		if m != nil {
			if _, v = lookup(m, k.Key); v != nil {
				s.Line = v.Line
				if k.Bool {
					b, err := boolValue(path, k.Key, v)
					if err != nil {
						return c, err
					}
					s.Value = strconv.FormatBool(b)
				} else {
					n, err := intValue(path, k, v)
					if err != nil {
						return c, err
					}
					s.Value = strconv.Itoa(n)
				}
			}
		}
		c.Settings = append(c.Settings, s)
	}
	return c, nil
}

// boolValue is a YAML boolean. TLJH tests the culler's booleans for truth,
// so a string "false" would turn a knob on: hubctl refuses it instead.
func boolValue(path, key string, v *yaml.Node) (bool, error) {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
		return false, &Error{File: path, Line: v.Line, Msg: fmt.Sprintf("services.cull.%s is %s, not true or false (TLJH's schema: boolean)", key, yamlfile.Describe(v))}
	}
	return b, nil
}

// intValue is a YAML integer within what hubctl cull accepts for the flag.
func intValue(path string, k hub.TLJHCullKnob, v *yaml.Node) (int, error) {
	var n int
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil {
		return 0, &Error{File: path, Line: v.Line, Msg: fmt.Sprintf("services.cull.%s is %s, not a whole number (TLJH's schema: integer)", k.Key, yamlfile.Describe(v))}
	}
	lo, hi := 0, 1<<31-1
	switch k.Key {
	case "timeout":
		lo = 1 // 0 would cull every server
	case "concurrency":
		lo, hi = 1, cull.MaxConcurrency
	}
	if n < lo || n > hi {
		return 0, &Error{File: path, Line: v.Line, Msg: fmt.Sprintf("services.cull.%s is %d; hubctl cull --%s takes %d to %d", k.Key, n, k.Flag, lo, hi)}
	}
	return n, nil
}

// marker is the line comment hubctl puts on the enabled it sets.
const marker = "# hubctl service add cull-idle --tljh turned TLJH's culler off; it was "

var markerRE = regexp.MustCompile(`^` + regexp.QuoteMeta(marker) + `(true|false|unset)$`)

// DisableCuller returns src with services.cull.enabled: false, every other
// key, comment and order kept; changed is false when it already was false.
func DisableCuller(path string, src []byte) (out []byte, changed bool, err error) {
	doc, err := parse(path, src)
	if err != nil {
		return nil, false, err
	}
	if doc == nil {
		doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if _, err := cullMap(path, doc); err != nil {
		return nil, false, err
	}
	m := doc.Content[0]
	for _, key := range []string{"services", "cull"} {
		_, v := lookup(m, key)
		if v == nil {
			v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
		} else if v.Tag == "!!null" {
			*v = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: v.HeadComment, LineComment: v.LineComment}
		}
		v.Style &^= yaml.FlowStyle // a line comment inside {...} would not read back
		m = v
	}
	was := "unset"
	_, v := lookup(m, "enabled")
	if v != nil {
		b, err := boolValue(path, "enabled", v)
		if err != nil {
			return nil, false, err
		}
		if !b {
			return src, false, nil
		}
		was = "true"
	} else {
		v = &yaml.Node{}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "enabled"}, v)
	}
	*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false", HeadComment: v.HeadComment, LineComment: marker + was}
	out, err = encode(doc)
	if err != nil {
		return nil, false, err
	}
	out = preferSplice(spliceDisable(src, was), out)
	if !keepsOthers(src, out) {
		return nil, false, unkeptError(path)
	}
	return out, true, nil
}

// keepsOthers reports whether out holds the data of src, but for
// services.cull.enabled and the empty mappings around it.
func keepsOthers(src, out []byte) bool {
	var a, b any
	if yaml.Unmarshal(src, &a) != nil || yaml.Unmarshal(out, &b) != nil {
		return false
	}
	return reflect.DeepEqual(withoutEnabled(a), withoutEnabled(b))
}

func withoutEnabled(v any) any {
	root, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if svc, ok := root["services"].(map[string]any); ok {
		if cull, ok := svc["cull"].(map[string]any); ok {
			delete(cull, "enabled")
			if len(cull) == 0 {
				delete(svc, "cull")
			}
		}
		if len(svc) == 0 {
			delete(root, "services")
		}
	}
	if len(root) == 0 {
		return nil
	}
	return root
}

func unkeptError(path string) error {
	return &Error{File: path, Msg: "hubctl cannot rewrite this file without changing other values in it (yaml.v3 would write them differently); nothing was changed: set services.cull.enabled with tljh-config instead"}
}

// RestoreCuller undoes DisableCuller: an enabled that carries hubctl's
// comment goes back to what it was (the key removed if it was unset, with
// the cull and services mappings it leaves empty). An enabled without the
// comment is the admin's: it stays, and note says so.
func RestoreCuller(path string, src []byte) (out []byte, changed bool, note string, err error) {
	doc, err := parse(path, src)
	if err != nil {
		return nil, false, "", err
	}
	m, err := cullMap(path, doc)
	if err != nil {
		return nil, false, "", err
	}
	var k, v *yaml.Node
	if m != nil {
		k, v = lookup(m, "enabled")
	}
	if v == nil {
		return src, false, "", nil
	}
	match := markerRE.FindStringSubmatch(v.LineComment)
	if match == nil {
		b, _ := boolValue(path, "enabled", v)
		if b {
			return src, false, "", nil
		}
		return src, false, fmt.Sprintf("%s:%d sets services.cull.enabled: false, and not by hubctl, so it stays (`sudo tljh-config set services.cull.enabled true` brings TLJH's culler back)", path, v.Line), nil
	}
	switch match[1] {
	case "unset":
		removeKey(m, k)
		services := doc.Content[0]
		_, svc := lookup(services, "services")
		if ck, cv := lookup(svc, "cull"); len(cv.Content) == 0 && cv.HeadComment == "" && ck.HeadComment == "" {
			removeKey(svc, ck)
			if sk, _ := lookup(services, "services"); len(svc.Content) == 0 && sk.HeadComment == "" {
				removeKey(services, sk)
			}
		}
	default:
		v.Value, v.LineComment = match[1], ""
	}
	if len(doc.Content[0].Content) == 0 && doc.HeadComment == "" && doc.FootComment == "" {
		return []byte{}, true, "", nil
	}
	out, err = encode(doc)
	if err != nil {
		return nil, false, "", err
	}
	out = preferSplice(spliceRestore(src, match[1]), out)
	if !keepsOthers(src, out) {
		return nil, false, "", unkeptError(path)
	}
	return out, true, "", nil
}

// The edits above re-encode the whole tree, which keeps every key, value
// and comment but writes yaml.v3's layout: TLJH's ruamel.yaml writes a list
// under a key at the key's indent ("- a"), yaml.v3 two spaces in. So where
// the change is one line, hubctl changes that line alone, and keeps that
// text only if it reads back as the same data, with hubctl's comment
// where it should be, as the re-encoded tree.

// preferSplice is spliced when it reads back as tree does, else tree.
func preferSplice(spliced, tree []byte) []byte {
	if spliced == nil {
		return tree
	}
	var a, b any
	if yaml.Unmarshal(spliced, &a) != nil || yaml.Unmarshal(tree, &b) != nil || !reflect.DeepEqual(a, b) {
		return tree
	}
	if enabledComment(spliced) != enabledComment(tree) {
		return tree
	}
	return spliced
}

// enabledComment is the line comment on services.cull.enabled.
func enabledComment(src []byte) string {
	doc, err := parse("", src)
	if err != nil {
		return "\x00unreadable"
	}
	m, err := cullMap("", doc)
	if err != nil || m == nil {
		return ""
	}
	if _, v := lookup(m, "enabled"); v != nil {
		return v.LineComment
	}
	return ""
}

// splitLines cuts src after each "\n"; nil for a file with "\r" (CRLF),
// which the re-encoded tree handles.
func splitLines(src []byte) []string {
	if bytes.ContainsRune(src, '\r') || len(src) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(src), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if !strings.HasSuffix(lines[len(lines)-1], "\n") {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

// plainOneLine reports whether v is a plain scalar alone at the end of
// its line.
func plainOneLine(lines []string, v *yaml.Node) bool {
	if v.Kind != yaml.ScalarNode || v.Style != 0 || v.LineComment != "" || v.Line < 1 || v.Line > len(lines) {
		return false
	}
	line := lines[v.Line-1]
	return v.Column >= 1 && v.Column-1 <= len(line) && strings.TrimSpace(line[v.Column-1:]) == v.Value
}

// spliceDisable is src with enabled: false written as one line, or nil
// where that is not a one-line change.
func spliceDisable(src []byte, was string) []byte {
	lines := splitLines(src)
	doc, err := parse("", src)
	if lines == nil || err != nil || doc == nil || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return nil
	}
	entry := "enabled: false " + marker + was + "\n"
	root := doc.Content[0]
	if _, svc := lookup(root, "services"); svc == nil {
		return []byte(strings.Join(lines, "") + "services:\n  cull:\n    " + entry)
	}
	m, err := cullMap("", doc)
	if err != nil || m == nil || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return nil
	}
	if _, v := lookup(m, "enabled"); v != nil {
		if !plainOneLine(lines, v) {
			return nil
		}
		lines[v.Line-1] = lines[v.Line-1][:v.Column-1] + strings.TrimPrefix(entry, "enabled: ")
		return []byte(strings.Join(lines, ""))
	}
	// A new first key, above the first key and its comment.
	k0 := m.Content[0]
	if k0.HeadComment != "" || k0.Line < 1 || k0.Line > len(lines) {
		return nil
	}
	at := k0.Line - 1
	out := append(append(append([]string{}, lines[:at]...), strings.Repeat(" ", k0.Column-1)+entry), lines[at:]...)
	return []byte(strings.Join(out, ""))
}

// spliceRestore is src with hubctl's enabled line put back as it was, or
// nil where that is not a one-line change.
func spliceRestore(src []byte, was string) []byte {
	lines := splitLines(src)
	doc, err := parse("", src)
	if lines == nil || err != nil || doc == nil {
		return nil
	}
	m, err := cullMap("", doc)
	if err != nil || m == nil || m.Style&yaml.FlowStyle != 0 {
		return nil
	}
	_, v := lookup(m, "enabled")
	if v == nil || v.Kind != yaml.ScalarNode || v.Style != 0 || v.Line < 1 || v.Line > len(lines) {
		return nil
	}
	i := v.Line - 1
	if strings.TrimSpace(lines[i][min(v.Column-1, len(lines[i])):]) != v.Value+" "+v.LineComment {
		return nil
	}
	if was == "true" {
		lines[i] = lines[i][:v.Column-1] + "true\n"
		return []byte(strings.Join(lines, ""))
	}
	drop := map[int]bool{i: true}
	if len(m.Content) == 2 {
		// The cull mapping would be left empty: its key line goes too,
		// and the services line when cull was all it held, as hubctl
		// wrote them.
		sk, svc := lookup(doc.Content[0], "services")
		ck, _ := lookup(svc, "cull")
		keyLine := func(k *yaml.Node, text string) bool {
			return k.HeadComment == "" && k.LineComment == "" && k.Line >= 1 && k.Line <= len(lines) && strings.TrimSpace(lines[k.Line-1]) == text
		}
		if !keyLine(ck, "cull:") {
			return nil
		}
		drop[ck.Line-1] = true
		if len(svc.Content) == 2 {
			if !keyLine(sk, "services:") {
				return nil
			}
			drop[sk.Line-1] = true
		}
	}
	var out []string
	for j, l := range lines {
		if !drop[j] {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, ""))
}

func removeKey(m, k *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func encode(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // TLJH's ruamel.yaml writes two-space indents
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MaxSize bounds the config.yaml hubctl reads; TLJH's are a few KiB.
const MaxSize = 1 << 20

// ReadFile reads config.yaml: nil and no error when it does not exist, an
// error when it is larger than MaxSize or not a regular file (a named pipe
// is refused, not waited on).
func ReadFile(path string) ([]byte, error) {
	src, err := yamlfile.Read(path, MaxSize, "a TLJH config.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if src == nil {
		src = []byte{}
	}
	return src, nil
}

// Result is what EditConfigYAML did.
type Result struct {
	Old, New []byte
	Created  bool
	Changed  bool
	Backup   string   // where the previous version was kept
	Removed  []string // temp files an interrupted run left, removed
}

// EditConfigYAML edits config.yaml at path under tljh-config's own lock
// (path + ".lock"): it reads the file, lets edit change it and, unless
// dryRun or nothing changed, keeps the old file in atomicfile.BackupPath
// (0600) and
// writes the new one atomically (temp file, fsync, rename) with the old
// one's mode and owner; a file hubctl creates is 0600, since config.yaml
// can hold secrets (auth client secrets). A symlink is refused.
func EditConfigYAML(ctx context.Context, path string, dryRun bool, edit func(src []byte) ([]byte, bool, error)) (*Result, error) {
	dir := filepath.Dir(path)
	st, err := os.Lstat(path)
	var owner *atomicfile.Owner
	var owners []int
	mode := fs.FileMode(0o600)
	switch {
	case err == nil && !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (a symlink?); hubctl edits only the file itself", path)
	case err == nil:
		o := atomicfile.FileOwner(st)
		owners = append(owners, o.UID)
		if os.Getuid() == 0 || o.UID == os.Getuid() {
			owner = &o
		}
		mode = st.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if err := atomicfile.CheckDir(dir, owners...); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !dryRun {
		unlock, err := atomicfile.Lock(ctx, path+hub.TLJHLockSuffix, atomicfile.LockOptions{Owner: owner})
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
		defer unlock()
	}
	res := &Result{}
	if !dryRun {
		// Under the lock no temp file of config.yaml is being written: any
		// left is from a run that was killed, and may hold client secrets.
		// As provision.Apply: the file's owner's when hubctl writes as them.
		var uids []int
		if owner != nil {
			uids = append(uids, owner.UID)
		}
		base := filepath.Base(path)
		for _, b := range []string{base, atomicfile.BackupPath(base)} {
			removed, err := atomicfile.RemoveStale(dir, b, uids...)
			if err != nil {
				return nil, err
			}
			res.Removed = append(res.Removed, removed...)
		}
	}
	src, err := ReadFile(path)
	res.Created = src == nil
	if err != nil {
		return nil, err
	}
	out, changed, err := edit(src)
	if err != nil {
		return nil, err
	}
	res.Old, res.New, res.Changed = src, out, changed
	if dryRun || !changed {
		return res, nil
	}
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("%w; nothing was changed", err)
	}
	if !res.Created {
		res.Backup = atomicfile.BackupPath(path)
		if err := atomicfile.WriteFile(res.Backup, src, atomicfile.Options{Mode: 0o600 & mode, Owner: owner}); err != nil {
			return nil, fmt.Errorf("keeping a backup: %w", err)
		}
	}
	if err := atomicfile.WriteFile(path, out, atomicfile.Options{Mode: mode, Owner: owner}); err != nil {
		return nil, err
	}
	return res, nil
}
