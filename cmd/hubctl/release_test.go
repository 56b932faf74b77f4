package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/helm"
)

// TestDockerfilesAreTheRelease: the image builds hubctl with
// scripts/release.sh (one set of build flags), FROM scratch, as nobody,
// with hubctl where the values' init container runs it; the hub image
// recipe copies it from there to the default --hubctl-path, on the
// chart's hub image of helm.ChartVersion. (No Docker engine runs here:
// this reads the files; TestReleaseBinaryInEmptyRoot runs the binary as
// the image would.)
func TestDockerfilesAreTheRelease(t *testing.T) {
	t.Parallel()
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	df := read("Dockerfile")
	stages := regexp.MustCompile(`(?m)^FROM `).Split(df, -1)
	final := stages[len(stages)-1]
	for _, want := range []string{
		"scripts/release.sh \"$TARGETARCH\"",
		"COPY --from=build /out/hubctl " + helm.ImageHubctlPath + "\n",
		"USER 65534:65534\n",
		`ENTRYPOINT ["` + helm.ImageHubctlPath + `"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !strings.HasPrefix(final, "scratch\n") || len(stages) != 3 {
		t.Errorf("Dockerfile: want two stages, the last FROM scratch; got %d, last %q", len(stages)-1, final)
	}
	if strings.Contains(df, "go build") || strings.Contains(df, "CGO_ENABLED") {
		t.Error("Dockerfile builds hubctl itself; it must run scripts/release.sh")
	}
	sh := read("scripts/release.sh")
	if !strings.Contains(sh, "CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=auto -ldflags='-s -w'") {
		t.Error("scripts/release.sh: not the static, trimmed build")
	}
	hubImage := read("docs/hub-image.Dockerfile")
	for _, want := range []string{
		"\nFROM quay.io/jupyterhub/k8s-hub:" + helm.ChartVersion + "\n",
		"COPY --from=hubctl " + helm.ImageHubctlPath + " " + helm.DefaultHubctlPath + "\n",
	} {
		if !strings.Contains(hubImage, want) {
			t.Errorf("docs/hub-image.Dockerfile lacks %q", want)
		}
	}
}

// TestReleaseBinaryInEmptyRoot builds hubctl as scripts/release.sh does and
// runs it as hubctl's image would run in the hub pod's init container: in a
// root with nothing but the binary (plus the /proc a container runtime
// mounts and the emptyDir), read-only, as uid 65534. `hubctl --version` and
// `hubctl copy-binary` into the emptyDir work there, and the copy runs.
func TestReleaseBinaryInEmptyRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs as root: an empty root needs unshare and chroot")
		}
		t.Skip("needs root for unshare and chroot")
	}
	need(t, "unshare", "chroot", "mount")
	dist := t.TempDir()
	build := exec.Command("../../scripts/release.sh", runtime.GOARCH)
	build.Env = append(os.Environ(), "DIST="+dist)
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/release.sh: %v\n%s", err, out)
	}
	bin := filepath.Join(dist, "hubctl-linux-"+runtime.GOARCH)
	if !regexp.MustCompile(`: [0-9]+ bytes \([0-9.]+ MiB\)\n$`).Match(out) {
		t.Errorf("scripts/release.sh does not print the size: %q", out)
	}
	checkStatic(t, bin)

	root := t.TempDir()
	img := filepath.Join(root, helm.ImageHubctlPath)
	for _, d := range []string{filepath.Dir(img), filepath.Join(root, "proc"), filepath.Join(root, helm.ImageMountDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, data, 0o755); err != nil {
		t.Fatal(err)
	}
	// In a mount namespace of its own (every mount ends with it): the root
	// read-only, /proc, a tmpfs as the emptyDir; then hubctl, chrooted, as
	// nobody. The second copy-binary writes to the read-only root and must
	// fail naming the path.
	script := `set -e
root=$1 hubctl=$2 dir=$3
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=0777,size=64m tmpfs "$root$dir"
run() { chroot --userspec=65534:65534 "$root" "$@"; }
run "$hubctl" --version
run "$hubctl" copy-binary "$dir/hubctl"
run "$dir/hubctl" --version
cmp "$root$hubctl" "$root$dir/hubctl"
stat -c 'mode %a uid %u' "$root$dir/hubctl"
if run "$hubctl" copy-binary /usr/local/bin/copy 2>&1; then echo "wrote to the read-only root"; exit 1; fi
`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--pid", "--fork", "sh", "-c", script, "sh", root, helm.ImageHubctlPath, helm.ImageMountDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	got := stdout.String()
	version := regexp.MustCompile(`(?m)^hubctl version \S+$`)
	if n := len(version.FindAllString(got, -1)); n != 2 {
		t.Errorf("want two `hubctl version ...` lines (the image's and the copy's), got %d:\n%s", n, got)
	}
	for _, want := range []string{
		"mode 755 uid 65534\n",
		"hubctl: error: writing /usr/local/bin/copy: ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s\nstderr:\n%s", want, got, &stderr)
		}
	}
	if want := "hubctl: copied hubctl to " + helm.ImageHubctlPodPath + " (" + strconv.Itoa(len(data)) + " bytes, mode 0755)\n"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, &stderr)
	}
	t.Logf("release build: %s", bytes.TrimSpace(out))
}
