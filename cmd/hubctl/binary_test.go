package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hubctlBin is the binary built once for the tests that run it as users do.
// It is static (CGO_ENABLED=0): a Hub in another Debian's root runs it as a
// managed service, and that root's C library is not this machine's.
var hubctlBin string

// minParallel is how many parallel tests run at once unless -test.parallel
// says otherwise: most of them wait on a Hub, a server or a child process,
// not on a CPU, so GOMAXPROCS (2 in CI) would leave the machine idle.
const minParallel = 6

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if p := flag.Lookup("test.parallel"); !given && p != nil && runtime.GOMAXPROCS(0) < minParallel {
		_ = p.Value.Set(strconv.Itoa(minParallel))
	}
	dir, err := os.MkdirTemp("", "hubctl-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hubctlBin = filepath.Join(dir, "hubctl")
	build := exec.Command("go", "build", "-o", hubctlBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hubctl:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestBinaryIsStatic: hubctlBin asks for no dynamic loader and no shared
// library, so it runs in any Linux root, as `file` and `ldd` would say.
func TestBinaryIsStatic(t *testing.T) { checkStatic(t, hubctlBin) }

// checkStatic fails unless the ELF binary bin is statically linked.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: it is dynamically linked", bin, p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v (%v)", bin, libs, err)
	}
}

// need fails in CI and skips elsewhere when a program the test drives is
// missing; scripts/test.sh installs them all.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI needs %s (scripts/test.sh installs it): %v", p, err)
			}
			t.Skipf("%s is not installed (scripts/test.sh installs it)", p)
		}
	}
}

// envWithout returns the environment less the named variables, plus extra.
func envWithout(drop []string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			if name == d {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

type binResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func runBin(t *testing.T, cmd *exec.Cmd) binResult {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := binResult{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return r
}

func TestBinaryTokenNewDistinct(t *testing.T) {
	t.Parallel()
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}\n$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		r := runBin(t, exec.Command(hubctlBin, "token", "new"))
		if r.code != 0 || !hex64.MatchString(r.stdout) || r.stderr != "" {
			t.Fatalf("run %d: %+v", i, r)
		}
		if seen[r.stdout] {
			t.Fatalf("run %d repeated a token", i)
		}
		seen[r.stdout] = true
	}
	if r := runBin(t, exec.Command(hubctlBin, "token", "new", "--bytes", "16")); !regexp.MustCompile(`^[0-9a-f]{32}\n$`).MatchString(r.stdout) {
		t.Errorf("--bytes 16 printed %q", r.stdout)
	}
	if r := runBin(t, exec.Command(hubctlBin, "token", "new", "--bytes", "8")); r.code != exitUsage || r.stdout != "" {
		t.Errorf("--bytes 8: %+v", r)
	}
}

// TestBinaryNoSessionBus runs hubctl with no D-Bus session bus. It must fail
// at once with a clear error, and must not start a bus: godbus would run
// dbus-launch, so a fake one on PATH records any attempt.
func TestBinaryNoSessionBus(t *testing.T) {
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a per-user session bus, so 'no bus' cannot be simulated")
	}
	bin := t.TempDir()
	marker := filepath.Join(bin, "dbus-launch-ran")
	fake := "#!/bin/sh\ntouch " + marker + "\nsleep 60\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"token", "list"}, {"token", "get", "x"}, {"token", "new", "--store", "x"}} {
		cmd := exec.Command(hubctlBin, args...)
		cmd.Env = envWithout([]string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "PATH"}, "PATH="+bin+":"+os.Getenv("PATH"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		r := runBin(t, cmd)
		if r.code != exitFailure || !strings.HasPrefix(r.stderr, "hubctl: error: no D-Bus session bus") ||
			!strings.Contains(r.stderr, "hubctl: hint: ") {
			t.Errorf("%v: %+v", args, r)
		}
		if args[1] == "new" && r.stdout != "" {
			t.Errorf("token new --store printed a token it could not store: %q", r.stdout)
		}
		if r.took > 5*time.Second {
			t.Errorf("%v took %s, want under 5s", args, r.took)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%v ran dbus-launch", args)
		}
		// Nothing of hubctl's process group is left running.
		if err := syscall.Kill(-cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%v left a process behind in its group: %v", args, err)
		}
	}
}

