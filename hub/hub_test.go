package hub

import "testing"

func TestRoleName(t *testing.T) {
	if got := RoleName("cull-idle"); got != "cull-idle-role" {
		t.Errorf("RoleName(cull-idle) = %q", got)
	}
}
