package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/internal/seconduser"
)

// lockedBuffer is a stderr that a test can read while the process writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// signalWhen starts cmd, polls until ready() says it is where the test
// wants it (for at most 10s), sends sig, and returns the exit code and how
// long the process took to end after the signal.
func signalWhen(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, ready func() bool) (code int, took time.Duration) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !ready() {
		select {
		case err := <-exited:
			t.Fatalf("%v ended before it was ready: %v", cmd.Args, err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("%v was not ready within 10s", cmd.Args)
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%v still running 10s after %s", cmd.Args, sig)
	}
	took = time.Since(start)
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, took
}

// interruptedBy is what a lock wait ended by a signal exits with and names
// it: written out here, not taken from interruptedError, so that the tests
// check hubctl against the shell's convention (128+signal).
var interruptedBy = map[syscall.Signal]struct {
	name string
	code int
}{syscall.SIGINT: {"SIGINT", 130}, syscall.SIGTERM: {"SIGTERM", 143}}

// wantLockWaitInterrupted runs cmd until it says it is waiting for a lock,
// sends sig, and checks that it ended within a second with 130 or 143,
// having said waiting (the caller's waiting line) and that it gave up on
// the lock, interrupted by sig, with nothing changed. It returns cmd's
// stderr.
func wantLockWaitInterrupted(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, waiting string) string {
	t.Helper()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	code, took := signalWhen(t, cmd, sig, func() bool { return strings.Contains(stderr.String(), "waiting for the lock") })
	want := interruptedBy[sig]
	if code != want.code || took > time.Second {
		t.Errorf("%v: exit %d after %s, want %d within 1s\n%s", cmd.Args[1:], code, took, want.code, stderr)
	}
	if out := stderr.String(); !strings.Contains(out, waiting) || !strings.Contains(out, "hubctl: error: gave up waiting for the lock ") ||
		!strings.Contains(out, ": interrupted by "+want.name+"; nothing was changed") {
		t.Errorf("%v: want %q and that it gave up, interrupted by %s; stderr:\n%s", cmd.Args[1:], waiting, want.name, out)
	}
	return stderr.String()
}

// `service add` and `service remove` waiting on the edit lock that another
// process holds say so, end on SIGTERM or SIGINT within a second with 143
// or 130, and change nothing.
func TestBinaryLockWaitEndsOnSignal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	if r := runCLI(t, nil, "", "service", "add", "old", "--url", "http://127.0.0.1:9001", "--token", "env", "--hub-version", "3.0", "--config", path); r.code != 0 {
		t.Fatalf("setup: %+v", r)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path + ".hubctl.bak")
	// The holder is another process: flock locks belong to open files, and
	// this one is the test's.
	unlock, err := atomicfile.Lock(context.Background(), filepath.Join(dir, ".jupyterhub_config.py.hubctl-lock"), atomicfile.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, tt := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGTERM, []string{"service", "add", "ext", "--url", "http://127.0.0.1:9000", "--token", "env"}},
		{syscall.SIGINT, []string{"service", "add", "ext", "--url", "http://127.0.0.1:9000", "--token", "env"}},
		{syscall.SIGTERM, []string{"service", "remove", "old"}},
	} {
		cmd := exec.Command(hubctlBin, append(tt.args, "--hub-version", "3.0", "--config", path)...)
		wantLockWaitInterrupted(t, cmd, tt.sig, "hubctl: waiting for the lock on "+path+", held by process ")
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Errorf("%v changed the config", tt.args)
		}
		if _, err := os.Lstat(path + ".hubctl.bak"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v wrote a backup", tt.args)
		}
	}
}

