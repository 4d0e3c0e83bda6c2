package route

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		host, base string
		group      string
		env        model.Environment
		ok         bool
	}{
		{"g-abc123.localhost", "localhost", "g-abc123", model.EnvOnline, true},
		{"g-abc123.localhost:8080", "localhost", "g-abc123", model.EnvOnline, true},
		{"g-abc123-test.localhost:8080", "localhost", "g-abc123", model.EnvTest, true},
		{"g-abc123-preview.localhost", "localhost", "g-abc123", model.EnvPreview, true},
		{"G-ABC123-TEST.LocalHost", "localhost", "g-abc123", model.EnvTest, true},
		{"g1.api.example.com.", "api.example.com", "g1", model.EnvOnline, true},
		{"g1-test.api.example.com:443", "api.example.com", "g1", model.EnvTest, true},
		{"localhost", "localhost", "", "", false},
		{".localhost", "localhost", "", "", false},
		{"-test.localhost", "localhost", "", "", false},
		{"a.g1.localhost", "localhost", "", "", false},
		{"g1.otherhost", "localhost", "", "", false},
		{"g1xlocalhost", "localhost", "", "", false},
		{"[::1]:8080", "localhost", "", "", false},
		{"", "localhost", "", "", false},
	}
	for _, tt := range tests {
		group, env, ok := ParseHost(tt.host, tt.base)
		if group != tt.group || env != tt.env || ok != tt.ok {
			t.Errorf("ParseHost(%q, %q) = %q, %q, %v; want %q, %q, %v",
				tt.host, tt.base, group, env, ok, tt.group, tt.env, tt.ok)
		}
	}
}

func TestParseHostDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		ParseHost("g-abc123-test.localhost:8080", "localhost")
	})
	if allocs != 0 {
		t.Errorf("ParseHost allocates %v times, want 0", allocs)
	}
}
