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
	Created      Time                  `json:"created"`
	LastActivity Time                  `json:"last_activity"`
	Servers      map[string]*apiServer `json:"servers"`
}

type apiServer struct {
	Name         string `json:"name"`
	URL          string `json:"url"`      // for kernel checks: a path, or a full URL with subdomains
	FullURL      string `json:"full_url"` // 5.0 on; null without public_url or subdomains
	Ready        *bool  `json:"ready"`
	Pending      string `json:"pending"`
	Started      Time   `json:"started"`
	LastActivity Time   `json:"last_activity"`
}

func (u *apiUser) record() User {
	rec := User{Name: u.Name, Admin: u.Admin, Created: u.Created, LastActivity: u.LastActivity}
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
		})
	}
	// Map order is random; a fixed order keeps logs and actions repeatable.
	slices.SortFunc(rec.Servers, func(a, b Server) int { return strings.Compare(a.Name, b.Name) })
	return rec
}
