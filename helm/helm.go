// Package helm writes hubctl's services and roles as values for the
// Zero-to-JupyterHub Helm chart (`hubctl config render --format helm`). It is
// a target writer: it turns provision's Managed block into the settings of
// one way of deploying JupyterHub. provision does not import it.
package helm

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/provision"
)

// The Zero-to-JupyterHub chart (jupyterhub/zero-to-jupyterhub-k8s) takes
// services and roles as maps keyed by name, hub.services and hub.loadRoles.
// Its jupyterhub_config.py passes each entry to c.JupyterHub.services or
// c.JupyterHub.load_roles as it is, with "name" set from the key. The values
// schema allows any key in a service or role (additionalProperties: true).
// So a service keeps JupyterHub's own key names, with two exceptions. The
// token goes in apiToken, the chart's key for it. The chart writes that
// value, or a token it generates, into the hub Secret under
// hub.services.<name>.apiToken.

// reservedServiceNames are the keys the chart's schema lists under
// hub.services.properties. Those properties sit on the services map rather
// than on each service, so Helm checks hub.services.<one of these> against
// a field's type (string, boolean, ...). That check rejects a service
// called by one of these names.
var reservedServiceNames = []string{"admin", "apiToken", "api_token", "command", "name", "url"}

// secretKeyRE matches the keys a Kubernetes Secret allows. The chart
// keeps every service's token under hub.services.<name>.apiToken.
var secretKeyRE = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

const secretKeyMax = 253

