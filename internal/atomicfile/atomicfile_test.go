package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/seconduser"
)

func TestWriteSetsModeAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFile(p, []byte("one"), Options{Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, p, os.Getuid(), 0o640, "one")
	if err := WriteFile(p, []byte("two"), Options{Mode: 0o604}); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, p, os.Getuid(), 0o604, "two")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("stray files: %v", entries)
	}
}

// A file another user planted at the name (the seen case: a .hubctl.bak
// pre-created in a sticky directory) is replaced by a fresh one of the
// caller's, and a planted symlink is replaced, not followed.
func TestWriteReplacesPlantedFileAndLink(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "shared", os.ModeSticky|0o777, os.Getuid())
	bak := filepath.Join(dir, "jupyterhub_config.py.hubctl.bak")
	seconduser.File(t, bak, "planted", 0o666, seconduser.UID)
	if err := WriteFile(bak, []byte("secret"), Options{Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, bak, 0, 0o600, "secret")

	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("victim"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "tokens.json")
	seconduser.Link(t, victim, link, seconduser.UID)
	if err := WriteFile(link, []byte("secret"), Options{Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, link, 0, 0o600, "secret")
	seconduser.WantFile(t, victim, 0, 0o644, "victim")

	// The owner is the one asked for, never the planted file's.
	seconduser.File(t, bak, "planted", 0o666, seconduser.UID)
	if err := WriteFile(bak, []byte("x"), Options{Mode: 0o600, Owner: &Owner{UID: 1234, GID: 1234}}); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, bak, 1234, 0o600, "x")

	// Write and WriteMode never copy a planted file's owner or mode either;
	// Write keeps the mode of the caller's own file (TestWriteKeepsMode).
	seconduser.File(t, bak, "planted", 0o666, seconduser.UID)
	if err := Write(bak, []byte("w"), 0o600); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, bak, 0, 0o600, "w")
	seconduser.File(t, bak, "planted", 0o666, seconduser.UID)
	if err := WriteMode(bak, []byte("m"), 0o600); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, bak, 0, 0o600, "m")
}

// A temp name someone planted is skipped, never opened.
func TestWriteKeepsMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := Write(p, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, p, os.Getuid(), 0o640, "one")
	if err := os.Chmod(p, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	seconduser.WantFile(t, p, os.Getuid(), 0o604, "two")
}

func TestCreateTempNeverOpensAnExistingName(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	for i := 0; i < 50; i++ {
		f, err := CreateTemp(dir, "f")
		if err != nil {
			t.Fatal(err)
		}
		// Plant a link under a fresh-looking name: CreateTemp must not use it.
		if err := os.Symlink(victim, f.Name()+"x"); err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		if st.Mode().Perm() != 0o600 {
			t.Errorf("temp mode %04o", st.Mode().Perm())
		}
		f.Close()
	}
	if _, err := os.Lstat(victim); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link target was created: %v", err)
	}
}

func TestLockSerialises(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "lock")
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := Lock(context.Background(), lock, LockOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			// Not a wait: the holder stays inside a moment so that a lock
			// that did not serialise would let another goroutine in.
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d holders at once", maxInside)
	}
	if st, err := os.Lstat(lock); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v %v", st, err)
	}
}

