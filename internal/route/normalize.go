package route

import (
	"github.com/tollgate-gw/tollgate/internal/percent"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Normalize returns the one spelling of p, a request path as sent (still
// percent-encoded), that the data plane matches, authorizes, counts and
// forwards, so that no two spellings of a path reach two different APIs
// and no spelling reaches outside the API it matched:
//
//   - a percent escape of an unreserved character (letters, digits,
//     "-", ".", "_", "~") is decoded (RFC 3986 section 6.2.2.2), so that
//     %2e and %2E are dots and /%61dmin is /admin; any other escape is
//     kept as sent, %2F and %252e included;
//   - empty segments are merged ("//" is "/"), as file servers do;
//   - the dot segments "." and ".." are removed (RFC 3986 section 5.2.4);
//     one that ends the path leaves a trailing "/";
//   - a ".." that would climb above the root is refused.
//
// Spellings that some backend reads as a dot segment but RFC 3986 does
// not are refused rather than guessed at: a ".." between encoded slashes
// or backslashes ("..%2F", "..\", "%5C.."), a dot segment with
// parameters ("..;/", Tomcat's), dots with nothing but spaces ("...",
// "..%20", which Windows trims to ".."), an encoded NUL, an overlong UTF-8
// sequence ("%c0%ae"), a malformed percent escape, and a path that does
// not start with "/". The error is an *errcode.Error of
// errcode.InvalidArgument about "path"; its detail never repeats the
// path.
//
// What Normalize returns holds no empty segment but a trailing one, no
// segment or piece that is, or that some backend reads as, a dot
// segment: a backend path built from its segments cannot leave the
// backend path it starts with. A path with nothing to normalize is
// returned as it is, without allocating.
func Normalize(p string) (string, error) {
	if !mayNeedNormalizing(p) {
		return p, nil
	}
	return normalize(p)
}

// mayNeedNormalizing reports whether p holds anything Normalize might
// change or refuse: a percent escape, a backslash, a NUL, a space (which
// an escaped path never holds raw), an empty segment or a segment
// starting with a dot. It is the hot path's only cost when the answer is
// no.
func mayNeedNormalizing(p string) bool {
	if p == "" || p[0] != '/' {
		return p != "" && p != "*"
	}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%', '\\', ' ', 0:
			return true
		case '/':
			if i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.') {
				return true
			}
		}
	}
	return false
}

// normalize is Normalize's slow path. It writes the normal form into a
// buffer on the stack, and allocates only for a result that differs from
// p (or a very long path).
func normalize(p string) (string, error) {
	if p == "" || p[0] != '/' {
		return "", refuse("does not start with /")
	}
	var stack [512]byte
	out := stack[:0]
	var startStack [32]int
	starts := startStack[:0] // where each kept segment's "/" is in out
	trailing := false
	for rest := p[1:]; ; {
		raw, tail, more := strings.Cut(rest, "/")
		at := len(out)
		out = append(out, '/')
		var err error
		if out, err = appendDecoded(out, raw); err != nil {
			return "", err
		}
		seg := out[at+1:]
		switch {
		case len(seg) == 0, string(seg) == ".":
			out = out[:at]
			trailing = true
		case string(seg) == "..":
			if len(starts) == 0 {
				return "", refuse("climbs above the root")
			}
			out = out[:starts[len(starts)-1]]
			starts = starts[:len(starts)-1]
			trailing = true
		default:
			if err := checkSegment(seg); err != nil {
				return "", err
			}
			starts = append(starts, at)
			trailing = false
		}
		if !more {
			break
		}
		rest = tail
	}
	if trailing || len(out) == 0 {
		out = append(out, '/')
	}
	if string(out) == p {
		return p, nil
	}
	return string(out), nil
}

// appendDecoded appends seg to out with the escapes of unreserved
// characters decoded and every other escape kept as sent.
func appendDecoded(out []byte, seg string) ([]byte, error) {
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(seg) || !percent.IsHex(seg[i+1]) || !percent.IsHex(seg[i+2]) {
			return out, refuse("has a malformed percent escape")
		}
		if d := percent.Unhex(seg[i+1])<<4 | percent.Unhex(seg[i+2]); isUnreserved(d) {
			out = append(out, d)
		} else {
			out = append(out, seg[i:i+3]...)
		}
		i += 2
	}
	return out, nil
}

// checkSegment refuses a segment, decoded as appendDecoded leaves it,
// that is not a dot segment for RFC 3986 but is one for some backend:
// one holding a ".." piece between encoded slashes or backslashes, or a
// dot segment with parameters; and one holding a NUL or an overlong
// UTF-8 sequence, whose only use in a path is to smuggle a character
// past a check.
func checkSegment(seg []byte) error {
	var prev byte
	piece := 0 // where the current piece starts
	for i := 0; i <= len(seg); i++ {
		var b byte
		end, width := i == len(seg), 1
		if !end {
			b = seg[i]
			if b == '%' && i+2 < len(seg) {
				b, width = percent.Unhex(seg[i+1])<<4|percent.Unhex(seg[i+2]), 3
			}
		}
		if !end {
			switch {
			case b == 0:
				return refuse("holds a NUL")
			case overlong(prev, b):
				return refuse("holds an overlong UTF-8 sequence")
			}
			prev = b
		}
		if end || b == '/' || b == '\\' {
			if isDotPiece(seg[piece:i]) {
				return refuse("holds a dot segment hidden by an encoded slash, a backslash or parameters")
			}
			piece = i + width
		}
		i += width - 1
	}
	return nil
}

// isDotPiece reports whether piece, a segment or a part of one between
// slashes or backslashes, is read as a dot segment by some backend: it is
// ".." (with or without parameters), "." with parameters, or two or more
// dots with nothing else but spaces (Windows trims trailing dots and
// spaces, reading "..." and ".. " as ".."). A piece of exactly "." is
// harmless, and a segment of exactly "." or ".." never gets here.
func isDotPiece(piece []byte) bool {
	base, params := piece, false
	for i := 0; i < len(piece); i++ {
		if piece[i] == ';' || escapeOf(piece, i, '3', 'B') {
			base, params = piece[:i], true
			break
		}
	}
	if params && string(base) == "." {
		return true
	}
	dots := 0
	for i := 0; i < len(base); i++ {
		switch {
		case base[i] == '.':
			dots++
		case base[i] == ' ':
		case escapeOf(base, i, '2', '0'):
			i += 2
		default:
			return false
		}
	}
	return dots >= 2
}

// escapeOf reports whether s holds the escape %hl at i, in either case.
func escapeOf(s []byte, i int, h, l byte) bool {
	return s[i] == '%' && i+2 < len(s) && s[i+1] == h && (s[i+2]|0x20) == (l|0x20)
}

// overlong reports whether b following prev makes an overlong UTF-8
// encoding: a two-byte sequence led by C0 or C1, or a three- or four-byte
// one whose second byte leaves the first bits of the value zero.
func overlong(prev, b byte) bool {
	switch prev {
	case 0xC0, 0xC1:
		return b >= 0x80 && b <= 0xBF
	case 0xE0:
		return b >= 0x80 && b <= 0x9F
	case 0xF0:
		return b >= 0x80 && b <= 0x8F
	}
	return false
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

func refuse(why string) *errcode.Error {
	return &errcode.Error{Cond: errcode.InvalidArgument, Subject: "path", Detail: "the path " + why}
}