// sessionCmd runs script under a private dbus-run-session, cut off from the
// test run's own bus and keyring.
func sessionCmd(t *testing.T, dataHome, config, script string) *exec.Cmd {
	t.Helper()
	args := []string{}
	if config != "" {
		args = append(args, "--config-file="+config)
	}
	args = append(args, "--", "sh", "-c", script)
	cmd := exec.Command("dbus-run-session", args...)
	cmd.Env = envWithout([]string{"DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "XDG_DATA_HOME"},
		"XDG_DATA_HOME="+dataHome, "HUBCTL="+hubctlBin)
	return cmd
}

const waitForSecrets = `for i in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
  sleep 0.1
done
`

// A bus with no Secret Service on it, and none it could start.
const bareBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func TestBinaryNoSecretService(t *testing.T) {
	need(t, "dbus-run-session")
	config := filepath.Join(t.TempDir(), "bus.conf")
	if err := os.WriteFile(config, []byte(bareBusConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, sessionCmd(t, t.TempDir(), config, `exec "$HUBCTL" token list`))
	if r.code != exitFailure || !strings.Contains(r.stderr, "hubctl: error: no Secret Service on the D-Bus session bus") ||
		!strings.Contains(r.stderr, "hubctl: hint: install and start gnome-keyring") {
		t.Errorf("%+v", r)
	}
	if r.took > 5*time.Second {
		t.Errorf("took %s, want under 5s", r.took)
	}
}

func TestBinaryLockedKeyring(t *testing.T) {
	need(t, "dbus-run-session", "gnome-keyring-daemon", "dbus-send")
	data := t.TempDir()
	// First session: create the login keyring with a password and store a token.
	create := `eval "$(printf pw | gnome-keyring-daemon --daemonize --unlock --components=secrets)" >/dev/null
` + waitForSecrets + `printf tok | "$HUBCTL" token set x`
	if r := runBin(t, sessionCmd(t, data, "", create)); r.code != 0 {
		t.Fatalf("setting up the keyring: %+v", r)
	}
	// Second session: the same keyring, started but never unlocked.
	locked := `gnome-keyring-daemon --daemonize --start --components=secrets >/dev/null
` + waitForSecrets + `exec "$HUBCTL" token get x`
	r := runBin(t, sessionCmd(t, data, "", locked))
	if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, "hubctl: error: the keyring is locked") ||
		!strings.Contains(r.stderr, "gnome-keyring-daemon --unlock") {
		t.Errorf("%+v", r)
	}
	if r.took > 5*time.Second {
		t.Errorf("took %s, want under 5s", r.took)
	}
	// Unlocked again, the token is there.
	unlock := `eval "$(printf pw | gnome-keyring-daemon --daemonize --unlock --components=secrets)" >/dev/null
` + waitForSecrets + `exec "$HUBCTL" token get x`
	if r := runBin(t, sessionCmd(t, data, "", unlock)); r.code != 0 || r.stdout != "tok\n" {
		t.Errorf("after unlocking: %+v", r)
	}
}

// TestBinaryKeyringRoundTrip uses the real Secret Service that
// scripts/test.sh starts for the whole run.
func TestBinaryKeyringRoundTrip(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs a D-Bus session with gnome-keyring: run the tests with scripts/test.sh")
		}
		t.Skip("no D-Bus session: run the tests with scripts/test.sh")
	}
	name := fmt.Sprintf("cmdtest-%d", os.Getpid())
	r := runBin(t, exec.Command(hubctlBin, "token", "new", "--store", name))
	if r.code != 0 {
		t.Fatalf("token new --store: %+v", r)
	}
	tok := r.stdout
	if r := runBin(t, exec.Command(hubctlBin, "token", "get", name)); r.code != 0 || r.stdout != tok {
		t.Errorf("token get = %+v, want %q", r, tok)
	}
	set := exec.Command(hubctlBin, "token", "set", name+"-b")
	set.Stdin = strings.NewReader("from-stdin\n")
	if r := runBin(t, set); r.code != 0 {
		t.Errorf("token set: %+v", r)
	}
	r = runBin(t, exec.Command(hubctlBin, "token", "list"))
	if r.code != 0 || !strings.Contains(r.stdout, name+"\n"+name+"-b\n") || strings.Contains(r.stdout, strings.TrimSpace(tok)) {
		t.Errorf("token list = %+v", r)
	}
	if r := runBin(t, exec.Command(hubctlBin, "token", "get", name+"-b")); r.stdout != "from-stdin\n" {
		t.Errorf("token get -b = %+v", r)
	}
	for _, n := range []string{name, name + "-b"} {
		if r := runBin(t, exec.Command(hubctlBin, "token", "delete", n)); r.code != 0 {
			t.Errorf("token delete %s: %+v", n, r)
		}
	}
	r = runBin(t, exec.Command(hubctlBin, "token", "get", name))
	want := fmt.Sprintf("hubctl: error: no token named %q in the keyring\n", name)
	if r.code != exitFailure || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("get after delete: %+v, want exit 1 and %q", r, want)
	}
}
