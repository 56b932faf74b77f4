package hub

import "testing"

func TestParseVersion(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Version
	}{
		{"3.0.0", Version{3, 0, 0}},
		{"5.2.1", Version{5, 2, 1}},
		{"4.1.6", Version{4, 1, 6}},
		{"6.0.0b2", Version{6, 0, 0}},
		{"5.0.0rc1", Version{5, 0, 0}},
		{"3.1.0a1", Version{3, 1, 0}},
		{"4.1.0.dev0", Version{4, 1, 0}}, // pip's normal form
		{"4.1.0.dev", Version{4, 1, 0}},  // JupyterHub's own __version__ of a dev build
		{"0.1.0b1.dev", Version{0, 1, 0}},
		{"1.2.0.dev", Version{1, 2, 0}},
		{"1.5.0.post1", Version{1, 5, 0}},
		{"3.0", Version{3, 0, 0}},
		{"v5.5.1", Version{5, 5, 1}},
		{" 5.5.1\n", Version{5, 5, 1}},
		{"3.0.0+ds1", Version{3, 0, 0}}, // Debian
		{"10.20.30", Version{10, 20, 30}},
	} {
		got, err := ParseVersion(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "3", "x.y.z", "3.x", "-1.0.0", "3.0.0.0", "3..0", "5.2.1 extra", "jupyterhub 5.2.1",
		"6.0.0beta", "3.0.0-1", "1.2.0-custom", "12345.0.0", "3.0.0+", "5.2.1\x00"} {
		if v, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", in, v)
		}
	}
}

func TestVersionString(t *testing.T) {
	if s := (Version{5, 2, 1}).String(); s != "5.2.1" {
		t.Errorf("String() = %q", s)
	}
	if s := mustVersion(t, "3.0").String(); s != "3.0.0" {
		t.Errorf("String() = %q", s)
	}
}

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		v            Version
		major, minor int
		want         bool
	}{
		{Version{5, 2, 1}, 5, 2, true},
		{Version{5, 2, 1}, 5, 1, true},
		{Version{5, 2, 1}, 5, 3, false},
		{Version{5, 2, 1}, 4, 9, true},
		{Version{5, 2, 1}, 6, 0, false},
		{Version{1, 3, 0}, 1, 3, true},
		{Version{1, 2, 9}, 1, 3, false}, // the patch never lifts a minor
		{Version{2, 0, 0}, 1, 99, true},
		{Version{0, 9, 0}, 1, 0, false},
		{Version{10, 0, 0}, 9, 10, true},
	} {
		if got := c.v.AtLeast(c.major, c.minor); got != c.want {
			t.Errorf("%v.AtLeast(%d, %d) = %v, want %v", c.v, c.major, c.minor, got, c.want)
		}
	}
}

func TestVersionFacts(t *testing.T) {
	if NewestStable != (Version{5, 5, 1}) {
		t.Errorf("NewestStable = %v", NewestStable)
	}
	for _, c := range []struct {
		v                 string
		rbac, stateFilter bool
	}{
		{"1.2.0", false, false},
		{"1.2.0.dev", false, false},
		{"1.3.0", false, true},
		{"1.5.0", false, true},
		{"2.0.0", true, true},
		{"2.0.0rc2", true, true},
		{"3.0.0", true, true},
		{"6.0.0b2", true, true},
	} {
		v := mustVersion(t, c.v)
		if got := HasRBAC(v); got != c.rbac {
			t.Errorf("HasRBAC(%s) = %v", c.v, got)
		}
		if got := HasStateFilter(v); got != c.stateFilter {
			t.Errorf("HasStateFilter(%s) = %v", c.v, got)
		}
	}
}
