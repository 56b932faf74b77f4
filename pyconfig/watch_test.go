package pyconfig

import (
	"reflect"
	"strings"
	"testing"
)

// TestWatchedTraits: the reader records the traits its caller names, of any
// section, lists and dicts alike, and nothing about the others.
func TestWatchedTraits(t *testing.T) {
	src := "c = get_config()\n" +
		"c.Spawner.args = ['--a']\n" +
		"c.Spawner.args.append('--b')\n" +
		"c.Spawner.args.extend(['--c'])\n" +
		"c.Spawner.args += ['--d']\n" +
		"c.Authenticator.admin_users.update({'x': 1})\n" +
		"c.Authenticator.admin_users += {'y': 2}\n" +
		"foo(c.Spawner.args)\n" +
		"c.JupyterHub.services = [{'name': 'not watched'}]\n" +
		"bar(c.JupyterHub.services)\n"
	opts := ReadOptions{Watch: []Trait{{Section: "Spawner", Name: "args"}, {Section: "Authenticator", Name: "admin_users", Dict: true}}}
	f, err := ParseInProcess("w.py", []byte(src), opts)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, v := range f.Entries[0] {
		if v.Kind == KindStr {
			args = append(args, v.Str)
		} else {
			args = append(args, "unknown")
		}
	}
	if want := []string{"--a", "--b", "--c", "--d", "unknown"}; !reflect.DeepEqual(args, want) {
		t.Errorf("c.Spawner.args: %v, want %v", args, want)
	}
	var users []string
	for _, v := range f.Entries[1] {
		users = append(users, v.Str)
	}
	if want := []string{"x", "y"}; !reflect.DeepEqual(users, want) {
		t.Errorf("c.Authenticator.admin_users: %v, want %v", users, want)
	}
	var got []string
	for _, d := range f.Warnings {
		got = append(got, d.Pos.String()+" "+string(d.Fact)+" "+d.Msg)
	}
	want := []string{
		"w.py:7:1 lazy-operand c.Authenticator.admin_users +=: a dict has no +; JupyterHub stops with a TypeError",
		"w.py:8:1  c.Spawner.args is changed by a call hubctl does not evaluate; what it sets is unknown to hubctl",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWatchedSetAndScalar: a set trait takes a set, list or tuple and
// .add/.update; a scalar trait's one entry is the value last assigned; + on
// either is not followed.
func TestWatchedSetAndScalar(t *testing.T) {
	src := "c = get_config()\n" +
		"c.Authenticator.admin_users = {'ann'}\n" +
		"c.Authenticator.admin_users.add('bob')\n" +
		"c.Authenticator.admin_users.update(['cy', 'di'])\n" +
		"c.Authenticator.allow_all = False\n" +
		"c.Authenticator.allow_all = True\n" +
		"c.Authenticator.allow_all.add('x')\n" +
		"c.Authenticator.allow_all = True\n"
	opts := ReadOptions{Watch: []Trait{{Section: "Authenticator", Name: "admin_users", Set: true}, {Section: "Authenticator", Name: "allow_all", Scalar: true}}}
	f, err := ParseInProcess("s.py", []byte(src), opts)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, v := range f.Entries[0] {
		users = append(users, v.Str)
	}
	if want := []string{"ann", "bob", "cy", "di"}; !reflect.DeepEqual(users, want) {
		t.Errorf("admin_users: %v, want %v", users, want)
	}
	if len(f.Entries[1]) != 1 || f.Entries[1][0].Kind != KindBool || !f.Entries[1][0].Bool || f.Entries[1][0].Pos.Line != 8 {
		t.Errorf("allow_all: %+v, want the True of line 8 (an unknown at 7 replaced the True of 6)", f.Entries[1])
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Pos.Line != 7 {
		t.Errorf("warnings: %+v, want one about line 7", f.Warnings)
	}
}
