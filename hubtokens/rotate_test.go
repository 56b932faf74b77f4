package hubtokens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/tokens"
)

const oldToken = "0ld0000000000000000000000000000000000000000000000000000000000001"

var v30 = hub.Version{Major: 3}

// rotorConfig writes a config whose hubctl block has service rotor with a
// literal token and its role, and a keyring holding that token.
func rotorConfig(t *testing.T, token provision.TokenSource) (string, *tokens.Memory) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := os.WriteFile(path, []byte("c = get_config()  # noqa\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	svc := provision.Service{Name: "rotor", Token: token}
	if token == provision.TokenLiteral {
		svc.APIToken = oldToken
	} else {
		svc.TokenEnvVar = provision.TokenEnvVarFor("rotor")
	}
	role := &provision.Role{Name: "rotor-role", Scopes: []string{"list:users"}, Services: []string{"rotor"}}
	if _, _, _, err := provision.AddService(context.Background(), path, svc, role, provision.AddOptions{EditOptions: provision.EditOptions{Version: v30}}); err != nil {
		t.Fatal(err)
	}
	store := tokens.NewMemory()
	if err := store.Set("rotor", oldToken); err != nil {
		t.Fatal(err)
	}
	return path, store
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(s tokens.Store, name string) string {
	v, _ := s.Get(name)
	return v
}

func TestRotateLiteralKeepsTheOldTokenAsPrevious(t *testing.T) {
	t.Parallel()
	path, store := rotorConfig(t, provision.TokenLiteral)
	before := read(t, path)
	rot, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}})
	if err != nil {
		t.Fatal(err)
	}
	fresh := get(store, "rotor")
	after := read(t, path)
	switch {
	case fresh == oldToken || len(fresh) != 64:
		t.Errorf("the keyring's rotor is not a new 64-character token")
	case get(store, "rotor.previous") != oldToken:
		t.Errorf("rotor.previous is not the old token")
	case !strings.Contains(after, fresh) || strings.Contains(after, oldToken):
		t.Errorf("the config does not hold the new token alone:\n%s", after)
	case strings.Replace(after, fresh, oldToken, 1) != before:
		t.Errorf("the rotation changed more than the token:\n--- before\n%s--- after\n%s", before, after)
	case rot.Result.Backup == "" || read(t, rot.Result.Backup) != before:
		t.Errorf("no backup of the previous version")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode after the rotation: %v %v, want 0600 (the file holds a token)", st.Mode(), err)
	}
	// A second rotation before the first is confirmed would lose the
	// old token, which the Hub still takes.
	_, err = Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}})
	var pe *PendingError
	if !errors.As(err, &pe) || read(t, path) != after || get(store, "rotor") != fresh || get(store, "rotor.previous") != oldToken {
		t.Errorf("a second rotation: %v, want a PendingError and nothing changed", err)
	}
}

func TestRotateDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	path, store := rotorConfig(t, provision.TokenLiteral)
	before := read(t, path)
	rot, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{DryRun: true, Version: v30}})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := store.List()
	if read(t, path) != before || !slices.Equal(names, []string{"rotor"}) || get(store, "rotor") != oldToken {
		t.Errorf("--dry-run changed something: keyring %v", names)
	}
	if !strings.Contains(string(rot.Result.New), "'api_token': '") || string(rot.Result.New) == before {
		t.Errorf("the dry run's result has no new token:\n%s", rot.Result.New)
	}
}

// editingStore changes the config when NAME.previous is stored: another
// hubctl edits the service between the read and the write.
type editingStore struct {
	*tokens.Memory
	path string
}

func (s *editingStore) Set(name, secret string) error {
	if err := s.Memory.Set(name, secret); err != nil {
		return err
	}
	if name == "rotor.previous" {
		src, err := os.ReadFile(s.path)
		if err != nil {
			return err
		}
		return os.WriteFile(s.path, []byte(strings.Replace(string(src), oldToken, strings.Repeat("e", 64), 1)), 0o600)
	}
	return nil
}

// failingStore refuses to store one name.
type failingStore struct {
	*tokens.Memory
	refuse string
}

