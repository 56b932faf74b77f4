package cull

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// User is the part of the Hub's user model the culler needs. It is kept
// small on purpose: a pass over a large Hub holds only the users it acts on.
type User struct {
	Name         string
	Admin        bool
	Groups       []string // nil when the Hub's reply has none (no read:users:groups)
	Created      Time
	LastActivity Time
	Servers      []Server
}

// Server is the part of the Hub's server model the culler needs. Name is ""
// for the default server.
type Server struct {
	Name         string
	Ready        bool
	Pending      string
	Started      Time
	LastActivity Time
	Profile      string // user_options.profile, as KubeSpawner's profiles set it; "" = none
}

// Time is a timestamp from the Hub together with how it arrived, because the
// culler treats "never active" (null) and "could not read" differently.
type Time struct {
	T     time.Time
	State TimeState
}

// TimeState says whether a Time was absent, null, readable or unreadable.
type TimeState uint8

const (
	TimeAbsent  TimeState = iota // the key was not in the model
	TimeNull                     // null: e.g. a server never active
	TimeValid                    // parsed
	TimeInvalid                  // present but not a timestamp hubctl can read
)

// UnmarshalJSON reads a Hub timestamp or null; anything else is kept as
// TimeInvalid rather than failing the whole page.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{State: TimeNull}
		return nil
	}
	// The Hub's timestamps need no unescaping; anything else goes through
	// the full decoder.
	var s string
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		s = string(b[1 : len(b)-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		*t = Time{State: TimeInvalid}
		return nil
	}
	parsed, ok := ParseTime(s)
	if !ok {
		*t = Time{State: TimeInvalid}
		return nil
	}
	*t = Time{T: parsed, State: TimeValid}
	return nil
}

// naiveLayout is an ISO 8601 time without a zone, which the Hub's older
// versions wrote and which means UTC.
const naiveLayout = "2006-01-02T15:04:05.999999999"

// ParseTime reads the timestamps JupyterHub writes: ISO 8601 with or without
// fractional seconds, with "Z", an offset, or no zone at all (UTC).
func ParseTime(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05") || len(s) > 64 || s[10] != 'T' && s[10] != 't' {
		return time.Time{}, false
	}
	if s[10] == 't' {
		s = s[:10] + "T" + s[11:]
	}
	if last := s[len(s)-1]; last == 'z' {
		s = s[:len(s)-1] + "Z"
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if strings.ContainsAny(s[19:], "Z+-") {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(naiveLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// apiUser and apiServer are the JSON shapes decoded from GET /users; only the
// keys the policy reads are kept.
type apiUser struct {
	Name         string                `json:"name"`
	Admin        bool                  `json:"admin"`
	Groups       groupList             `json:"groups"`
	Created      Time                  `json:"created"`
	LastActivity Time                  `json:"last_activity"`
	Servers      map[string]*apiServer `json:"servers"`
}

type apiServer struct {
	Name         string    `json:"name"`
	URL          string    `json:"url"`      // for kernel checks: a path, or a full URL with subdomains
	FullURL      string    `json:"full_url"` // 5.0 on; null without public_url or subdomains
	Ready        *bool     `json:"ready"`
	Pending      string    `json:"pending"`
	Started      Time      `json:"started"`
	LastActivity Time      `json:"last_activity"`
	UserOptions  profileOf `json:"user_options"`
}

// profileOf is the profile of a server's user_options: a spawner's options
// are whatever the spawn request carried, so anything but a string profile
// in an object is no profile, not a page that fails to decode.
type profileOf string

func (p *profileOf) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || string(b) == "{}" {
		return nil
	}
	// The common options, a few plain strings ({"profile": "gpu"}), are
	// read without the decoder's allocations: a pass reads every server's.
	var key []byte
	n := 0
	if plainStrings(b, '{', '}', func(s []byte) {
		if n%2 == 0 {
			key = s
		} else if string(key) == "profile" {
			*p = profileOf(s)
		}
		n++
	}) {
		return nil
	}
	*p = ""
	var opts struct {
		Profile json.RawMessage `json:"profile"`
	}
	if json.Unmarshal(b, &opts) != nil {
		return nil
	}
	var s string
	if json.Unmarshal(opts.Profile, &s) == nil {
		*p = profileOf(s)
	}
	return nil
}

// groupList is a user's groups: nil when the reply has no "groups" (the
// token cannot read them), empty when the user is in none.
type groupList []string

// noGroups is the empty list every user in no group shares.
var noGroups = groupList{}

func (g *groupList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*g = nil
		return nil
	}
	var names []string
	if plainStrings(b, '[', ']', func(s []byte) { names = append(names, string(s)) }) {
		if len(names) == 0 {
			names = noGroups
		}
		*g = names
		return nil
	}
	names = nil
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*g = names
	return nil
}

// plainStrings hands each string of a JSON array of strings, or of an
// object of string values (key, value, key, value...), to fn, and reports
// whether all of b was such: with escapes, other values or nesting it is
// false, and the full decoder is to read b (fn may have seen a part). The
// outer decoder has checked the syntax already.
func plainStrings(b []byte, open, close byte, fn func([]byte)) bool {
	if len(b) < 2 || b[0] != open || b[len(b)-1] != close {
		return false
	}
	i := 1
	space := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	str := func() bool {
		space()
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 || bytes.IndexByte(b[i+1:i+1+end], '\\') >= 0 {
			return false
		}
		fn(b[i+1 : i+1+end])
		i += end + 2
		space()
		return true
	}
	space()
	if i == len(b)-1 {
		return true
	}
	for {
		if !str() {
			return false
		}
		if open == '{' {
			if i >= len(b) || b[i] != ':' {
				return false
			}
			i++
			if !str() {
				return false
			}
		}
		switch {
		case i == len(b)-1:
			return true
		case b[i] == ',':
			i++
		default:
			return false
		}
	}
}

func (u *apiUser) record() User {
	rec := User{Name: u.Name, Admin: u.Admin, Groups: u.Groups, Created: u.Created, LastActivity: u.LastActivity}
	if len(u.Servers) > 0 {
		rec.Servers = make([]Server, 0, len(u.Servers))
	}
	for key, s := range u.Servers {
		name := s.Name
		if name == "" {
			name = key
		}
		rec.Servers = append(rec.Servers, Server{
			Name:         name,
			Ready:        s.Ready != nil && *s.Ready,
			Pending:      s.Pending,
			Started:      s.Started,
			LastActivity: s.LastActivity,
			Profile:      string(s.UserOptions),
		})
	}
	// Map order is random; a fixed order keeps logs and actions repeatable.
	slices.SortFunc(rec.Servers, func(a, b Server) int { return strings.Compare(a.Name, b.Name) })
	return rec
}
