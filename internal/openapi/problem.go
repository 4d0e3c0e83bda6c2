package openapi

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Problem says where a document fails and why.
type Problem struct {
	// Line is the 1-based line of the document; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Pointer is the RFC 6901 JSON pointer of the failing node; "" is
	// the whole document.
	Pointer string `json:"pointer"`
	Reason  string `json:"reason"`
}

// Error renders p as "line 12, /paths/~1pets/get: reason".
func (p *Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d, ", p.Line)
	}
	ptr := p.Pointer
	if ptr == "" {
		ptr = "/"
	}
	b.WriteString(ptr)
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// parseError returns the import's refusal of a document that does not
// parse or validate, with the line, the pointer and the reason in its
// message.
func parseError(line int, pointer, format string, args ...any) error {
	p := &Problem{Line: line, Pointer: pointer, Reason: fmt.Sprintf(format, args...)}
	return &errcode.Error{Cond: errcode.ImportParseError, Detail: p.Error(), Cause: p}
}

// pointerJoin appends reference tokens to a JSON pointer, escaping "~"
// and "/" as RFC 6901 requires.
func pointerJoin(base string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}