func (s *failingStore) Set(name, secret string) error {
	if name == s.refuse {
		return errors.New("the keyring is locked")
	}
	return s.Memory.Set(name, secret)
}

func TestRotateFailuresLoseNothing(t *testing.T) {
	t.Parallel()
	t.Run("keeping the old token fails", func(t *testing.T) {
		path, mem := rotorConfig(t, provision.TokenLiteral)
		before := read(t, path)
		_, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: &failingStore{mem, "rotor.previous"}, Edit: provision.EditOptions{Version: v30}})
		if err == nil || !strings.Contains(err.Error(), "nothing was changed") || read(t, path) != before || get(mem, "rotor") != oldToken {
			t.Errorf("err %v; the config or the keyring changed", err)
		}
	})
	t.Run("the config write fails", func(t *testing.T) {
		path, mem := rotorConfig(t, provision.TokenLiteral)
		_, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: &editingStore{mem, path}, Edit: provision.EditOptions{Version: v30}})
		names, _ := mem.List()
		if err == nil || !strings.Contains(err.Error(), "changed while hubctl was reading it") || !slices.Equal(names, []string{"rotor"}) || get(mem, "rotor") != oldToken {
			t.Errorf("err %v; keyring %v, want rotor alone and unchanged", err, names)
		}
	})
	t.Run("storing the new token fails", func(t *testing.T) {
		path, mem := rotorConfig(t, provision.TokenLiteral)
		_, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: &failingStore{mem, "rotor"}, Edit: provision.EditOptions{Version: v30}})
		var he *tokens.HintError
		if !errors.As(err, &he) || !strings.Contains(he.Hint(), "--confirm") || get(mem, "rotor.previous") != oldToken || strings.Contains(read(t, path), oldToken) {
			t.Fatalf("err %v: want the config rotated, the old token kept and a hint to --confirm", err)
		}
		// --confirm takes the new token from the config and stores it.
		fh := fakehub.New(fakehub.Options{})
		t.Cleanup(fh.Close)
		cfg, _ := provision.Read(context.Background(), path)
		m, _ := cfg.Managed()
		fresh := m.Services[0].APIToken
		fh.AddToken(fresh, fakehub.Owner{Kind: "service", Name: "rotor"})
		res, err := Confirm(context.Background(), ConfirmOptions{Config: path, Name: "rotor", Store: mem, URL: fh.URL(), ClientFor: clientFor(fh)})
		if err != nil || !res.Stored || get(mem, "rotor") != fresh {
			t.Errorf("confirm: %v %+v; the keyring's rotor is the new token: %t", err, res, get(mem, "rotor") == fresh)
		}
	})
}

func TestRotateEnvFormWritesOnlyTheKeyring(t *testing.T) {
	t.Parallel()
	path, store := rotorConfig(t, provision.TokenEnv)
	before := read(t, path)
	rot, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}})
	if err != nil {
		t.Fatal(err)
	}
	if read(t, path) != before || rot.EnvVar != "HUBCTL_TOKEN_ROTOR" || !rot.KeptPrevious ||
		get(store, "rotor.previous") != oldToken || get(store, "rotor") == oldToken {
		t.Errorf("env form: %+v; the config changed %t", rot, read(t, path) != before)
	}
}

