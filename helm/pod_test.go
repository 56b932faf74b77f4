package helm

import (
	"slices"
	"testing"

	"github.com/hubctl/hubctl/provision"
)

func TestForPod(t *testing.T) {
	t.Parallel()
	m := provision.Managed{Services: []provision.Service{
		{Name: "cull-idle", Command: []string{"/home/me/Downloads/hubctl", "cull", "--timeout=3600"}},
		{Name: "own-url", Command: []string{"hubctl", "cull", "--url=http://hub:8081/hub/api"}},
		{Name: "own-url2", Command: []string{"./hubctl", "cull", "--url", "http://hub:8081/hub/api"}},
		{Name: "tokens", Command: []string{"/home/me/hubctl", "token", "list"}},
		{Name: "grader", Command: []string{"/home/me/bin/grader", "--port=8000"}},
		{Name: "web", URL: "http://web:8000"},
	}}
	orig := slices.Clone(m.Services[0].Command)
	got := ForPod(m, "/opt/hubctl")
	want := [][]string{
		{"/opt/hubctl", "cull", "--timeout=3600", "--url=http://localhost:8081/hub/api"},
		{"/opt/hubctl", "cull", "--url=http://hub:8081/hub/api"},
		{"/opt/hubctl", "cull", "--url", "http://hub:8081/hub/api"},
		{"/opt/hubctl", "token", "list"},
		{"/home/me/bin/grader", "--port=8000"},
		nil,
	}
	for i, s := range got.Services {
		if !slices.Equal(s.Command, want[i]) {
			t.Errorf("%s: %q, want %q", s.Name, s.Command, want[i])
		}
	}
	if !slices.Equal(m.Services[0].Command, orig) {
		t.Errorf("ForPod changed its argument: %q", m.Services[0].Command)
	}
}
