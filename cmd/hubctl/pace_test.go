package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestCullPacesByDefault: `hubctl cull` paces its requests unless the
// hidden diagnostic --pace=false says not to (docs/benchmarks.md compares
// the two), and --help does not offer it.
func TestCullPacesByDefault(t *testing.T) {
	t.Parallel()
	paced := func(args ...string) bool {
		app := newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, environ: func(string) (string, bool) { return "", false }})
		var got bool
		for _, c := range app.Commands {
			if c.Name == "cull" {
				c.Action = func(c *cli.Context) error {
					o, err := cullOptionsFrom(c)
					got = o.pace
					return err
				}
			}
		}
		if err := app.RunContext(t.Context(), interspersed(app, append([]string{"hubctl", "cull"}, args...))); err != nil {
			t.Fatalf("hubctl cull %q: %v", args, err)
		}
		return got
	}
	if !paced() || !paced("--pace") || paced("--pace=false") {
		t.Errorf("paced: default %v, --pace %v, --pace=false %v; want true, true, false", paced(), paced("--pace"), paced("--pace=false"))
	}
	r := runCLI(t, nil, "", "cull", "--help")
	if strings.Contains(r.stdout+r.stderr, "pace") {
		t.Errorf("cull --help shows the diagnostic --pace:\n%s", r.stdout)
	}
}