func TestRotateRefusesWhatItCannotRotate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "jupyterhub_config.py")
	src := "c = get_config()  # noqa\nc.JupyterHub.services = [{'name': 'hand', 'api_token': '" + oldToken + "'}]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := provision.AddService(context.Background(), path, provision.Service{Name: "managed", Command: []string{"python3", "-m", "x"}}, nil,
		provision.AddOptions{EditOptions: provision.EditOptions{Version: v30}}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"hand": "is hand-written", "managed": "has no api_token", "nope": "has no service named"} {
		_, err := Rotate(context.Background(), RotateOptions{Config: path, Name: name, Store: tokens.NewMemory(), Edit: provision.EditOptions{Version: v30}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name             string
		knowNew, keepOld bool
		want             string // "" for success
	}{
		{"confirmed", true, false, ""},
		{"old still valid", true, true, "but the old one too"},
		{"not restarted", false, true, "does not accept the new token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, store := rotorConfig(t, provision.TokenLiteral)
			if _, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}}); err != nil {
				t.Fatal(err)
			}
			fh := fakehub.New(fakehub.Options{Version: "5.2.1"})
			t.Cleanup(fh.Close)
			if tt.knowNew {
				fh.AddToken(get(store, "rotor"), fakehub.Owner{Kind: "service", Name: "rotor"})
			}
			if tt.keepOld {
				fh.AddToken(oldToken, fakehub.Owner{Kind: "service", Name: "rotor"})
			}
			res, err := Confirm(context.Background(), ConfirmOptions{Config: path, Name: "rotor", Store: store, URL: fh.URL(), ClientFor: clientFor(fh)})
			if tt.want == "" {
				if err != nil || res.Identity.Name != "rotor" || res.HubVersion != "5.2.1" || get(store, "rotor.previous") != "" {
					t.Errorf("%v %+v; rotor.previous left %t", err, res, get(store, "rotor.previous") != "")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || get(store, "rotor.previous") != oldToken {
				t.Errorf("%v, want %q and rotor.previous kept", err, tt.want)
			}
			for _, tok := range []string{oldToken, get(store, "rotor")} {
				if strings.Contains(err.Error(), tok) {
					t.Errorf("the error holds a token: %v", err)
				}
			}
		})
	}
}

// hubModel is what a Hub's start does with the config's service tokens
// (hub/rotate.go): a service's api_token is added, never removed; a
// service no longer in the config loses all its tokens.
type hubModel struct {
	fh    *fakehub.Hub
	path  string
	added map[string][]string // service -> tokens the Hub has for it
	fail  map[int]error       // restart number -> its failure
	n     int
	seen  []string // the services of the config at each restart
}

func (m *hubModel) restart(ctx context.Context) error {
	m.n++
	if err := m.fail[m.n]; err != nil {
		return err
	}
	cfg, err := provision.Read(ctx, m.path)
	if err != nil {
		return err
	}
	block, err := cfg.Managed()
	if err != nil {
		return err
	}
	present := map[string]string{}
	var names []string
	for _, s := range block.Services {
		present[s.Name] = s.APIToken
		names = append(names, s.Name)
	}
	m.seen = append(m.seen, strings.Join(names, ","))
	for name, toks := range m.added {
		if _, ok := present[name]; !ok {
			for _, tok := range toks {
				m.fh.RemoveToken(tok)
			}
			delete(m.added, name)
		}
	}
	for name, tok := range present {
		if !slices.Contains(m.added[name], tok) {
			m.fh.AddToken(tok, fakehub.Owner{Kind: "service", Name: name})
			m.added[name] = append(m.added[name], tok)
		}
	}
	return nil
}

func TestRevokeOld(t *testing.T) {
	t.Parallel()
	path, store := rotorConfig(t, provision.TokenLiteral)
	fh := fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	model := &hubModel{fh: fh, path: path, added: map[string][]string{}}
	if err := model.restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}}); err != nil {
		t.Fatal(err)
	}
	rotated := read(t, path)
	if err := model.restart(context.Background()); err != nil { // the plain restart: both tokens work
		t.Fatal(err)
	}
	var said []string
	res, err := RevokeOld(context.Background(), RevokeOptions{Config: path, Name: "rotor", Plan: plan(t, path), Store: store, URL: fh.URL(), ClientFor: clientFor(fh),
		Edit: provision.EditOptions{Version: v30}, Restart: model.restart, Say: func(s string) { said = append(said, s) }})
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(said, "\n"))
	}
	if !slices.Equal(model.seen, []string{"rotor", "rotor", "", "rotor"}) {
		t.Errorf("the services at each start: %q, want the last two without and with rotor", model.seen)
	}
	if read(t, path) != rotated || res.Identity.Name != "rotor" || get(store, "rotor.previous") != "" {
		t.Errorf("after the sequence: block back %t, %+v, rotor.previous left %t", read(t, path) == rotated, res, get(store, "rotor.previous") != "")
	}
	if len(said) < 6 || !strings.HasPrefix(said[0], "step 1/6") {
		t.Errorf("the steps said:\n%s", strings.Join(said, "\n"))
	}
}

