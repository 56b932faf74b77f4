package provision

import "testing"

func TestRunsHubctlCull(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want bool
	}{
		{[]string{"hubctl", "cull"}, true},
		{[]string{"/usr/local/bin/hubctl", "cull", "--timeout=60"}, true},
		{[]string{"./hubctl", "cull"}, true},
		{nil, false},
		{[]string{"hubctl"}, false},
		{[]string{"hubctl", "token", "cull"}, false},
		{[]string{"myhubctl", "cull"}, false},
		{[]string{"hubctl-cull"}, false},
		{[]string{"sh", "-c", "hubctl cull"}, false},
		{[]string{"python3", "-m", "jupyterhub_idle_culler"}, false},
	} {
		s := Service{Name: "svc", Command: tc.cmd}
		if got := s.RunsHubctlCull(); got != tc.want {
			t.Errorf("Service{Command: %q}.RunsHubctlCull() = %v, want %v", tc.cmd, got, tc.want)
		}
	}
}
