package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/internal/textdiff"
	"github.com/hubctl/hubctl/internal/z2jhschema"
	"github.com/hubctl/hubctl/tokens"
)

// The golden Zero-to-JupyterHub cases, testdata/z2jh/golden/<case>/:
//
//	args         hubctl's arguments, on one line; $DIR is the case's directory
//	             (the blocks the cases render, literal-tokens.py and env-token.py, are in $DIR/..)
//	keyring      optional: "NAME TOKEN" lines, the keyring the run sees
//	helm-f       optional: the values files given to helm, in -f order (default: values.yaml)
//	values.yaml  what hubctl printed (golden)
//	stderr       what hubctl said on stderr (golden)
//	chart.yaml   what the chart rendered from the helm-f files: the hub Secret and Deployment
//	lint.txt     what `helm lint` said about the same files
//
// chart.yaml and lint.txt come from the real chart, which the repository
// does not hold, so CI cannot render them: scripts/z2jh-golden.sh records
// them (these flags), and chart.yaml records the SHA-256 of each values file
// it was rendered from, so a change in hubctl's output fails here until the
// chart data is recorded again.
var (
	z2jhUpdate = flag.Bool("z2jh-update", false, "rewrite the golden cases' values.yaml and stderr from hubctl's output")
	z2jhHelm   = flag.String("z2jh-helm", "", "the `helm` binary that records chart.yaml and lint.txt (with -z2jh-chart)")
	z2jhChart  = flag.String("z2jh-chart", "", "the Zero-to-JupyterHub chart `DIR` (tag 4.4.0) to record against")
)

const (
	goldenDir   = "../../testdata/z2jh/golden"
	chartTag    = "4.4.0"
	kubeVersion = "1.33.0"
	releaseName = "hub"
	namespace   = "jupyterhub"
	// masked stands for what the chart generates anew on every render
	// (tokens and cookie secrets where none is given, and the Secret's
	// checksum), so that the recording is the same on every run.
	masked = "MASKED"
)

// TestZ2JHGolden renders each golden case as a user would and holds the
// output to the golden values, to the chart's schema, and to what the real
// chart rendered from those values: hubctl's services, roles and cull
// settings in the hub Secret, their tokens under the keys the hub reads,
// and hubctl's init containers, volumes and mounts in the hub Deployment.
func TestZ2JHGolden(t *testing.T) {
	t.Parallel()
	schema, err := z2jhschema.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*", "args"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases in %s (%v)", goldenDir, err)
	}
	for _, argsFile := range cases {
		dir := filepath.Dir(argsFile)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			res := runGoldenCase(t, abs)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			// The case's directory, in a comment or a message, is $DIR,
			// as in args.
			stdout := strings.ReplaceAll(res.stdout, abs, "$DIR")
			stderr := strings.ReplaceAll(res.stderr, abs, "$DIR")
			checkGoldenFile(t, filepath.Join(dir, "values.yaml"), stdout)
			checkGoldenFile(t, filepath.Join(dir, "stderr"), stderr)

			var values map[string]any
			if err := yaml.Unmarshal([]byte(stdout), &values); err != nil {
				t.Fatal(err)
			}
			for _, e := range z2jhschema.CheckValues(schema, values) {
				t.Errorf("schema: %s", e)
			}

			files := helmFiles(t, dir)
			if *z2jhHelm != "" {
				recordChart(t, abs, files)
			}
			checkChart(t, dir, files, values)
		})
	}
}

func runGoldenCase(t *testing.T, dir string) result {
	t.Helper()
	line, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(strings.ReplaceAll(string(line), "$DIR", dir))
	store := tokens.NewMemory()
	if kr, err := os.ReadFile(filepath.Join(dir, "keyring")); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(kr)), "\n") {
			name, token, ok := strings.Cut(l, " ")
			if !ok {
				t.Fatalf("keyring: %q is not NAME TOKEN", l)
			}
			if err := store.Set(name, token); err != nil {
				t.Fatal(err)
			}
		}
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return runCLI(t, store, "", args...)
}

// checkGoldenFile compares got with the file, or rewrites the file with
// -z2jh-update.
func checkGoldenFile(t *testing.T, path, got string) {
	t.Helper()
	if *z2jhUpdate {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it with scripts/z2jh-golden.sh)", err)
	}
	if got != string(want) {
		t.Errorf("hubctl's output differs from %s (if the change is meant, run scripts/z2jh-golden.sh):\n%s", path, textdiff.Unified(path, "hubctl", want, []byte(got)))
	}
}