func TestRevokeOldPutsTheServiceBackWhenAStepFails(t *testing.T) {
	t.Parallel()
	for _, failAt := range []int{1, 2} {
		path, store := rotorConfig(t, provision.TokenLiteral)
		fh := fakehub.New(fakehub.Options{})
		t.Cleanup(fh.Close)
		model := &hubModel{fh: fh, path: path, added: map[string][]string{}}
		_ = model.restart(context.Background())
		if _, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}}); err != nil {
			t.Fatal(err)
		}
		rotated := read(t, path)
		_ = model.restart(context.Background())
		model.fail = map[int]error{model.n + failAt: errors.New("exit status 1")}
		_, err := RevokeOld(context.Background(), RevokeOptions{Config: path, Name: "rotor", Plan: plan(t, path), Store: store, URL: fh.URL(), ClientFor: clientFor(fh),
			Edit: provision.EditOptions{Version: v30}, Restart: model.restart})
		var re *RevokeError
		want := map[int]string{1: "step 2/6", 2: "step 5/6"}[failAt]
		if !errors.As(err, &re) || !strings.HasPrefix(re.Step, want) || !strings.Contains(re.State, "rotor.previous") {
			t.Errorf("restart %d fails: %v, want a RevokeError at %s that names the keyring's state", failAt, err, want)
		}
		if read(t, path) != rotated || get(store, "rotor.previous") != oldToken {
			t.Errorf("restart %d fails: the block is back %t, rotor.previous kept %t", failAt, read(t, path) == rotated, get(store, "rotor.previous") == oldToken)
		}
	}
}

func TestPlanRevokeRefusesAHandWrittenRoleNamingTheService(t *testing.T) {
	t.Parallel()
	path, _ := rotorConfig(t, provision.TokenLiteral)
	src := read(t, path) + "c.JupyterHub.load_roles.append({'name': 'extra', 'scopes': ['read:users'], 'services': ['rotor']})\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := PlanRevoke(context.Background(), path, "rotor"); err == nil || !strings.Contains(err.Error(), `hand-written role "extra"`) {
		t.Errorf("%v, want a refusal naming the role", err)
	}
}

// clientFor is what cmd/hubctl gives Confirm and RevokeOld: a client of
// the fake Hub with a token.
func clientFor(fh *fakehub.Hub) func(string) (*cull.Client, error) {
	return func(token string) (*cull.Client, error) {
		return cull.NewClient(cull.ClientConfig{URL: fh.URL(), Token: token})
	}
}

// plan is PlanRevoke's plan of rotor, as cmd/hubctl passes it to RevokeOld.
func plan(t *testing.T, path string) *Plan {
	t.Helper()
	p, err := PlanRevoke(context.Background(), path, "rotor")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRevokeOldRefusesAStalePlan: a plan read before the service's token
// changed would revoke with the wrong token; step 1 refuses it untouched.
func TestRevokeOldRefusesAStalePlan(t *testing.T) {
	t.Parallel()
	path, store := rotorConfig(t, provision.TokenLiteral)
	fh := fakehub.New(fakehub.Options{})
	t.Cleanup(fh.Close)
	stale := plan(t, path)
	if _, err := Rotate(context.Background(), RotateOptions{Config: path, Name: "rotor", Store: store, Edit: provision.EditOptions{Version: v30}}); err != nil {
		t.Fatal(err)
	}
	rotated := read(t, path)
	restarts := 0
	_, err := RevokeOld(context.Background(), RevokeOptions{Config: path, Name: "rotor", Plan: stale, Store: store, URL: fh.URL(), ClientFor: clientFor(fh),
		Edit: provision.EditOptions{Version: v30}, Restart: func(context.Context) error { restarts++; return nil }})
	if err == nil || !strings.Contains(err.Error(), "changed since hubctl read it") || restarts != 0 || read(t, path) != rotated {
		t.Errorf("stale plan: %v, %d restarts, config unchanged %t", err, restarts, read(t, path) == rotated)
	}
}
