package templates

import (
	_ "embed"
	"strings"
	"text/template"
)

//go:embed block.py.tmpl
var blockTemplate string

var block = template.Must(template.New("block").Parse(blockTemplate))

// BlockData is what hubctl's managed block in jupyterhub_config.py holds.
type BlockData struct {
	Lead     int  // line ends hubctl put before the block, removed with it
	ImportOS bool // a token is read from the environment
	Services []any
	Roles    []any
	// AdminRole: one of Roles is JupyterHub's admin role, which the block
	// then explains (it lists its services exactly).
	AdminRole bool
}

// RenderBlock renders the managed block with "\n" line ends.
func RenderBlock(d BlockData) (string, error) {
	services, err := PyLiteralIndent(d.Services, "")
	if err != nil {
		return "", err
	}
	roles := ""
	if len(d.Roles) > 0 {
		if roles, err = PyLiteralIndent(d.Roles, ""); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	err = block.Execute(&b, struct {
		Lead      int
		ImportOS  bool
		Services  string
		Roles     string
		AdminRole bool
	}{d.Lead, d.ImportOS, services, roles, d.AdminRole})
	return b.String(), err
}

// TraitletsDump is a Python script that loads a config file with the real
// traitlets loader, as JupyterHub does, and prints the JupyterHub section's
// services, load_roles and api_tokens as JSON. `hubctl config validate
// --python` runs it in a subprocess; tests use it as their oracle.
//
//go:embed traitlets_dump.py
var TraitletsDump string
