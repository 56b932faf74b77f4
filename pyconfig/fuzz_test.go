package pyconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParse: any bytes, read by the reader alone (provision's FuzzReadPath
// adds its checks on what is read), either fail with an error naming the
// file or read, without a panic and within a second; and what is read
// crosses the wire from the child unchanged.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../testdata/configs/*.py", "../testdata/validate/*.py", "../testdata/hostile/*.py"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("import os\nc.JupyterHub.api_tokens = {os.environ['X']: 'a'}\nc.JupyterHub.services += [{'n': -1, 'f': 1.5}]\n"))
	opts := hubOptions()
	opts.Env = &Environment{Vars: map[string]string{"X": "v"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			f   *File
			err error
		}
		done := make(chan result, 1)
		go func() {
			file, err := ParseInProcess("fuzz.py", data, opts)
			done <- result{file, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(time.Second):
			t.Fatalf("reading %d bytes did not end within a second", len(data))
		}
		if r.err != nil {
			if !strings.HasPrefix(r.err.Error(), "fuzz.py") {
				t.Fatalf("error without the file name: %v", r.err)
			}
			return
		}
		got, err := decodeReply(encodeReply(r.f, nil))
		if err != nil {
			t.Fatalf("the reply does not decode: %v", err)
		}
		if !reflect.DeepEqual(got.Entries, r.f.Entries) || !reflect.DeepEqual(got.Warnings, r.f.Warnings) {
			t.Fatalf("the reply changed on the wire:\n got %+v\nwant %+v", got, r.f)
		}
	})
}