// yaml11RE matches the plain scalars a YAML 1.1 reader does not read as a
// string: ints (including 0b, 0x, octal 0... and base 60), floats, base-60
// floats, timestamps, the merge key and the value key. Helm reads values
// with a YAML 1.1 parser (go-yaml v2). yaml.v3 follows YAML 1.2 and quotes
// only some of these, so Values quotes them all.
var yaml11RE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:` +
		`[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+` + // int
		`|[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` + // float
		`|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)` +
		`|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?` + // timestamp
		`|<<|=` +
		`)$`)
})

// yaml11Words are YAML 1.1's booleans (yaml11Bools) and nulls.
var yaml11Words = map[string]bool{"~": true, "null": true, "Null": true, "NULL": true}

func init() {
	for w := range yaml11Bools {
		yaml11Words[w] = true
	}
}

// yaml11Special reports whether a YAML 1.1 reader would take s, written
// plain, for something other than the string s.
func yaml11Special(s string) bool { return s == "" || yaml11Words[s] || yaml11RE().MatchString(s) }

// Values renders m as Zero-to-JupyterHub chart values in YAML:
//
//	cull:
//	  enabled: false   # only when a service runs `hubctl cull`
//	hub:
//	  loadRoles:
//	    <role name>: {description, groups, scopes, services, users}
//	  services:
//	    <service name>: {admin, apiToken, command, cwd, display, environment, info,
//	                     oauth_client_allowed_scopes, oauth_client_id, oauth_no_confirm,
//	                     oauth_redirect_uri, oauth_roles, timeout, url, user}
//
// The keys of every map are sorted, as `helm get values` prints them.
// Fields at their zero value are left out, as in hubctl's block.
// A TokenLiteral token becomes apiToken. A TokenEnv token is left out, with
// a comment: the chart generates a token and keeps it in its Secret. With
// TokenNone nothing is written, and the chart generates the token.
// environment, user and cwd are written, since the schema allows any key in
// a service. A comment on user says that the hub container must be able to
// switch to that user.
// When a service runs `hubctl cull`, cull.enabled is false, so that the
// chart's jupyterhub-idle-culler does not also run.
//
// Strings a YAML 1.1 reader would not read back as the same string, such
// as yes, no, on, 0x10, 1:20, ~ and 2024-01-02, are double-quoted. Helm
// reads values that way.
//
// Values returns an error for what the chart would reject or change:
//   - a service name that Helm's schema check rejects (admin, apiToken,
//     api_token, command, name, url);
//   - a service name that cannot be a Secret key;
//   - duplicate names;
//   - a TokenUnknown token;
//   - a timeout that is not finite;
//   - a string that is not valid UTF-8.
//
// Before returning, Values reads its output back and compares it with
// what it meant to write.
func Values(m provision.Managed) ([]byte, error) { return Render(m, nil, Options{}) }

// Options are the choices of `config render --format helm` beyond the
// services and roles. Render does not check them (see Render).
type Options struct {
	// ExistingSecret names a Kubernetes Secret the user manages
	// (hub.existingSecret). The chart mounts it in the hub pod beside its
	// own Secret, and its jupyterhub_config.py reads each service's token
	// from the key hub.services.<name>.apiToken there first. So no
	// apiToken is written: the values hold no token of hubctl's services.
	ExistingSecret string
	// Image is hubctl's own image (REPO:TAG, see CheckImage): the values
	// get an init container that copies hubctl from it into an
	// emptyDir the hub container mounts (ImageMountDir), beside the user's
	// own entries of those lists.
	// The services' commands must run hubctl from ImageHubctlPodPath
	// (ForPod).
	Image string
}

// secretNameRE is a Kubernetes object name (a DNS subdomain, 253
// characters at most), which a Secret's name must be.
var secretNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// CheckSecretName refuses what cannot be a Kubernetes Secret's name.
func CheckSecretName(name string) error {
	if len(name) > secretKeyMax || !secretNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a Kubernetes Secret name (lower-case letters, digits, '-' and '.', %d characters at most)", name, secretKeyMax)
	}
	return nil
}

// Render is Values with opts. With uv, the values of a deployment that
// already has some, the cull.* settings go into hubctl's culler
// (FromValues), and the user's own hub.services and hub.loadRoles are
// written beside hubctl's, as they are (comments included). A name in both
// is an error at the user's FILE:LINE.
//
// Render takes opts as given: callers check ExistingSecret with
// CheckSecretName and Image with CheckImage first, as `config render` does
// before it reads anything (the keyring included), so that a mistyped flag
// is a usage error.
func Render(m provision.Managed, uv *UserValues, opts Options) ([]byte, error) {
	if uv != nil {
		var err error
		if m, err = FromValues(m, uv); err != nil {
			return nil, err
		}
	}
	return render(m, uv, opts)
}

func render(m provision.Managed, uv *UserValues, opts Options) ([]byte, error) {
	b := &builder{existingSecret: opts.ExistingSecret}
	root := &sortedMap{}
	hub := &sortedMap{}

	services := &sortedMap{}
	var cullers []*provision.Service
	seen := map[string]bool{}
	for i := range m.Services {
		s := &m.Services[i]
		if err := checkServiceName(s.Name); err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("service %q: defined twice; hub.services is a map, so one would replace the other", s.Name)
		}
		seen[s.Name] = true
		node, comment, err := b.service(s)
		if err != nil {
			return nil, err
		}
		services.addCommented(b.key(s.Name), comment, node)
		if s.RunsHubctlCull() {
			cullers = append(cullers, s)
		}
	}
	if err := addUserEntries(services, uv, "services", "service", seen); err != nil {
		return nil, err
	}
	if len(services.entries) > 0 {
		hub.add("services", services.node())
	}
	if opts.ExistingSecret != "" {
		var keys []string
		for _, s := range m.Services {
			keys = append(keys, "hub.services."+s.Name+".apiToken")
		}
		sort.Strings(keys)
		comment := "# The hub reads each service's token from this Secret, which you manage, before the chart's own."
		if len(keys) > 0 {
			comment += "\n# Put the keys " + strings.Join(keys, ", ") + " in it;\n# for a key it lacks, the hub takes the token the chart generates."
		}
		hub.addCommented(b.key("existingSecret"), comment, b.str("existingSecret", opts.ExistingSecret))
	}

	if opts.Image != "" {
		if err := b.addImage(hub, uv, opts.Image); err != nil {
			return nil, err
		}
	}

	roles := &sortedMap{}
	seen = map[string]bool{}
	for i := range m.Roles {
		r := &m.Roles[i]
		if r.Name == "" {
			return nil, fmt.Errorf("a role without a name")
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("role %q: defined twice; hub.loadRoles is a map, so one would replace the other", r.Name)
		}
		seen[r.Name] = true
		roles.add2(b.key(r.Name), b.role(r))
	}
	if err := addUserEntries(roles, uv, "loadRoles", "role", seen); err != nil {
		return nil, err
	}
	if len(roles.entries) > 0 {
		hub.add("loadRoles", roles.node())
	}
	if b.err != nil {
		return nil, b.err
	}

	root.add("hub", hub.node())
	if len(cullers) > 0 {
		cull := &sortedMap{}
		cull.add("enabled", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"})
		var names, where []string
		for _, s := range cullers {
			names = append(names, "hub.services."+s.Name)
			switch {
			case !strings.Contains(s.Command[0], "/"):
				where = append(where, "on its PATH")
			case strings.IndexFunc(s.Command[0], unicode.IsControl) < 0:
				where = append(where, "at "+s.Command[0])
			default:
				where = append(where, "at the path in its command")
			}
		}
		sort.Strings(names)
		sort.Strings(where)
		where = slices.Compact(where)
		verb := "runs"
		if len(names) > 1 {
			verb = "run"
		}
		need := "the hub image must have hubctl"
		if opts.Image != "" {
			need = "hub.initContainers puts hubctl"
		}
		comment := fmt.Sprintf("# The chart's own culler (jupyterhub-idle-culler) is off: %s\n"+
			"# %s `hubctl cull` instead, so %s %s.",
			strings.Join(names, " and "), verb, need, strings.Join(where, " and "))
		if uv != nil {
			comment += fmt.Sprintf("\n# The culler's flags are what chart %s gives its own for the cull.* values of\n# %s (its defaults where unset).", ChartVersion, strings.Join(uv.Files, ", "))
		}
		root.addCommented(b.key("cull"), comment, cull.node())
	}

	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root.node()},
		HeadComment: "# hubctl's services and roles as Zero-to-JupyterHub chart values (helm upgrade ... -f FILE)"}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("helm values: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("helm values: %w", err)
	}
	var back yaml.Node
	if err := yaml.Unmarshal(buf.Bytes(), &back); err != nil {
		return nil, fmt.Errorf("helm values: the output does not read back: %w", err)
	}
	if err := sameYAML(doc, &back, ""); err != nil {
		return nil, fmt.Errorf("helm values: the output does not read back as written: %w", err)
	}
	return buf.Bytes(), nil
}

// addUserEntries adds the user's hub.<key> entries to d, refusing a name
// hubctl also writes (in hubctl's).
func addUserEntries(d *sortedMap, uv *UserValues, key, what string, hubctls map[string]bool) error {
	if uv == nil {
		return nil
	}
	names, entries := uv.userEntries(key)
	budget := maxValueNodes
	for _, name := range names {
		e := entries.kids[name]
		if hubctls[name] {
			return fmt.Errorf("%s: hub.%s.%s is also one of hubctl's %ss; rename one (Helm would merge the two into one %s)", e.where(), key, name, what, what)
		}
		k, err := copyNode(e.key, &budget)
		if err != nil {
			return fmt.Errorf("%s: %w", e.file, err)
		}
		v, err := copyNode(e.node, &budget)
		if err != nil {
			return fmt.Errorf("%s: %w", e.file, err)
		}
		d.add2(k, v)
	}
	return nil
}

// sameYAML compares the tree Values built with the one read back.
func sameYAML(want, got *yaml.Node, at string) error {
	if want.Kind != got.Kind || len(want.Content) != len(got.Content) {
		return fmt.Errorf("%s: the structure changed", at)
	}
	if want.Kind == yaml.ScalarNode && (want.Value != got.Value || want.Tag != got.Tag) {
		return fmt.Errorf("%s: %s %q reads back as %s %q", at, want.Tag, want.Value, got.Tag, got.Value)
	}
	for i := range want.Content {
		sub := at
		if want.Kind == yaml.MappingNode && i%2 == 1 {
			sub = at + "." + want.Content[i-1].Value
		}
		if err := sameYAML(want.Content[i], got.Content[i], sub); err != nil {
			return err
		}
	}
	return nil
}

func checkServiceName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a service without a name")
	case slices.Contains(reservedServiceNames, name):
		return fmt.Errorf("service %q: the chart's values schema reads hub.services.%s as a field of hub.services, not as a service, so Helm would refuse the values; rename the service", name, name)
	case !secretKeyRE.MatchString(name) || len("hub.services."+name+".apiToken") > secretKeyMax:
		return fmt.Errorf("service %q: the chart keeps each service's token in a Kubernetes Secret under hub.services.<name>.apiToken, and Secret keys allow only letters, digits, '-', '_' and '.' (%d characters in all); rename the service", name, secretKeyMax)
	}
	return nil
}

// envVarRE is a name safe to print in a comment.
var envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// service builds one hub.services entry, and the comment that goes above
// its key.
func (b *builder) service(s *provision.Service) (*yaml.Node, string, error) {
	var comment string
	at := func(field string) string { return "service " + strconv.Quote(s.Name) + ": " + field }
	d := &sortedMap{}
	if s.Admin {
		d.add("admin", boolScalar(true))
	}
	switch {
	case b.existingSecret != "" && s.Token != provision.TokenUnknown:
		// No apiToken: the token is in the user's Secret (Options.ExistingSecret).
	case s.Token == provision.TokenLiteral:
		d.add("apiToken", b.str(at("api_token"), s.APIToken))
	case s.Token == provision.TokenEnv:
		from := "an environment variable"
		if envVarRE.MatchString(s.TokenEnvVar) {
			from = "$" + s.TokenEnvVar
		}
		comment = fmt.Sprintf("# No apiToken: hubctl's config reads it from %s, which the chart does not set.\n"+
			"# The chart generates a token and keeps it in the hub Secret under hub.services.%s.apiToken.", from, s.Name)
	case s.Token == provision.TokenUnknown:
		return nil, "", fmt.Errorf("%s: an expression hubctl cannot evaluate", at("api_token"))
	}
	if len(s.Command) > 0 {
		d.add("command", b.strList(at("command"), s.Command))
	}
	if s.Cwd != "" {
		d.add("cwd", b.str(at("cwd"), s.Cwd))
	}
	if s.Display != nil {
		d.add("display", boolScalar(*s.Display))
	}
	if len(s.Environment) > 0 {
		d.add("environment", b.strMap(at("environment"), s.Environment))
	}
	if len(s.Info) > 0 {
		d.add("info", b.strMap(at("info"), s.Info))
	}
	if len(s.OAuthClientAllowedScopes) > 0 {
		d.add("oauth_client_allowed_scopes", b.strList(at("oauth_client_allowed_scopes"), s.OAuthClientAllowedScopes))
	}
	if s.OAuthClientID != "" {
		d.add("oauth_client_id", b.str(at("oauth_client_id"), s.OAuthClientID))
	}
	if s.OAuthNoConfirm {
		d.add("oauth_no_confirm", boolScalar(true))
	}
	if s.OAuthRedirectURI != "" {
		d.add("oauth_redirect_uri", b.str(at("oauth_redirect_uri"), s.OAuthRedirectURI))
	}
	if len(s.OAuthRoles) > 0 {
		d.add("oauth_roles", b.strList(at("oauth_roles"), s.OAuthRoles))
	}
	if s.Timeout != nil {
		n, err := numberScalar(*s.Timeout)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", at("timeout"), err)
		}
		d.add("timeout", n)
	}
	if s.URL != "" {
		d.add("url", b.str(at("url"), s.URL))
	}
	if s.User != "" {
		d.addCommented(b.key("user"),
			"# JupyterHub starts the service as this user: the hub image must have the user, and the\n"+
				"# hub must be allowed to switch to it (by default the chart runs the hub as uid 1000, not root).",
			b.str(at("user"), s.User))
	}
	if b.err != nil {
		return nil, "", b.err
	}
	return d.node(), comment, nil
}

func (b *builder) role(r *provision.Role) *yaml.Node {
	at := func(field string) string { return "role " + strconv.Quote(r.Name) + ": " + field }
	d := &sortedMap{}
	if r.Description != "" {
		d.add("description", b.str(at("description"), r.Description))
	}
	if len(r.Groups) > 0 {
		d.add("groups", b.strList(at("groups"), r.Groups))
	}
	if r.Name != provision.AdminRole { // the admin role keeps its own scopes, as in hubctl's block
		d.add("scopes", b.strList(at("scopes"), r.Scopes))
	}
	if len(r.Services) > 0 {
		d.add("services", b.strList(at("services"), r.Services))
	}
	if len(r.Users) > 0 {
		d.add("users", b.strList(at("users"), r.Users))
	}
	return d.node()
}

// builder makes scalar nodes and keeps the first error.
type builder struct {
	err            error
	existingSecret string // Options.ExistingSecret
}

// str is a string scalar that every YAML reader reads back as s.
func (b *builder) str(field, s string) *yaml.Node {
	if !utf8.ValidString(s) {
		if b.err == nil {
			b.err = fmt.Errorf("%s: not valid UTF-8", field)
		}
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	// yaml.v3 quotes what YAML 1.2 would misread; YAML 1.1 misreads more.
	// Line breaks other than \n do not survive a block scalar, and yaml.v3
	// writes some block scalars it cannot read back ("\n" becomes "").
	if yaml11Special(s) || strings.ContainsAny(s, "\r\u0085\u2028\u2029") ||
		strings.Contains(s, "\n") && (strings.HasPrefix(s, "\n") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t") || strings.HasSuffix(s, "\n\n")) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// key is a string scalar for a mapping key: one line always.
func (b *builder) key(s string) *yaml.Node {
	n := b.str("key "+strconv.Quote(s), s)
	if strings.Contains(s, "\n") {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func (b *builder) strList(field string, list []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range list {
		n.Content = append(n.Content, b.str(field, s))
	}
	return n
}

func (b *builder) strMap(field string, m map[string]string) *yaml.Node {
	d := &sortedMap{}
	for k, v := range m {
		d.add2(b.key(k), b.str(field+"["+strconv.Quote(k)+"]", v))
	}
	return d.node()
}

func boolScalar(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

// numberScalar writes a whole number as an int, anything else as a float that
// both YAML 1.1 and 1.2 read as one.
func numberScalar(f float64) (*yaml.Node, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%v is not a finite number", f)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatFloat(f, 'f', -1, 64)}, nil
	}
	v := strconv.FormatFloat(f, 'g', -1, 64)
	if mant, exp, ok := strings.Cut(v, "e"); ok && !strings.Contains(mant, ".") {
		v = mant + ".0e" + exp // YAML 1.1 floats have a dot
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: v}, nil
}

// sortedMap is a mapping whose keys are sorted when it becomes a node.
type sortedMap struct{ entries [][2]*yaml.Node }

func (m *sortedMap) add(key string, val *yaml.Node) {
	m.add2(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}

func (m *sortedMap) add2(key, val *yaml.Node) { m.entries = append(m.entries, [2]*yaml.Node{key, val}) }

func (m *sortedMap) addCommented(key *yaml.Node, comment string, val *yaml.Node) {
	key.HeadComment = comment
	m.add2(key, val)
}

func (m *sortedMap) node() *yaml.Node {
	sort.SliceStable(m.entries, func(i, j int) bool { return m.entries[i][0].Value < m.entries[j][0].Value })
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, e := range m.entries {
		n.Content = append(n.Content, e[0], e[1])
	}
	return n
}
