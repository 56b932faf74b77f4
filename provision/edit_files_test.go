package provision

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/internal/seconduser"
)

const startConfig = "c = get_config()\nc.JupyterHub.port = 8000\n"

func literalService(name string) Service {
	return Service{Name: name, URL: "http://127.0.0.1:9000", Token: TokenLiteral, APIToken: strings.Repeat("ab", 32)}
}

// The seen case: in a world-writable sticky directory another user
// pre-creates the .hubctl.bak, and root's edit wrote the backup, tokens
// included, into that user's file. Such a directory is refused now, and
// nothing in it is touched.
func TestApplyRefusesSharedStickyDir(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "etc", os.ModeSticky|0o777, 0)
	path := filepath.Join(dir, "jupyterhub_config.py")
	seconduser.File(t, path, startConfig, 0o600, 0)
	seconduser.File(t, BackupPath(path), "planted", 0o666, seconduser.UID)
	_, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(literalService("ext"), nil))
	var h interface{ Hint() string }
	if err == nil || !strings.Contains(err.Error(), "mode 1777: others can write it") || !errors.As(err, &h) || !strings.Contains(h.Hint(), "chmod go-w "+dir) {
		t.Errorf("err = %v", err)
	}
	seconduser.WantFile(t, path, 0, 0o600, startConfig)
	seconduser.WantFile(t, BackupPath(path), seconduser.UID, 0o666, "planted")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files in the directory: %v", entries)
	}
	// Group-writable is refused too, as OpenSSH's StrictModes does.
	group := seconduser.Dir(t, "etc", 0o775, 0)
	seconduser.File(t, filepath.Join(group, "c.py"), startConfig, 0o644, 0)
	if _, err := Apply(context.Background(), filepath.Join(group, "c.py"), EditOptions{Version: v3}, addTo(literalService("ext"), nil)); err == nil || !strings.Contains(err.Error(), "its group can write it") {
		t.Errorf("group-writable directory: %v", err)
	}
	// So is a directory of a third user, for root's own config.
	theirs := seconduser.Dir(t, "etc", 0o755, seconduser.UID)
	seconduser.File(t, filepath.Join(theirs, "c.py"), startConfig, 0o644, 0)
	if _, err := Apply(context.Background(), filepath.Join(theirs, "c.py"), EditOptions{Version: v3}, addTo(literalService("ext"), nil)); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("a third user's directory: %v", err)
	}
}

// Files someone planted where the backup goes (left from when the directory
// was writable, say) are replaced by a fresh 0600 file of root's, and a
// planted link is not followed.
func TestApplyReplacesPlantedBackup(t *testing.T) {
	seconduser.NeedRoot(t)
	for _, link := range []bool{false, true} {
		dir := seconduser.Dir(t, "etc", 0o755, 0)
		path := filepath.Join(dir, "jupyterhub_config.py")
		seconduser.File(t, path, startConfig, 0o644, 0)
		victim := filepath.Join(t.TempDir(), "victim")
		seconduser.File(t, victim, "victim", 0o666, seconduser.UID)
		if link {
			seconduser.Link(t, victim, BackupPath(path), seconduser.UID)
		} else {
			seconduser.File(t, BackupPath(path), "planted", 0o666, seconduser.UID)
		}
		res, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(literalService("ext"), nil))
		if err != nil {
			t.Fatal(err)
		}
		seconduser.WantFile(t, BackupPath(path), 0, 0o600, startConfig)
		seconduser.WantFile(t, path, 0, 0o600, string(res.New))
		seconduser.WantFile(t, victim, seconduser.UID, 0o666, "victim")
		if !strings.Contains(string(res.New), strings.Repeat("ab", 32)) {
			t.Errorf("the token is not in the config")
		}
	}
}

// Root editing another user's config keeps that user the owner of the
// config, and gives the backup and lock to them too; the backup is never
// readable by more than the config.
func TestApplyOtherUsersConfig(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "etc", 0o755, seconduser.UID)
	path := filepath.Join(dir, "jupyterhub_config.py")
	seconduser.File(t, path, startConfig, 0o640, seconduser.UID)
	res, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(literalService("ext"), nil))
	if err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, path, seconduser.UID, 0o600, string(res.New))
	seconduser.WantFile(t, BackupPath(path), seconduser.UID, 0o600, startConfig)
	seconduser.WantFile(t, filepath.Join(dir, ".jupyterhub_config.py.hubctl-lock"), seconduser.UID, 0o600, "")
	st, _ := os.Stat(path)
	if gid := st.Sys().(*syscall.Stat_t).Gid; gid != seconduser.UID {
		t.Errorf("config gid %d", gid)
	}
	// A config of mode 0400: its backup is 0400 too.
	seconduser.File(t, path, startConfig, 0o400, seconduser.UID)
	if _, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(literalService("ext"), nil)); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, BackupPath(path), seconduser.UID, 0o400, startConfig)
}