// A command stuck where no context reaches (here a keyring call to a
// session bus that never answers, which go-keyring would wait on for 4s)
// still ends within a second of the signal.
func TestBinaryHungKeyringEndsOnSignal(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bus")
	_, connected := silentListener(t, "unix", sock)
	for _, tt := range []struct {
		sig   syscall.Signal
		want  int
		args  []string
		stdin string
	}{
		{syscall.SIGTERM, 143, []string{"token", "get", "x"}, ""},
		{syscall.SIGINT, 130, []string{"token", "list"}, ""},
		{syscall.SIGTERM, 143, []string{"token", "set", "x"}, "secret\n"},
		{syscall.SIGINT, 130, []string{"token", "new", "--store", "x"}, ""},
	} {
		cmd := exec.Command(hubctlBin, tt.args...)
		cmd.Env = envWithout([]string{"DBUS_SESSION_BUS_ADDRESS"}, "DBUS_SESSION_BUS_ADDRESS=unix:path="+sock)
		cmd.Stdin = strings.NewReader(tt.stdin)
		stderr := &lockedBuffer{}
		cmd.Stderr, cmd.Stdout = stderr, io.Discard
		code, took := signalWhen(t, cmd, tt.sig, connected) // connected: this run now waits on the bus
		if code != tt.want || took > time.Second {
			t.Errorf("%v: exit %d after %s, want %d within 1s\n%s", tt.args, code, took, tt.want, stderr)
		}
		if !strings.Contains(stderr.String(), "hubctl: error: interrupted by ") {
			t.Errorf("%v: stderr:\n%s", tt.args, stderr)
		}
	}
}

// In-process: a command that fails because its context was cancelled by a
// signal exits 130 (SIGINT) or 143 (SIGTERM), says so, and writes nothing,
// even when the lock was free.
func TestRunInterruptedExitCode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(&interruptedError{sig: tt.sig})
		var out, errOut bytes.Buffer
		code := run(ctx, []string{"hubctl", "service", "add", "ext", "--url", "http://127.0.0.1:9000", "--token", "env", "--hub-version", "3.0", "--config", path},
			&cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
		if code != tt.want || !strings.Contains(errOut.String(), "hubctl: error: interrupted by SIG") || !strings.Contains(errOut.String(), "nothing was changed") {
			t.Errorf("%s: exit %d, stderr %q", tt.sig, code, errOut.String())
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the config was created", tt.sig)
		}
	}
	// Without a signal, a cancelled context is an ordinary failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errOut bytes.Buffer
	if code := run(ctx, []string{"hubctl", "service", "add", "ext", "--url", "http://127.0.0.1:9000", "--token", "env", "--hub-version", "3.0", "--config", path},
		&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errOut}); code != exitFailure {
		t.Errorf("plain cancel: exit %d, %s", code, errOut.String())
	}
}

// The EXIT CODES help documents 130 and 143.
func TestExitCodesHelpSignals(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "service", "add", "--help")
	if !strings.Contains(r.stdout, "130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM") {
		t.Errorf("help:\n%s", r.stdout)
	}
}

// `check` and `cull --once` talking to a Hub that accepted the connection
// but never answers end within a second of the signal with 130/143. (The
// long-running `hubctl cull` keeps exiting 0 on a signal: that is its
// documented way to stop, see TestCullBinaryLoop.)
func TestBinarySilentHubEndsOnSignal(t *testing.T) {
	addr, connected := silentListener(t, "tcp", "127.0.0.1:0")
	url := "http://" + addr
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
		args []string
	}{
		{syscall.SIGTERM, 143, []string{"check", "--url", url}},
		{syscall.SIGINT, 130, []string{"check", "--url", url}},
		{syscall.SIGTERM, 143, []string{"cull", "--once", "--url", url}},
	} {
		cmd := exec.Command(hubctlBin, tt.args...)
		cmd.Env = envWithout([]string{"JUPYTERHUB_API_TOKEN"}, "JUPYTERHUB_API_TOKEN="+testToken)
		stderr := &lockedBuffer{}
		cmd.Stderr, cmd.Stdout = stderr, io.Discard
		code, took := signalWhen(t, cmd, tt.sig, connected)
		if code != tt.want || took > time.Second {
			t.Errorf("%v: exit %d after %s, want %d within 1s\n%s", tt.args, code, took, tt.want, stderr)
		}
		if !strings.Contains(stderr.String(), "interrupted by ") || strings.Contains(stderr.String(), testToken) {
			t.Errorf("%v: stderr:\n%s", tt.args, stderr)
		}
	}
}

