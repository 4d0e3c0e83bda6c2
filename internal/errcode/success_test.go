package errcode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// TestSuccessGolden renders the success envelopes, with a result and
// without one, in every dialect and language; the dialects without a
// success envelope must report so.
func TestSuccessGolden(t *testing.T) {
	results := []struct {
		name   string
		result json.RawMessage
	}{
		{"group", json.RawMessage(`{"groupId":"g-1","name":"shop"}`)},
		{"deleted", nil},
	}
	var buf bytes.Buffer
	for _, d := range Dialects {
		for _, lang := range []Lang{English, Chinese} {
			for _, r := range results {
				body, ok := Success(d, lang, "req-1", r.result)
				wantOK := d == DialectJDCloud || d == DialectMarket
				if ok != wantOK {
					t.Errorf("%s: got ok %v, want %v", d, ok, wantOK)
				}
				if !ok {
					continue
				}
				if !json.Valid(body) {
					t.Errorf("%s %s %s: not JSON: %s", d, lang, r.name, body)
				}
				fmt.Fprintf(&buf, "%s %s %s %s", d, lang, r.name, body)
			}
		}
	}
	golden(t, filepath.Join("testdata", "render", "success.golden"), buf.Bytes())
}