func helmFiles(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "helm-f"))
	if os.IsNotExist(err) {
		return []string{"values.yaml"}
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// recordChart runs helm template and helm lint on the case's files and
// writes chart.yaml and lint.txt.
func recordChart(t *testing.T, dir string, files []string) {
	t.Helper()
	if *z2jhChart == "" {
		t.Fatal("-z2jh-helm needs -z2jh-chart")
	}
	var fArgs []string
	for _, f := range files {
		fArgs = append(fArgs, "-f", f)
	}
	helm := func(args ...string) []byte {
		cmd := exec.Command(*z2jhHelm, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return append(out, stderr.Bytes()...)
	}
	templateArgs := append([]string{"template", releaseName, *z2jhChart, "--kube-version", kubeVersion, "--namespace", namespace}, fArgs...)
	first := maskChart(t, helm(templateArgs...))
	if again := maskChart(t, helm(templateArgs...)); !bytes.Equal(first, again) {
		t.Fatal("two helm template runs differ after masking: the chart generates something hubctl's values leave open")
	}
	var head strings.Builder
	fmt.Fprintf(&head, "# What chart jupyterhub/zero-to-jupyterhub-k8s tag %s rendered from this case's values:\n", chartTag)
	fmt.Fprintf(&head, "# the hub Secret and the hub Deployment of\n#   helm template %s CHART --kube-version %s --namespace %s %s\n",
		releaseName, kubeVersion, namespace, strings.Join(fArgs, " "))
	fmt.Fprintf(&head, "# with helm %s. Recorded by scripts/z2jh-golden.sh; what the chart generates anew on\n", helmVersion(t))
	fmt.Fprintf(&head, "# every render (tokens not given, cookie secret, proxy token, the Secret's checksum) is %s.\n", masked)
	for _, f := range files {
		fmt.Fprintf(&head, "# sha256 %s %s\n", f, fileSHA256(t, filepath.Join(dir, f)))
	}
	if err := os.WriteFile(filepath.Join(dir, "chart.yaml"), append([]byte(head.String()), first...), 0o644); err != nil {
		t.Fatal(err)
	}
	lint := helm(append([]string{"lint", *z2jhChart, "--kube-version", kubeVersion}, fArgs...)...)
	lint = bytes.ReplaceAll(lint, []byte(*z2jhChart), []byte("CHART"))
	if err := os.WriteFile(filepath.Join(dir, "lint.txt"), lint, 0o644); err != nil {
		t.Fatal(err)
	}
}

// helmVersion is the helm module's version the binary was built from.
func helmVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", *z2jhHelm).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", *z2jhHelm, err)
	}
	if m := regexp.MustCompile(`(?m)^\s+mod\s+helm\.sh/helm/v3\s+(\S+)`).FindSubmatch(out); m != nil {
		return string(m[1])
	}
	t.Fatalf("%s: not built from helm.sh/helm/v3", *z2jhHelm)
	return ""
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// maskChart keeps the hub Secret and the hub Deployment of a helm template
// output, with what the chart generates on every render masked. The other
// objects, and the ConfigMap that holds the chart's own code, are left out.
func maskChart(t *testing.T, out []byte) []byte {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var kept bytes.Buffer
	var merged map[string]any // the Secret's values.yaml, decoded once when needed
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("helm template output: %v", err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		obj := doc.Content[0]
		kind, name := nodeString(nodeAt(obj, "kind")), nodeString(nodeAt(obj, "metadata", "name"))
		if name != releaseName && name != "hub" || kind != "Secret" && kind != "Deployment" {
			continue
		}
		if kind == "Secret" {
			data := nodeAt(obj, "data")
			for i := 0; data != nil && i+1 < len(data.Content); i += 2 {
				key, val := data.Content[i].Value, data.Content[i+1]
				if strings.HasSuffix(key, ".apiToken") && merged == nil {
					merged = secretValues(t, out)
				}
				if strings.HasPrefix(key, "hub.config.") || strings.HasSuffix(key, ".apiToken") && generatedToken(merged, key) {
					val.Value, val.Style = masked, 0
				}
			}
		}
		if ann := nodeAt(obj, "spec", "template", "metadata", "annotations"); ann != nil {
			for i := 0; i+1 < len(ann.Content); i += 2 {
				if ann.Content[i].Value == "checksum/secret" {
					ann.Content[i+1].Value = masked
				}
			}
		}
		kept.WriteString("---\n")
		enc := yaml.NewEncoder(&kept)
		enc.SetIndent(2)
		if err := enc.Encode(obj); err != nil {
			t.Fatal(err)
		}
		enc.Close()
	}
	if kept.Len() == 0 {
		t.Fatal("helm template rendered no hub Secret or Deployment")
	}
	return kept.Bytes()
}

// generatedToken reports whether the Secret's key hub.services.NAME.apiToken
// holds a token the chart made up: one that the merged values (the
// Secret's values.yaml, decoded) do not give.
func generatedToken(merged map[string]any, key string) bool {
	name := strings.TrimSuffix(strings.TrimPrefix(key, "hub.services."), ".apiToken")
	svc, _ := dig(merged, "hub", "services", name).(map[string]any)
	_, given := svc["apiToken"]
	return !given
}

// secretValues decodes the values the chart put into its hub Secret, from
// a whole helm template output or from chart.yaml.
func secretValues(t *testing.T, out []byte) map[string]any {
	t.Helper()
	secret := chartObject(t, out, "Secret")
	enc, _ := dig(secret, "data", "values.yaml").(string)
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || enc == "" {
		t.Fatalf("the hub Secret's values.yaml: %v", err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func chartObject(t *testing.T, out []byte, kind string) map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("no hub %s in the chart output (%v)", kind, err)
		}
		if obj["kind"] == kind && dig(obj, "metadata", "name") == "hub" {
			return obj
		}
	}
}

