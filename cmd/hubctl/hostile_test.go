package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The typo of issue 10 that hung every command.
const typoConfig = "c = get_config()\nc.Spawner.args = [\n'--allow-root,\n]\n"

// writeFile writes content to path (0600) and returns path.
func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileConfigsEveryCommand: each command that reads a config answers
// the inputs with a one-line error naming file:line, quickly.
func TestHostileConfigsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.py")
	writeFile(t, typo, typoConfig)
	fifo := filepath.Join(dir, "fifo.py")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub.py")
	writeFile(t, sub, "c = get_config()\nload_subconfig('/dev/zero')\n")
	subFIFO := filepath.Join(dir, "subfifo.py")
	writeFile(t, subFIFO, fmt.Sprintf("c = get_config()\n\nload_subconfig(%q)\n", fifo))
	tests := []struct {
		args []string
		code int
		want string // the error line
	}{
		{[]string{"config", "validate", "--hub-version", "3.0", typo}, exitUsage, typo + ":3:1: unterminated string literal (detected at line 3)"},
		{[]string{"service", "list", "--config", typo}, exitFailure, typo + ":3:1: unterminated string literal (detected at line 3)"},
		{[]string{"service", "remove", "x", "--hub-version", "3.0", "--config", typo}, exitFailure, typo + ":3:1: unterminated string literal"},
		{[]string{"config", "render", "--config", typo}, exitFailure, typo + ":3:1: unterminated string literal"},
		{[]string{"config", "validate", "--hub-version", "3.0", "/dev/zero"}, exitUsage, "/dev/zero: the file is a character device, not a regular file"},
		{[]string{"config", "validate", "--hub-version", "3.0", "/dev/urandom"}, exitUsage, "/dev/urandom: the file is a character device, not a regular file"},
		{[]string{"config", "validate", "--hub-version", "3.0", fifo}, exitUsage, fifo + ": the file is a named pipe (FIFO), not a regular file"},
		{[]string{"service", "list", "--config", fifo}, exitFailure, fifo + ": the file is a named pipe (FIFO)"},
	}
	// A device or FIFO as a subconfig: the Hub skips it (traitlets loads
	// only regular files), so validate warns at the call and goes on.
	for _, tt := range []struct{ path, want string }{
		{sub, sub + `:2:1: warning HUB212: load_subconfig("/dev/zero"): /dev/zero is a character device, not a regular file; JupyterHub skips it`},
		{subFIFO, subFIFO + fmt.Sprintf(":3:1: warning HUB212: load_subconfig(%q): %s is a named pipe (FIFO), not a regular file", fifo, fifo)},
	} {
		start := time.Now()
		r := runCLI(t, nil, "", "config", "validate", "--hub-version", "3.0", tt.path)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: took %s", tt.path, took)
		}
		if r.code != exitOK || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%s: code %d, stdout %q, stderr %q; want 0 and %q", tt.path, r.code, r.stdout, r.stderr, tt.want)
		}
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " ")+" "+filepath.Base(tt.args[len(tt.args)-1]), func(t *testing.T) {
			start := time.Now()
			r := runCLI(t, nil, "", tt.args...)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if r.code != tt.code || !strings.HasPrefix(first, "hubctl: error: "+tt.want) {
				t.Errorf("code %d, stderr %q; want %d, %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// TestServiceAddOnTypoReleasesLock: `service add` on the file that hung it
// fails at once with the file:line, changes nothing, and leaves the lock
// free for the next run.
func TestServiceAddOnTypoReleasesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	writeFile(t, path, typoConfig)
	start := time.Now()
	r := runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	if r.code == 0 || !strings.HasPrefix(r.stderr, "hubctl: error: "+path+":3:1: unterminated string literal (detected at line 3)") {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != typoConfig {
		t.Errorf("the file changed: %q", got)
	}
	writeFile(t, path, strings.Replace(typoConfig, "'--allow-root,", "'--allow-root',", 1))
	done := make(chan result, 1)
	go func() {
		done <- runCLI(t, nil, "", "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)
	}()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("after the fix: code %d, stderr %q", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the next service add waited: the lock is still held")
	}
}

// slowConfigText is a legitimate config gpython takes about a second over
// (testdata/slow: 40 000 tokens, then fifty f-string lines it cannot parse,
// each of which costs hubctl a parse of the whole file).
func slowConfigText(t *testing.T) string {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "slow", "legitimate-slow.py"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// TestBinarySignalEndsRead: SIGTERM or SIGINT during a slow read ends
// hubctl within a second, non-zero, and its reader child with it; the lock
// of `service add` is free afterwards.
func TestBinarySignalEndsRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	slow := slowConfigText(t)
	writeFile(t, path, slow)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, args := range [][]string{
			{"config", "validate", "--hub-version", "3.0", path},
			{"service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path},
		} {
			t.Run(sig.String()+" "+args[0]+" "+args[1], func(t *testing.T) {
				cmd := exec.Command(hubctlBin, args...)
				var errOut bytes.Buffer
				cmd.Stderr = &errOut
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				reader := waitReader(t, cmd.Process.Pid)
				sent := time.Now()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("still running 5s after %s", sig)
				}
				if took := time.Since(sent); took > time.Second {
					t.Errorf("ended %s after %s", took, sig)
				}
				if cmd.ProcessState.ExitCode() == 0 {
					t.Errorf("exit 0 after %s", sig)
				}
				if strings.Contains(errOut.String(), "invalid syntax") {
					t.Errorf("the read finished before %s: %q", sig, errOut.String())
				}
				waitGone(t, reader)
			})
		}
	}
	if got, _ := os.ReadFile(path); string(got) != slow {
		t.Error("an interrupted service add changed the file")
	}
	// The lock is free: a service add on a quick file next to it goes through.
	writeFile(t, path, "c = get_config()\n")
	if r := runBin(t, exec.Command(hubctlBin, "service", "add", "cull-idle", "--admin", "--hub-version", "3.0", "--config", path)); r.code != 0 || r.took > 5*time.Second {
		t.Errorf("service add after the signals: %+v", r)
	}
}

// waitReader waits for hubctl (pid) to start its reader child, the same
// executable, and returns the child's pid.
func waitReader(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		procs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, p := range procs {
			stat, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...
			_, rest, _ := strings.Cut(string(stat), ") ")
			var state string
			var ppid int
			if _, err := fmt.Sscan(rest, &state, &ppid); err != nil || ppid != pid {
				continue
			}
			dir := filepath.Dir(p)
			if exe, err := os.Readlink(filepath.Join(dir, "exe")); err == nil && exe == hubctlBin {
				var child int
				fmt.Sscan(filepath.Base(dir), &child)
				return child
			}
		}
		time.Sleep(5 * time.Millisecond) // polling interval of the 5s deadline above
	}
	t.Fatal("hubctl started no reader child within 5s")
	return 0
}

// waitGone waits until process pid has ended.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		_, rest, _ := strings.Cut(string(stat), ") ")
		if err != nil || strings.HasPrefix(rest, "Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reader child %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling interval of the deadline above
	}
}