// Waiting on a held lock says who holds it, and ends as soon as the context
// is cancelled, with the cause.
func TestLockWaitEndsWithContext(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(context.Background(), lock, LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("SIGTERM")
	var holder string
	done := make(chan error, 1)
	go func() {
		_, err := Lock(ctx, lock, LockOptions{Waiting: func(h string) { holder = h; cancel(stop) }})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, stop) {
			t.Errorf("err = %v, want the cause", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock did not return after the context was cancelled")
	}
	if want := fmt.Sprintf("process %d ", os.Getpid()); !strings.HasPrefix(holder, want) {
		t.Errorf("holder = %q, want it to start with %q", holder, want)
	}
	// Cancelled while waiting, it took nothing: the lock is still the first
	// holder's, and free once released.
	unlock()
	u, err := Lock(context.Background(), lock, LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u()
}

// The seen case: a lock opened with O_CREATE followed a planted symlink,
// so root created a file wherever it pointed.
func TestLockRefusesPlantedLinkFileAndFIFO(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := seconduser.Dir(t, "shared", os.ModeSticky|0o777, os.Getuid())
	target := filepath.Join(t.TempDir(), "created-by-root")
	lock := filepath.Join(dir, ".cfg.hubctl-lock")
	seconduser.Link(t, target, lock, seconduser.UID)
	_, err := Lock(context.Background(), lock, LockOptions{})
	var ue *UnsafeError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(ue.Hint(), "rm "+lock) {
		t.Errorf("symlink lock: %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}

	other := filepath.Join(dir, ".other.hubctl-lock")
	seconduser.File(t, other, "", 0o600, seconduser.UID)
	if _, err := Lock(context.Background(), other, LockOptions{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "uid 65534") {
		t.Errorf("lock owned by another user: %v", err)
	}
	// ... unless that user owns the file being edited.
	unlock, err := Lock(context.Background(), other, LockOptions{Owner: &Owner{UID: seconduser.UID, GID: seconduser.UID}})
	if err != nil {
		t.Errorf("lock owned by the file's owner: %v", err)
	} else {
		unlock()
	}

	fifo := filepath.Join(dir, ".fifo.hubctl-lock")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(context.Background(), fifo, LockOptions{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO lock: %v", err)
	}
}

// A lock root creates for another user's file is that user's, so they can
// still take it themselves.
func TestLockCreatedForOwner(t *testing.T) {
	seconduser.NeedRoot(t)
	lock := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(context.Background(), lock, LockOptions{Owner: &Owner{UID: seconduser.UID, GID: seconduser.UID}})
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	seconduser.WantFile(t, lock, seconduser.UID, 0o600, "")
}

func TestRemoveStale(t *testing.T) {
	seconduser.NeedRoot(t)
	dir := t.TempDir()
	mine := filepath.Join(dir, TempPrefix("cfg.py")+"1")
	theirs := filepath.Join(dir, TempPrefix("cfg.py")+"2")
	link := filepath.Join(dir, TempPrefix("cfg.py")+"3")
	otherFile := filepath.Join(dir, TempPrefix("other.py")+"1")
	for _, p := range []string{mine, otherFile} {
		if err := os.WriteFile(p, []byte("tok"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	seconduser.File(t, theirs, "tok", 0o600, seconduser.UID)
	seconduser.Link(t, mine, link, seconduser.UID)
	removed, err := RemoveStale(dir, "cfg.py")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != mine {
		t.Errorf("removed %v, want only %s", removed, mine)
	}
	for _, p := range []string{theirs, link, otherFile} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	// The file's owner's leftovers go too when named.
	if removed, _ := RemoveStale(dir, "cfg.py", seconduser.UID); len(removed) != 1 || removed[0] != theirs {
		t.Errorf("with owner 65534: removed %v", removed)
	}
}

func TestCheckDir(t *testing.T) {
	seconduser.NeedRoot(t)
	shared := seconduser.Dir(t, "shared", os.ModeSticky|0o777, os.Getuid())
	mkdir := func(parent, name string, mode fs.FileMode, uid int) string {
		p := filepath.Join(parent, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := mkdir(shared, "private", 0o755, 0)
	groupW := mkdir(shared, "group", 0o775, 0)
	worldW := mkdir(shared, "world", 0o777, 0)
	under := mkdir(worldW, "under", 0o755, 0)
	theirs := mkdir(shared, "theirs", 0o755, seconduser.UID)
	for _, tt := range []struct {
		dir    string
		owners []int
		want   string // "" = accepted
	}{
		{shared, nil, "mode 1777: others can write it"},
		{private, nil, ""},
		{groupW, nil, "mode 0775: its group can write it"},
		{worldW, nil, "mode 0777"},
		{under, nil, worldW + " has mode 0777"},
		{theirs, nil, "belongs to uid 65534"},
		{theirs, []int{seconduser.UID}, ""},
	} {
		err := CheckDir(tt.dir, tt.owners...)
		var ue *UnsafeError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.dir, err)
		case tt.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) || ue.Hint() == ""):
			t.Errorf("%s: %v, want an UnsafeError with %q and a hint", tt.dir, err, tt.want)
		}
	}
}

// Quiesce lets a write in progress finish, then stops new ones.
func TestQuiesce(t *testing.T) {
	writing.RLock() // a write in progress
	finished := make(chan bool, 1)
	go func() { finished <- Quiesce(10 * time.Second) }()
	for writing.TryRLock() { // until Quiesce is waiting for the write
		writing.RUnlock()
		runtime.Gosched()
	}
	select {
	case <-finished:
		t.Fatal("Quiesce returned while a write was in progress")
	default:
	}
	writing.RUnlock()
	if ok := <-finished; !ok {
		t.Error("Quiesce timed out")
	}
	if writing.TryRLock() {
		t.Error("a write could start after Quiesce")
		writing.RUnlock()
	}
	writing.Unlock() // let the other tests write again
}
