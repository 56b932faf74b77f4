package helm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/yamlfile"
	"github.com/hubctl/hubctl/provision"
)

// CullArgs are the flags the chart would pass its culler for the user's
// cull.* values (the chart's defaults where a key is absent), in the
// spelling `hubctl cull` shares with jupyterhub-idle-culler, and whether
// they cull users. Values the chart's schema refuses, and numbers hubctl cull
// refuses, are errors at FILE:LINE.
func (uv *UserValues) CullArgs() (args []string, cullUsers bool, err error) {
	for _, k := range cullKnobs {
		v := uv.root.at("cull", k.Key)
		var val any = k.Default
		if v != nil {
			if val, err = knobValue(k, v); err != nil {
				return nil, false, err
			}
		}
		switch {
		case k.Key == "adminUsers":
			if val != true {
				args = append(args, "--cull-admin-users=false")
			}
		case k.Bool:
			if val == true {
				args = append(args, "--"+k.Flag)
				cullUsers = cullUsers || k.Key == "users"
			}
		default:
			if n, ok := val.(int); ok && n != 0 {
				args = append(args, "--"+k.Flag+"="+strconv.Itoa(n))
			}
		}
	}
	return args, cullUsers, nil
}

// knobValue is a cull.* value as the chart reads it: bool, int, or nil for
// a null. Booleans are read as Helm's YAML 1.1 reader reads them, so
// `users: yes` is true, as it is to the chart.
func knobValue(k cullKnob, v *value) (any, error) {
	if v.isNull() {
		return nil, nil
	}
	n := v.node
	bad := func(want string) error {
		return fmt.Errorf("%s: cull.%s is %q; the chart's schema wants %s or null", v.where(), k.Key, n.Value, want)
	}
	if n.Kind != yaml.ScalarNode {
		if k.Bool {
			return nil, bad("true, false")
		}
		return nil, bad("an integer")
	}
	if k.Bool {
		// As Helm reads it (helmBool): yes, on, True... are booleans
		// to its YAML 1.1 reader, so the chart's schema takes them and its
		// culler gets them; hubctl takes them too. A quoted "true" is a
		// string, which the schema refuses.
		if b, ok := helmBool(n); ok {
			return b, nil
		}
		return nil, bad("true, false")
	}
	if n.Tag != "!!int" {
		return nil, bad("an integer")
	}
	var i int
	if err := n.Decode(&i); err != nil {
		return nil, bad("an integer")
	}
	switch {
	case i < 0:
		return nil, fmt.Errorf("%s: cull.%s is %d; the culler takes 0 (off, or its default) or more", v.where(), k.Key, i)
	case k.Key == "concurrency" && i > cull.MaxConcurrency:
		return nil, fmt.Errorf("%s: cull.concurrency is %d; hubctl cull allows 1 to %d requests at once", v.where(), i, cull.MaxConcurrency)
	}
	return i, nil
}

// cullPolicyFlags are the flags CullArgs writes, with the snake_case
// spellings hubctl cull also takes: FromValues drops them from hubctl's
// command before adding the chart's.
// The value says whether the flag is a boolean one.
var cullPolicyFlags = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range cullKnobs {
		m[k.Flag] = k.Bool
		m[strings.ReplaceAll(k.Flag, "-", "_")] = k.Bool
	}
	return m
}()

// FromValues carries the user's values into hubctl's services and roles:
// every service that runs `hubctl cull` gets the culler flags the chart
// would have given its own culler (CullArgs) in place of its own, and with
// cull.users its role gets the scopes that takes. The user's hub.services
// and hub.loadRoles are kept for Render to write beside hubctl's.
func FromValues(m provision.Managed, uv *UserValues) (provision.Managed, error) {
	for _, key := range []string{"services", "loadRoles"} {
		if v := uv.root.at("hub", key); v != nil && !v.isMap() && !v.isNull() {
			return m, fmt.Errorf("%s: hub.%s is %s; the chart takes a map keyed by name", v.where(), key, yamlfile.KindName(v.node))
		}
	}
	args, cullUsers, err := uv.CullArgs()
	if err != nil {
		return m, err
	}
	// The scopes only deleting users takes: added with cull.users, and
	// taken from a role of a culler alone that had them for hubctl's own
	// --cull-users, which the chart's values turn off.
	var usersOnly []string
	without := hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{})
	for _, sc := range hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true}) {
		if !slices.Contains(without, sc) {
			usersOnly = append(usersOnly, sc)
		}
	}
	out := provision.Managed{Services: slices.Clone(m.Services), Roles: slices.Clone(m.Roles)}
	for i := range out.Services {
		s := &out.Services[i]
		if !s.RunsHubctlCull() {
			continue
		}
		cmd := slices.Clone(s.Command[:2])
		rest := s.Command[2:]
		for j := 0; j < len(rest); j++ {
			w := rest[j]
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if isBool, known := cullPolicyFlags[name]; strings.HasPrefix(w, "-") && known {
				// --timeout 60: the value is the next word (bool flags take
				// theirs only after =).
				if !hasValue && !isBool && j+1 < len(rest) {
					j++
				}
				continue
			}
			cmd = append(cmd, w)
		}
		before, _ := s.CullerFlags()
		s.Command = append(cmd, args...)
		for r := range out.Roles {
			role := &out.Roles[r]
			if !slices.Contains(role.Services, s.Name) || role.Name == provision.AdminRole {
				continue
			}
			switch {
			case cullUsers:
				role.Scopes = slices.Clone(role.Scopes)
				for _, sc := range usersOnly {
					if !slices.Contains(role.Scopes, sc) {
						role.Scopes = append(role.Scopes, sc)
					}
				}
			case before.CullUsers && len(role.Services) == 1 && len(role.Users) == 0 && len(role.Groups) == 0:
				role.Scopes = slices.DeleteFunc(slices.Clone(role.Scopes), func(sc string) bool { return slices.Contains(usersOnly, sc) })
			}
		}
	}
	return out, nil
}

// userEntries are the user's hub.services or hub.loadRoles entries, by
// name, in the file's order.
func (uv *UserValues) userEntries(key string) ([]string, *value) {
	v := uv.root.at("hub", key)
	if !v.isMap() {
		return nil, nil
	}
	return v.keys, v
}

// LiteralTokens counts the user's services with an apiToken (or
// api_token), which Render writes out as they are.
func (uv *UserValues) LiteralTokens() int {
	names, services := uv.userEntries("services")
	n := 0
	for _, name := range names {
		if hasToken(services.kids[name]) {
			n++
		}
	}
	return n
}

func hasToken(s *value) bool {
	for _, k := range []string{"apiToken", "api_token"} {
		if t := s.at(k); t != nil && t.node.Kind == yaml.ScalarNode && t.node.Value != "" && !t.isNull() {
			return true
		}
	}
	return false
}

// copyNode is a deep copy of n with aliases replaced by what they point
// at, and no anchors, so that it can go into another document. It takes
// from budget the nodes it makes.
func copyNode(n *yaml.Node, budget *int) (*yaml.Node, error) {
	n = deref(n)
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("line %d: more than %d values with aliases expanded", n.Line, maxValueNodes)
	}
	c := *n
	c.Anchor, c.Alias = "", nil
	c.Content = nil
	for _, k := range n.Content {
		kc, err := copyNode(k, budget)
		if err != nil {
			return nil, err
		}
		c.Content = append(c.Content, kc)
	}
	return &c, nil
}
