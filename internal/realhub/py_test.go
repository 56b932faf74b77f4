package realhub

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// py's literals read back in CPython as the same string: quotes,
// backslashes, controls, NUL and non-ASCII included.
func TestPyLiteral(t *testing.T) {
	V30.Require(t)
	for _, s := range []string{"", "/tmp/dir/config.py", "it's", `back\slash\`, "new\nline\r\x00\x7f", "é 😀 \u2028 \U0010ffff"} {
		lit := py(s)
		out, err := exec.Command("/usr/bin/python3", "-I", "-c", "import sys, json; sys.stdout.write(json.dumps(eval(sys.argv[1])))", lit).Output()
		if err != nil {
			t.Fatalf("python3 cannot read %s: %v", lit, err)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil || got != s {
			t.Errorf("py(%q) = %s; python3 reads it as %q (%v)", s, lit, got, err)
		}
	}
}
