package route

import (
	"github.com/tollgate-gw/tollgate/internal/percent"
	"path"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestNormalize is the table of spellings and what the data plane makes
// of each: the normal form, or a refusal ("").
func TestNormalize(t *testing.T) {
	const refused = ""
	for _, tc := range []struct{ in, want string }{
		// Nothing to do: the same string comes back.
		{"/", "/"},
		{"", ""},
		{"*", "*"},
		{"/files/a.txt", "/files/a.txt"},
		{"/files/", "/files/"},
		{"/files/.well-known/x", "/files/.well-known/x"},
		{"/files/..a/a..", "/files/..a/a.."},
		{"/users/a%2Fb", "/users/a%2Fb"},               // an encoded slash stays one
		{"/users/a%2fb/c", "/users/a%2fb/c"},           // in either case
		{"/files/%252e%252e/x", "/files/%252e%252e/x"}, // double encoding passes as sent
		{"/files/a%20b", "/files/a%20b"},
		{"/files/a;b", "/files/a;b"},
		{"/files/%C3%A9", "/files/%C3%A9"}, // é
		{"/files/%E9", "/files/%E9"},       // Latin-1 é: not UTF-8, but not overlong either
		{"/files/a%2F.%2Fb", "/files/a%2F.%2Fb"},

		// Dot segments (RFC 3986 5.2.4), plain and encoded in any case.
		{"/files/../internal/s.txt", "/internal/s.txt"},
		{"/files/%2e%2e/internal/s.txt", "/internal/s.txt"},
		{"/files/%2E%2E/internal/s.txt", "/internal/s.txt"},
		{"/files/%2e%2E/internal/s.txt", "/internal/s.txt"},
		{"/files/.%2e/internal/s.txt", "/internal/s.txt"},
		{"/files/%2e./internal/s.txt", "/internal/s.txt"},
		{"/files/./a.txt", "/files/a.txt"},
		{"/files/%2e/a.txt", "/files/a.txt"},
		{"/files/.", "/files/"},
		{"/files/..", "/"},
		{"/files/a/..", "/files/"},
		{"/files/a/b/../../c", "/files/c"},
		{"/.", "/"},
		{"/..", refused},
		{"/../files/a.txt", refused},
		{"/files/../../internal", refused},
		{"/files/%2e%2e/%2e%2e/x", refused},
		{"/a/./../..", refused},

		// Empty segments merge.
		{"//", "/"},
		{"/files//a.txt", "/files/a.txt"},
		{"//files/a.txt", "/files/a.txt"},
		{"/files//", "/files/"},
		{"/files/x//../y", "/files/y"},

		// Escapes of unreserved characters are decoded: one spelling.
		{"/%61dmin", "/admin"},
		{"/fil%65s/a%2Dx%5F%7E", "/files/a-x_~"},
		{"/files/a%2etxt", "/files/a.txt"},

		// What some backend reads as a dot segment is refused.
		{"/files/..%2Finternal/s.txt", refused},
		{"/files/..%2finternal/s.txt", refused},
		{"/files/%2e%2e%2finternal", refused},
		{"/files/x%2F..%2F..%2Finternal", refused},
		{"/files/..%5Cinternal", refused},
		{"/files/..%5cinternal", refused},
		{"/files/a%5C..", refused},
		{"/files/..\\internal", refused},
		{"/files/..;/internal/s.txt", refused},
		{"/files/..;jsessionid=1/internal", refused},
		{"/files/..%3B/internal", refused},
		{"/files/.;/a.txt", refused},
		{"/files/.../x", refused},
		{"/files/..%20/x", refused},
		{"/files/.%20./x", refused},
		{"/files/x%2F..%20", refused},
		{"/ ..", refused}, // found by FuzzNormalize: a raw space, never in an escaped path
		{"/files/.%20/x", "/files/.%20/x"},
		{"/files/a%20../x", "/files/a%20../x"},
		{"/files/%00", refused},
		{"/files/a%00.txt", refused},
		{"/files/%c0%ae%c0%ae/internal", refused},
		{"/files/%C0%AF", refused},
		{"/files/%e0%80%ae", refused},
		{"/files/%f0%80%80%ae", refused},
		{"/files/%zz", refused},
		{"/files/%2", refused},
		{"files/a", refused},
	} {
		got, err := Normalize(tc.in)
		if tc.want == refused && tc.in != "" {
			if err == nil {
				t.Errorf("Normalize(%q) = %q, want a refusal", tc.in, got)
				continue
			}
			if !errcode.Has(err, errcode.InvalidArgument) {
				t.Errorf("Normalize(%q): %v, want INVALID_ARGUMENT", tc.in, err)
			}
			if strings.Contains(err.Error(), tc.in) {
				t.Errorf("Normalize(%q): the error %q repeats the path", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestNormalizeDoesNotAllocate checks the hot path: a path with nothing
// to normalize, or only a dot that starts a name, costs no allocation.
func TestNormalizeDoesNotAllocate(t *testing.T) {
	for _, p := range []string{"/", "/users/42/orders", "/files/.well-known/x", "/users/a%2Fb"} {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := Normalize(p); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Normalize(%q): %.0f allocations", p, n)
		}
	}
}

// FuzzNormalize holds Normalize to its promises on any input: what it
// returns is its own normal form; it has no empty segment but a trailing
// one and no segment or piece that a backend could read as a dot
// segment; a file server's path.Clean, after decoding every escape,
// leaves it where it is; and a backend path put before it stays the
// prefix of the cleaned result.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"/", "/files/a.txt", "/files/../internal", "/files/%2e%2e/x", "/a//b/./c/..",
		"/files/..%2Fx", "/files/..;/x", "/files/%c0%ae", "/%61dmin", "/files/%252e", "/users/a%2Fb",
		"/files/..\\x", "/x/.%2e/.%2E/y", "/files/..%20/x", "/a/.../b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := Normalize(p)
		if err != nil {
			if !errcode.Has(err, errcode.InvalidArgument) {
				t.Fatalf("Normalize(%q): %v, not INVALID_ARGUMENT", p, err)
			}
			return
		}
		if !strings.HasPrefix(p, "/") {
			if got != p {
				t.Fatalf("Normalize(%q) = %q, changed a path that is not one", p, got)
			}
			return
		}
		again, err := Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", p, got, got, again, err)
		}
		segs := strings.Split(got[1:], "/")
		for i, s := range segs {
			if s == "" && i != len(segs)-1 {
				t.Fatalf("Normalize(%q) = %q has an empty segment", p, got)
			}
		}
		// A file server that decodes every escape (%2F and %5C included,
		// backslashes taken for slashes) and cleans the path finds it
		// under the backend path.
		const base = "/public"
		decoded := decodeAll(base + got)
		decoded = strings.ReplaceAll(decoded, "\\", "/")
		for _, s := range strings.Split(decoded, "/") {
			before, _, _ := strings.Cut(s, ";")
			if strings.Trim(before, ". ") == "" && strings.Count(before, ".") >= 2 {
				t.Fatalf("Normalize(%q) = %q, which decodes to %q with a dot segment", p, got, decoded)
			}
		}
		if cleaned := path.Clean(decoded); cleaned != base && !strings.HasPrefix(cleaned, base+"/") {
			t.Fatalf("Normalize(%q) = %q, which a file server under %s serves from %q", p, got, base, cleaned)
		}
	})
}

// decodeAll decodes every valid percent escape of s, as a backend that
// decodes the whole path before looking at it would.
func decodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && percent.IsHex(s[i+1]) && percent.IsHex(s[i+2]) {
			b.WriteByte(percent.Unhex(s[i+1])<<4 | percent.Unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// BenchmarkNormalize measures the hot path (a path with nothing to
// normalize) and the slow one (dot segments and escapes to undo).
func BenchmarkNormalize(b *testing.B) {
	for _, p := range []string{"/users/42/orders", "/files/sub/%2e%2e/a%2etxt"} {
		b.Run(strings.NewReplacer("/", "_", "%", "~").Replace(p), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Normalize(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