func nodeAt(n *yaml.Node, path ...string) *yaml.Node {
	for _, p := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func nodeString(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// checkChart holds the recorded chart output to the case's files and to
// hubctl's values.
func checkChart(t *testing.T, dir string, files []string, values map[string]any) {
	t.Helper()
	chart, err := os.ReadFile(filepath.Join(dir, "chart.yaml"))
	if err != nil {
		t.Fatalf("%v (record it with scripts/z2jh-golden.sh)", err)
	}
	// Rendered from exactly these files.
	recorded := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(chart))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "sha256" {
			recorded[f[2]] = f[3]
		}
	}
	for _, f := range files {
		if got := fileSHA256(t, filepath.Join(dir, f)); recorded[f] != got {
			t.Errorf("chart.yaml was rendered from another %s (sha256 %s, now %s): run scripts/z2jh-golden.sh", f, recorded[f], got)
		}
	}
	if len(recorded) != len(files) {
		t.Errorf("chart.yaml was rendered from %d files, helm-f names %d", len(recorded), len(files))
	}

	// The chart carried every value of hubctl's file, the last -f file.
	merged := secretValues(t, chart)
	for _, d := range subsetDiff("", values, merged) {
		t.Errorf("the chart's values: %s", d)
	}

	// Every service's token is in the Secret, where the hub reads it:
	// hubctl's own when the values give one, else the chart's (masked).
	secret := chartObject(t, chart, "Secret")
	services, _ := dig(merged, "hub", "services").(map[string]any)
	if len(services) == 0 {
		t.Error("the chart's values have no services")
	}
	for name, svc := range services {
		key := "hub.services." + name + ".apiToken"
		got, ok := dig(secret, "data").(map[string]any)[key].(string)
		if !ok {
			t.Errorf("the hub Secret has no %s", key)
			continue
		}
		want, given := svc.(map[string]any)["apiToken"].(string)
		if !given {
			if got != masked {
				t.Errorf("%s: the chart's own token was not masked", key)
			}
			continue
		}
		if dec, err := base64.StdEncoding.DecodeString(got); err != nil || string(dec) != want {
			t.Errorf("%s in the hub Secret is not the values' apiToken", key)
		}
	}

	// hubctl's init containers, volumes and mounts are the hub pod's.
	deploy := chartObject(t, chart, "Deployment")
	pod, _ := dig(deploy, "spec", "template", "spec").(map[string]any)
	if want, _ := dig(merged, "hub", "initContainers").([]any); len(want) > 0 && !reflect.DeepEqual(pod["initContainers"], want) {
		t.Errorf("the hub pod's initContainers = %v, want the values' %v", pod["initContainers"], want)
	}
	volumes, _ := pod["volumes"].([]any)
	for _, v := range asList(dig(merged, "hub", "extraVolumes")) {
		if !containsValue(volumes, v) {
			t.Errorf("the hub pod has no volume %v", v)
		}
	}
	var mounts []any
	for _, c := range asList(pod["containers"]) {
		if dig(c, "name") == "hub" {
			mounts = asList(dig(c, "volumeMounts"))
		}
	}
	for _, m := range asList(dig(merged, "hub", "extraVolumeMounts")) {
		if !containsValue(mounts, m) {
			t.Errorf("the hub container has no volume mount %v", m)
		}
	}
	if name, _ := dig(merged, "hub", "existingSecret").(string); name != "" {
		found := false
		for _, v := range volumes {
			found = found || dig(v, "secret", "secretName") == name
		}
		if !found {
			t.Errorf("the hub pod does not mount the existing Secret %s", name)
		}
	}

	lint, err := os.ReadFile(filepath.Join(dir, "lint.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(lint, []byte("1 chart(s) linted, 0 chart(s) failed")) {
		t.Errorf("helm lint failed on these values:\n%s", lint)
	}
}

// subsetDiff lists where have lacks or differs from what want holds: maps
// key by key, lists and scalars whole, as helm merges -f files. A null in
// want removes the key, as in helm.
func subsetDiff(path string, want, have any) []string {
	wm, ok := want.(map[string]any)
	if !ok {
		if !reflect.DeepEqual(want, have) {
			return []string{fmt.Sprintf("%s = %#v, want %#v", path, have, want)}
		}
		return nil
	}
	hm, ok := have.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s = %#v, want a map", path, have)}
	}
	var diffs []string
	for _, k := range z2jhschema.SortedKeys(wm) {
		sub := strings.TrimPrefix(path+"."+k, ".")
		hv, present := hm[k]
		if wm[k] == nil {
			if present {
				diffs = append(diffs, fmt.Sprintf("%s = %#v, want it removed", sub, hv))
			}
			continue
		}
		if !present {
			diffs = append(diffs, sub+" is missing")
			continue
		}
		diffs = append(diffs, subsetDiff(sub, wm[k], hv)...)
	}
	return diffs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}
