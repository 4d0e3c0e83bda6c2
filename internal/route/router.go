package route

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// AnyMethod is the method of an API that answers every method. An API
// declared with the request's exact method wins over it.
const AnyMethod = "ANY"

// Router matches a request's method and path against a set of templates,
// each bound to a value of type T. It is a trie of path segments, built once
// by Add and then only read: Match is safe for concurrent use once the last
// Add has returned.
//
// When several templates match, the most specific wins. A template that
// matches the whole path beats a prefix template that leaves a rest; among
// those that leave a rest, the one that consumes more segments wins; at
// each segment a literal beats a variable; and among templates of the same
// shape the request's exact method beats ANY.
type Router[T any] struct {
	root     node[T]
	size     int
	prefixes int
}

// node is one segment position in the trie.
type node[T any] struct {
	lits  []edge[T]
	index map[string]*node[T] // lits by segment, once there are many
	param *node[T]

	exact  handlers[T] // templates ending here, matchType absolute
	prefix handlers[T] // templates ending here, matchType prefix
}

type edge[T any] struct {
	seg  string
	next *node[T]
}

// indexAbove is the number of literal children past which a node looks
// them up in a map rather than scanning a slice.
const indexAbove = 8

// handlers are the values bound to one template shape, by method.
type handlers[T any] struct {
	methods []methodValue[T]
	any     *T
}

type methodValue[T any] struct {
	method string
	value  T
}

// Match is the outcome of a successful match.
type Match[T any] struct {
	// Value is what the template was added with.
	Value T
	// Values are the captured segments in the template's variable order,
	// exactly as they appear in the request path (still percent-encoded).
	Values []string
	// Rest is what a prefix template left of the path: empty, or starting
	// with "/".
	Rest string
}

// Add binds value to method and template. matchType is model.MatchAbsolute
// (the template must match the whole path) or model.MatchPrefix (it matches
// a leading run of whole segments). Adding a second value for the same
// method and template shape is an error of errcode.APIPathRepeat.
func (r *Router[T]) Add(method string, t *Template, matchType string, value T) error {
	method = strings.ToUpper(method)
	n := &r.root
	for _, s := range t.segs {
		n = n.child(s)
	}
	var h *handlers[T]
	switch matchType {
	case model.MatchAbsolute, "":
		h = &n.exact
	case model.MatchPrefix:
		h = &n.prefix
	default:
		return invalid("matchType", "%q is neither %s nor %s", matchType, model.MatchAbsolute, model.MatchPrefix)
	}
	if !h.add(method, value) {
		return errcode.Newf(errcode.APIPathRepeat, "%s %s (%s) is declared twice", method, t.shape(), matchType)
	}
	r.size++
	if h == &n.prefix {
		r.prefixes++
	}
	return nil
}

// Len returns the number of templates added.
func (r *Router[T]) Len() int { return r.size }

// child returns the child of n for s, creating it.
func (n *node[T]) child(s segment) *node[T] {
	if s.isVar {
		if n.param == nil {
			n.param = new(node[T])
		}
		return n.param
	}
	if c := n.lookup(s.lit); c != nil {
		return c
	}
	c := new(node[T])
	n.lits = append(n.lits, edge[T]{s.lit, c})
	if len(n.lits) > indexAbove {
		if n.index == nil {
			n.index = make(map[string]*node[T], len(n.lits))
			for _, e := range n.lits {
				n.index[e.seg] = e.next
			}
		}
		n.index[s.lit] = c
	}
	return c
}

// lookup returns the literal child for seg, or nil.
func (n *node[T]) lookup(seg string) *node[T] {
	if n.index != nil {
		return n.index[seg]
	}
	for i := range n.lits {
		if n.lits[i].seg == seg {
			return n.lits[i].next
		}
	}
	return nil
}

func (h *handlers[T]) add(method string, value T) bool {
	if method == AnyMethod {
		if h.any != nil {
			return false
		}
		h.any = &value
		return true
	}
	for _, m := range h.methods {
		if m.method == method {
			return false
		}
	}
	h.methods = append(h.methods, methodValue[T]{method, value})
	return true
}

// pick returns the value for method: the exact method's, else ANY's.
func (h *handlers[T]) pick(method string) *T {
	for i := range h.methods {
		if h.methods[i].method == method {
			return &h.methods[i].value
		}
	}
	return h.any
}

// Match finds the template that matches method and path, a request path
// that starts with "/" (the escaped form, as sent). Captured values are
// appended to vals, which may be a caller's reusable buffer: with enough
// capacity, Match does not allocate.
func (r *Router[T]) Match(method, path string, vals []string) (Match[T], bool) {
	if path == "/" || path == "" {
		path = "" // the root has no segment
	}
	// A whole-path match first; only when there is none, a prefix template
	// that leaves a rest. Both walks try literals before variables.
	v, out, rest := r.root.walk(method, path, vals, false)
	if v == nil && r.prefixes > 0 {
		v, out, rest = r.root.walk(method, path, vals, true)
	}
	if v == nil {
		return Match[T]{}, false
	}
	vals = out
	return Match[T]{Value: *v, Values: vals, Rest: rest}, true
}

// walk matches p, the part of the path below n: empty, or "/" followed by
// the next segment. It tries the literal child first, then the variable
// child. With partial set it also accepts, after both, a prefix template
// ending at n that leaves p as the rest, so that the deepest, most literal
// one wins.
func (n *node[T]) walk(method, p string, vals []string, partial bool) (*T, []string, string) {
	if p == "" {
		if v := n.exact.pick(method); v != nil {
			return v, vals, ""
		}
		if v := n.prefix.pick(method); v != nil {
			return v, vals, ""
		}
		return nil, vals, ""
	}
	seg, next := p[1:], ""
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg, next = seg[:i], seg[i:]
	}
	if c := n.lookup(seg); c != nil {
		if v, out, rest := c.walk(method, next, vals, partial); v != nil {
			return v, out, rest
		}
	}
	if n.param != nil && seg != "" {
		if v, out, rest := n.param.walk(method, next, append(vals, seg), partial); v != nil {
			return v, out, rest
		}
	}
	if partial {
		if v := n.prefix.pick(method); v != nil {
			return v, vals, p
		}
	}
	return nil, vals, ""
}
