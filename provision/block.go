package provision

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hubctl/hubctl/pyconfig"
	"github.com/hubctl/hubctl/templates"
)

// hubctl owns one block of the config file, between these marker lines, and
// nothing else in it.
const (
	blockBegin   = "# >>> hubctl managed block >>>"
	blockEnd     = "# <<< hubctl managed block <<<"
	blockOSAlias = "_hubctl_os"
)

var leadRE = regexp.MustCompile(`^# hubctl-block: v1 lead=([0-2])$`)

// blockSpan is where hubctl's block sits in a file.
type blockSpan struct {
	start, end         int // byte offsets: start of the begin line, end of the end line (with its line end)
	beginLine, endLine int // 1-based
	lead               int // line ends hubctl inserted before start
}

// lineEnd is the file's line ending: CRLF if its first line ends so.
func lineEnd(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// findBlock locates the managed block, refusing a damaged one.
func findBlock(path string, src []byte) (*blockSpan, error) {
	var span *blockSpan
	offset, line := 0, 0
	for offset < len(src) {
		line++
		next := bytes.IndexByte(src[offset:], '\n')
		end := len(src)
		if next >= 0 {
			end = offset + next + 1
		}
		text := strings.TrimRight(string(src[offset:end]), "\r\n")
		switch {
		case text == blockBegin:
			if span != nil {
				return nil, &pyconfig.ParseError{Pos: pyconfig.Pos{File: path, Line: line, Col: 1}, Msg: "a second hubctl block begins here; keep one (compare with the backup, " + path + ".hubctl.bak)"}
			}
			span = &blockSpan{start: offset, beginLine: line, lead: -1}
		case span != nil && span.endLine == 0 && leadRE.MatchString(text):
			span.lead, _ = strconv.Atoi(leadRE.FindStringSubmatch(text)[1])
		case text == blockEnd:
			if span == nil || span.endLine != 0 {
				return nil, &pyconfig.ParseError{Pos: pyconfig.Pos{File: path, Line: line, Col: 1}, Msg: "hubctl's block ends here but does not begin above; it was edited by hand"}
			}
			span.end, span.endLine = end, line
		}
		offset = end
	}
	if span == nil {
		return nil, nil
	}
	if span.endLine == 0 {
		return nil, &pyconfig.ParseError{Pos: pyconfig.Pos{File: path, Line: span.beginLine, Col: 1}, Msg: "hubctl's block begins here but never ends; it was edited by hand (the previous version is in " + path + ".hubctl.bak)"}
	}
	if span.lead < 0 {
		return nil, &pyconfig.ParseError{Pos: pyconfig.Pos{File: path, Line: span.beginLine, Col: 1}, Msg: "hubctl's block lost its '# hubctl-block: v1' line; it was edited by hand"}
	}
	for i := 0; i < span.lead; i++ {
		eol := lineEnd(src)
		if !bytes.HasSuffix(src[:span.start-i*len(eol)], []byte(eol)) {
			return nil, &pyconfig.ParseError{Pos: pyconfig.Pos{File: path, Line: span.beginLine, Col: 1}, Msg: "the lines before hubctl's block were changed by hand; hubctl cannot tell what it added"}
		}
	}
	return span, nil
}

// Managed is what hubctl's block holds.
type Managed struct {
	Services []Service
	Roles    []Role
}

// Only is the part of the block about these services: the services, and
// the roles that name any of them (`config render --service`).
func (m *Managed) Only(names []string) Managed {
	var keep Managed
	for _, s := range m.Services {
		if slices.Contains(names, s.Name) {
			keep.Services = append(keep.Services, s)
		}
	}
	for _, r := range m.Roles {
		if slices.ContainsFunc(r.Services, func(s string) bool { return slices.Contains(names, s) }) {
			keep.Roles = append(keep.Roles, r)
		}
	}
	return keep
}

// Service returns the managed service called name.
func (m *Managed) Service(name string) (*Service, int) {
	for i := range m.Services {
		if m.Services[i].Name == name {
			return &m.Services[i], i
		}
	}
	return nil, -1
}

// inBlock reports whether a value was written inside hubctl's block.
func (cfg *Config) inBlock(p pyconfig.Pos) bool {
	return cfg.block != nil && p.Line > cfg.block.beginLine && p.Line < cfg.block.endLine
}

// Managed reads hubctl's block back. A block that does not render back to
// exactly itself was edited by hand: hubctl refuses it, saying where.
func (cfg *Config) Managed() (Managed, error) {
	var m Managed
	if cfg.block == nil {
		return m, nil
	}
	for i := range cfg.Services {
		if cfg.inBlock(cfg.Services[i].Pos) {
			s, err := serviceFromValue(&cfg.Services[i], true)
			if err != nil {
				return m, cfg.handEdited(err.Error())
			}
			m.Services = append(m.Services, s)
		}
	}
	for i := range cfg.Roles {
		if cfg.inBlock(cfg.Roles[i].Pos) {
			r, err := roleFromValue(&cfg.Roles[i], true)
			if err != nil {
				return m, cfg.handEdited(err.Error())
			}
			m.Roles = append(m.Roles, r)
		}
	}
	text, err := m.render(cfg.block.lead, lineEnd(cfg.Src))
	if err != nil {
		return m, cfg.handEdited(err.Error())
	}
	have := string(cfg.Src[cfg.block.start:cfg.block.end])
	if text != have && text != strings.TrimSuffix(have, lineEnd(cfg.Src))+lineEnd(cfg.Src) {
		wantLines, haveLines := strings.Split(text, "\n"), strings.Split(have, "\n")
		line := cfg.block.beginLine
		for i := 0; i < len(wantLines) && i < len(haveLines) && wantLines[i] == haveLines[i]; i++ {
			line++
		}
		return m, &pyconfig.ParseError{Pos: pyconfig.Pos{File: cfg.Path, Line: line, Col: 1},
			Msg: "hubctl's block was edited by hand here and hubctl will not guess what was meant; undo the edit (the previous version is in " + cfg.Path + ".hubctl.bak) or move the entry out of the block"}
	}
	return m, nil
}

func (cfg *Config) handEdited(msg string) error {
	return &pyconfig.ParseError{Pos: pyconfig.Pos{File: cfg.Path, Line: cfg.block.beginLine, Col: 1},
		Msg: "hubctl's block was edited by hand into something hubctl cannot read back (" + msg + "); undo the edit or restore " + cfg.Path + ".hubctl.bak"}
}

// render writes the block with the given lead and line end.
func (m *Managed) render(lead int, eol string) (string, error) {
	d := templates.BlockData{Lead: lead}
	for i := range m.Services {
		d.Services = append(d.Services, m.Services[i].dict())
		d.ImportOS = d.ImportOS || m.Services[i].Token == TokenEnv
	}
	for i := range m.Roles {
		d.Roles = append(d.Roles, m.Roles[i].dict())
		d.AdminRole = d.AdminRole || m.Roles[i].Name == AdminRole
	}
	text, err := templates.RenderBlock(d)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(text, "\n", eol), nil
}

// NewFileHeader is what hubctl writes when it creates a config file.
const NewFileHeader = "c = get_config()  # noqa\n"

// WithManaged returns the file's bytes with hubctl's block holding m: the
// block replaced in place, appended at the end, or, when m is empty,
// removed with the line ends hubctl added before it. Every byte outside the
// block is kept.
func (cfg *Config) WithManaged(m Managed) ([]byte, error) {
	src := cfg.Src
	if cfg.Src == nil {
		src = []byte(NewFileHeader)
	}
	eol := lineEnd(src)
	empty := len(m.Services) == 0 && len(m.Roles) == 0
	if cfg.block != nil {
		before := src[:cfg.block.start]
		after := src[cfg.block.end:]
		if empty {
			return append(append([]byte{}, before[:len(before)-cfg.block.lead*len(eol)]...), after...), nil
		}
		text, err := m.render(cfg.block.lead, eol)
		if err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(src[cfg.block.start:cfg.block.end], []byte(eol)) {
			text = strings.TrimSuffix(text, eol) // the block ended the file without a line end
		}
		return append(append(append([]byte{}, before...), text...), after...), nil
	}
	if empty {
		return src, nil
	}
	lead := 0
	switch {
	case len(src) == 0:
	case bytes.HasSuffix(src, []byte(eol)):
		lead = 1 // a blank line before the block
	default:
		lead = 2 // end the last line, then a blank line
	}
	text, err := m.render(lead, eol)
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, src...)
	out = append(out, strings.Repeat(eol, lead)...)
	return append(out, text...), nil
}

// Render writes the block alone, as `hubctl config render` prints it.
func (m *Managed) Render() (string, error) { return m.render(0, "\n") }

// FoundService is a service found in the file, hubctl's or hand-written.
type FoundService struct {
	Service Service
	Managed bool
	Pos     pyconfig.Pos
}

// AllServices lists every service the file sets that hubctl can read, in
// order; unreadable fields are left empty.
func (cfg *Config) AllServices() []FoundService {
	var out []FoundService
	for i := range cfg.Services {
		s, _ := serviceFromValue(&cfg.Services[i], false)
		out = append(out, FoundService{Service: s, Managed: cfg.inBlock(cfg.Services[i].Pos), Pos: cfg.Services[i].Pos})
	}
	return out
}

// AllRoles lists every role the file sets that hubctl can read.
func (cfg *Config) AllRoles() []Role {
	var out []Role
	for i := range cfg.Roles {
		r, _ := roleFromValue(&cfg.Roles[i], false)
		out = append(out, r)
	}
	return out
}