// The seen case: the lock was opened with O_CREATE and followed a planted
// symlink, so root created a file wherever it pointed. A planted lock (a
// link, or another user's file) is refused now, and nothing is written.
func TestApplyRefusesPlantedLock(t *testing.T) {
	seconduser.NeedRoot(t)
	for _, link := range []bool{true, false} {
		dir := seconduser.Dir(t, "etc", 0o755, 0)
		path := filepath.Join(dir, "jupyterhub_config.py")
		seconduser.File(t, path, startConfig, 0o644, 0)
		lock := filepath.Join(dir, ".jupyterhub_config.py.hubctl-lock")
		target := filepath.Join(t.TempDir(), "made-by-root")
		if link {
			seconduser.Link(t, target, lock, seconduser.UID)
		} else {
			seconduser.File(t, lock, "", 0o644, seconduser.UID)
		}
		_, err := Apply(context.Background(), path, EditOptions{Version: v3}, addTo(literalService("ext"), nil))
		var ue *atomicfile.UnsafeError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), lock) || !strings.Contains(ue.Hint(), "rm "+lock) {
			t.Errorf("link %v: err = %v", link, err)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the lock link's target was created: %v", err)
		}
		seconduser.WantFile(t, path, 0, 0o644, startConfig)
		if _, err := os.Lstat(BackupPath(path)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a backup was written: %v", err)
		}
	}
}

// The seen case: a symlinked config was replaced by a regular file and its
// target never updated. The target is edited in place now, the link stays,
// and hubctl says so.
func TestApplySymlinkedConfig(t *testing.T) {
	realDir, linkDir := t.TempDir(), t.TempDir()
	target := filepath.Join(realDir, "hub.py")
	if err := os.WriteFile(target, []byte(startConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(linkDir, "jupyterhub_config.py")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	var notes []string
	res, err := Apply(context.Background(), link, EditOptions{Version: v3, Notify: func(s string) { notes = append(notes, s) }},
		addTo(Service{Name: "ext", URL: "http://127.0.0.1:9000", Token: TokenEnv, TokenEnvVar: TokenEnvVarFor("ext")}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(link); err != nil || got != target {
		t.Errorf("the link is now %q, %v", got, err)
	}
	seconduser.WantFile(t, target, os.Getuid(), 0o644, string(res.New))
	if res.Backup != BackupPath(target) {
		t.Errorf("backup in %s, want next to the target", res.Backup)
	}
	seconduser.WantFile(t, BackupPath(target), os.Getuid(), 0o600, startConfig)
	if len(notes) != 1 || !strings.Contains(notes[0], link+" is a symlink: editing its target "+target+" in place") {
		t.Errorf("notes: %q", notes)
	}
	if entries, _ := os.ReadDir(linkDir); len(entries) != 1 {
		t.Errorf("files beside the link: %v", entries)
	}
	// A link to nothing is refused, not replaced by a new file.
	dangling := filepath.Join(linkDir, "dangling.py")
	if err := os.Symlink(filepath.Join(realDir, "missing.py"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(context.Background(), dangling, EditOptions{Version: v3}, addTo(literalService("ext"), nil)); err == nil || !strings.Contains(err.Error(), "symlink to a file that does not exist") {
		t.Errorf("dangling link: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(realDir, "missing.py")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling link's target was created")
	}
}

// The seen case: a run killed mid-write left a .NAME.tmp-* holding the
// literal token. The next edit removes hubctl's own leftovers (the
// config's and the backup's), and leaves other users' files alone.
func TestApplyRemovesStaleTemps(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "etc", 0o755, 0)
	path := filepath.Join(dir, "jupyterhub_config.py")
	seconduser.File(t, path, startConfig, 0o600, 0)
	stale := []string{
		filepath.Join(dir, ".jupyterhub_config.py.tmp-0123456789abcdef"),
		filepath.Join(dir, ".jupyterhub_config.py.hubctl.bak.tmp-0123456789abcdef"),
	}
	for _, p := range stale {
		seconduser.File(t, p, "c.JupyterHub.services = [{'api_token': 'leaked'}]", 0o600, 0)
	}
	foreign := filepath.Join(dir, ".jupyterhub_config.py.tmp-someone-elses")
	seconduser.File(t, foreign, "x", 0o600, seconduser.UID)
	var notes []string
	if _, err := Apply(context.Background(), path, EditOptions{Version: v3, Notify: func(s string) { notes = append(notes, s) }}, addTo(literalService("ext"), nil)); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there", p)
		}
	}
	if _, err := os.Lstat(foreign); err != nil {
		t.Errorf("another user's file was removed: %v", err)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "left by an interrupted run") {
		t.Errorf("notes: %q", notes)
	}
	// --dry-run takes no lock, so it removes nothing.
	seconduser.File(t, stale[0], "x", 0o600, 0)
	if _, err := Apply(context.Background(), path, EditOptions{DryRun: true, Version: v3}, removeFrom("ext")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale[0]); err != nil {
		t.Errorf("dry run removed a temp file: %v", err)
	}
}

// Waiting for a lock another edit holds ends when the context is cancelled
// (SIGINT, SIGTERM), after saying who holds it, and changes nothing.
func TestApplyLockWaitCancelled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.WriteFile(path, []byte(startConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := atomicfile.Lock(context.Background(), filepath.Join(dir, ".jupyterhub_config.py.hubctl-lock"), atomicfile.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancelCause(context.Background())
	signal := errors.New("interrupted by SIGTERM")
	var notes []string
	done := make(chan error, 1)
	go func() {
		_, err := Apply(ctx, path, EditOptions{Version: v3, Notify: func(s string) {
			notes = append(notes, s)
			cancel(signal)
		}}, addTo(literalService("ext"), nil))
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Apply still waiting 10s after the lock wait began")
	}
	if !errors.Is(err, signal) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("err = %v", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "waiting for the lock on "+path+", held by process ") {
		t.Errorf("notes: %q", notes)
	}
	seconduser.WantFile(t, path, os.Getuid(), 0o644, startConfig)
	if _, err := os.Lstat(BackupPath(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a backup was written")
	}
}
