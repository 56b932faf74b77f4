package tokens

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireSecretService fails in CI and skips elsewhere when no unlocked
// Secret Service is reachable; scripts/test.sh provides one.
func requireSecretService(t *testing.T) {
	t.Helper()
	if err := probeSecretService(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs a real Secret Service (run under scripts/test.sh): %v", err)
		}
		t.Skipf("no usable Secret Service (run under scripts/test.sh): %v", err)
	}
}

// TestKeyringStore runs the store contract against the real Secret Service
// (gnome-keyring in a private dbus-run-session), under a service name of its
// own so it never meets other tests' items.
func TestKeyringStore(t *testing.T) {
	requireSecretService(t)
	runtimeDir(t) // the index lock of this pid's service goes there, not in ~/.cache
	k := &Keyring{Service: fmt.Sprintf("hubctl-test-%d", os.Getpid()), Timeout: DefaultKeyringTimeout}
	testStore(t, k)
}

func TestKeyringIndexKeepsEachNameOnce(t *testing.T) {
	requireSecretService(t)
	runtimeDir(t) // the index lock of this pid's service goes there, not in ~/.cache
	k := &Keyring{Service: fmt.Sprintf("hubctl-test-index-%d", os.Getpid()), Timeout: DefaultKeyringTimeout}
	for _, n := range []string{"b", "a", "b"} {
		if err := k.Set(n, "s-"+n); err != nil {
			t.Fatal(err)
		}
	}
	names, err := k.List()
	if err != nil || len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Fatalf("List = %q, %v; want [a b]", names, err)
	}
	for _, n := range names {
		if err := k.Delete(n); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKeyringTimeout(t *testing.T) {
	// An operation that never returns is cut off at the timeout with an error.
	k := &Keyring{Service: "unused", Timeout: 100 * time.Millisecond}
	start := time.Now()
	err := k.bounded(func() error { select {} })
	if err == nil {
		t.Fatal("bounded returned nil for an operation that hangs")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("bounded took %s with a 100ms timeout", d)
	}
}

// TestKeyringUnlocksAfterFailedProbe: a Set whose Secret Service probe fails
// gives the index lock back, so the next Set in the same process does not
// wait on its own lock. Waiting is told only of a lock held for a moment:
// here it ends the wait at once, which the second Set must never need.
func TestKeyringUnlocksAfterFailedProbe(t *testing.T) {
	dir := runtimeDir(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(dir, "no-bus"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waited := false
	k := &Keyring{Service: "hubctl-test-probe", Timeout: DefaultKeyringTimeout, Context: ctx,
		Waiting: func(string, string) { waited = true; cancel() }}
	for i := range 2 {
		err := k.Set("a", "secret")
		if waited {
			t.Fatalf("Set #%d waited for the index lock after a failed probe: %v", i+1, err)
		}
		if err == nil || !strings.Contains(err.Error(), "D-Bus") {
			t.Fatalf("Set #%d = %v; want the failed probe's error", i+1, err)
		}
	}
}