// Root edits a user's symlinked config, then the user edits it with hubctl
// as themselves: the link stays a link both times, the target and its
// backup and lock stay the user's, so the user's own run can take the lock
// root's run made.
func TestBinaryUserEditsAfterRoot(t *testing.T) {
	seconduser.NeedRoot(t)
	const nobody = seconduser.UID
	base := t.TempDir()
	for p := base; strings.HasPrefix(p, os.TempDir()+"/"); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(base, "hubctl")
	data, err := os.ReadFile(hubctlBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	realDir := filepath.Join(home, "hub")
	for _, d := range []string{home, realDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(realDir, "hub.py")
	if err := os.WriteFile(target, []byte("c = get_config()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, "jupyterhub_config.py")
	if err := os.Symlink("hub/hub.py", link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{target, link} {
		if err := os.Lchown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	// Root first.
	r := runCLI(t, nil, "", "service", "add", "a", "--url", "http://127.0.0.1:9000", "--token", "env", "--hub-version", "3.0", "--config", link)
	if r.code != 0 || !strings.Contains(r.stderr, link+" is a symlink: editing its target "+target+" in place (the link stays)") {
		t.Fatalf("root: %+v", r)
	}
	// Then the user.
	cmd := exec.Command(bin, "service", "add", "b", "--url", "http://127.0.0.1:9001", "--token", "env", "--hub-version", "3.0", "--config", link)
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if r := runBin(t, cmd); r.code != 0 || !strings.Contains(r.stderr, "is a symlink: editing its target") {
		t.Fatalf("as uid 65534: %+v", r)
	}
	if got, err := os.Readlink(link); err != nil || got != "hub/hub.py" {
		t.Errorf("the link is now %q, %v", got, err)
	}
	cfg, _ := os.ReadFile(target)
	if !strings.Contains(string(cfg), "'name': 'a'") || !strings.Contains(string(cfg), "'name': 'b'") {
		t.Errorf("target:\n%s", cfg)
	}
	for p, mode := range map[string]fs.FileMode{target: 0o644, target + ".hubctl.bak": 0o600, filepath.Join(realDir, ".hub.py.hubctl-lock"): 0o600} {
		st, err := os.Lstat(p)
		if err != nil {
			t.Error(err)
			continue
		}
		if uid := st.Sys().(*syscall.Stat_t).Uid; uid != nobody || !st.Mode().IsRegular() || st.Mode().Perm() != mode {
			t.Errorf("%s: uid %d, mode %v; want uid 65534, a regular file of mode %04o", p, uid, st.Mode(), mode)
		}
	}
}

// cpuTicks is the user+system CPU time of a process, in clock ticks.
func cpuTicks(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name in parentheses; utime and stime
	// are the 12th and 13th of those.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(fields[11])
	s, _ := strconv.Atoi(fields[12])
	return u + s
}

// The typo of issue 10 §1 made every reading command spin and ignore
// SIGINT and SIGTERM, `service add` holding the lock meanwhile. Whatever the
// parse does, the command ends within a second of the signal, non-zero, with
// the config unchanged. (Once the parse itself is bounded, a command may
// also end by itself first, with an error: that is fine too.)
func TestBinaryParseEndsOnSignal(t *testing.T) {
	const busyBound = 60 * time.Second // for the command to be in the parse
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	typo := "c = get_config()\nc.Spawner.args = [\n'--allow-root,\n]\n"
	if err := os.WriteFile(path, []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
		args []string
	}{
		{syscall.SIGTERM, 143, []string{"config", "validate", path}},
		{syscall.SIGINT, 130, []string{"service", "list", "--config", path}},
		{syscall.SIGTERM, 143, []string{"config", "render", "--config", path}},
		{syscall.SIGTERM, 143, []string{"service", "add", "ext", "--url", "http://127.0.0.1:9000", "--token", "env", "--hub-version", "3.0", "--config", path}},
	} {
		cmd := exec.Command(hubctlBin, tt.args...)
		stderr := &lockedBuffer{}
		cmd.Stderr, cmd.Stdout = stderr, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		var took time.Duration
		signalled := false
		// A bound, not a wait: on a loaded machine 0.2 s of CPU can take
		// many seconds to accrue.
		deadline := time.Now().Add(busyBound)
	wait:
		for {
			select {
			case err = <-exited:
				break wait
			case <-time.After(5 * time.Millisecond):
			}
			switch {
			case !signalled && cpuTicks(cmd.Process.Pid) >= 20: // 0.2s of CPU: it is in the parse
				signalled = true
				start := time.Now()
				if err := cmd.Process.Signal(tt.sig); err != nil {
					t.Fatal(err)
				}
				select {
				case err = <-exited:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("%v still running 10s after %s", tt.args, tt.sig)
				}
				took = time.Since(start)
				break wait
			case time.Now().After(deadline):
				_ = cmd.Process.Kill()
				t.Fatalf("%v: neither done nor busy after %s", tt.args, busyBound)
			}
		}
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		switch {
		case signalled && (code != tt.want || took > time.Second):
			t.Errorf("%v: exit %d %s after %s, want %d within 1s\n%s", tt.args, code, err, took, tt.want, stderr)
		case !signalled && (code == 0 || !strings.Contains(stderr.String(), "hubctl: error: ")):
			t.Errorf("%v ended by itself with exit %d:\n%s", tt.args, code, stderr)
		}
		if data, _ := os.ReadFile(path); string(data) != typo {
			t.Errorf("%v changed the config", tt.args)
		}
	}
}

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatal(errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatal(errno)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

func echoOn(t *testing.T, f *os.File) bool {
	t.Helper()
	var tio syscall.Termios
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&tio))); errno != 0 {
		t.Fatal(errno)
	}
	return tio.Lflag&syscall.ECHO != 0
}

// `token set` at its hidden-input prompt ends within a second of the
// signal and gives the terminal its echo back.
func TestBinaryTokenPromptEndsOnSignal(t *testing.T) {
	master, slave := openPTY(t)
	defer master.Close()
	defer slave.Close()
	go func() { _, _ = io.Copy(io.Discard, master) }()
	if !echoOn(t, slave) {
		t.Fatal("a new terminal has echo off")
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		cmd := exec.Command(hubctlBin, "token", "set", "x", "--insecure-storage")
		cmd.Env = envWithout([]string{"XDG_CONFIG_HOME"}, "XDG_CONFIG_HOME="+t.TempDir())
		cmd.Stdin = slave
		stderr := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = io.Discard, stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		code, took := signalWhen(t, cmd, tt.sig, func() bool {
			return strings.Contains(stderr.String(), "Token (input is hidden)") && !echoOn(t, slave)
		})
		if code != tt.want || took > time.Second {
			t.Errorf("%s: exit %d after %s, want %d within 1s\n%s", tt.sig, code, took, tt.want, stderr)
		}
		if !echoOn(t, slave) {
			t.Errorf("%s left the terminal with echo off", tt.sig)
		}
	}
}

// silentListener listens on addr and accepts connections it never answers,
// keeping each open until the test ends: a peer (a session bus, a Hub) that
// took the connection and went quiet. connected reports, once per
// connection, that a new one has come in.
func silentListener(t *testing.T, network, addr string) (string, func() bool) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	var held []net.Conn
	t.Cleanup(func() {
		l.Close()
		for _, c := range held {
			c.Close()
		}
	})
	return l.Addr().String(), func() bool {
		select {
		case c := <-conns:
			held = append(held, c)
			return true
		default:
			return false
		}
	}
}
