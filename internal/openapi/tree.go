package openapi

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// tree is the document as YAML nodes (JSON is read as YAML too): the
// checks that must come before the parser run on it, and it tells the
// line of a JSON pointer.
type tree struct {
	root *yaml.Node // the top mapping
}

// yamlLine finds the line in the parser's "yaml: line 3: ..." errors.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// readTree reads data and refuses, before any parser expands or follows
// anything: an empty document (errcode.ImportEmpty), a document over the
// size limit, one that is not YAML or JSON, whose top is not a mapping,
// whose aliases expand past the node limit or whose nesting is too deep,
// with a $ref that leaves the document, a chain of $refs too long or
// circular, or too many operations.
func readTree(data []byte, lim Limits) (*tree, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errcode.Newf(errcode.ImportEmpty, "the document is empty")
	}
	if len(data) > lim.MaxBytes {
		return nil, parseError(0, "", "the document is %d bytes, more than the %d allowed", len(data), lim.MaxBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxProblem(data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, errcode.Newf(errcode.ImportEmpty, "the document holds nothing but comments")
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && (root.Tag == "!!null") {
		return nil, errcode.Newf(errcode.ImportEmpty, "the document is null")
	}
	if root.Kind != yaml.MappingNode {
		return nil, parseError(root.Line, "", "the document is not a mapping (an object)")
	}
	t := &tree{root: root}
	c := &cost{lim: lim, sizes: map[*yaml.Node]int{}}
	if err := c.walk(root, "", 1); err != nil {
		return nil, err
	}
	for _, r := range c.refs {
		if err := t.checkRef(r, lim); err != nil {
			return nil, err
		}
	}
	if err := t.countOperations(lim); err != nil {
		return nil, err
	}
	return t, nil
}

// syntaxProblem reports a document that neither YAML nor JSON reads, at
// the line the parser names.
func syntaxProblem(data []byte, err error) error {
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	var syn *json.SyntaxError
	if first := bytes.TrimSpace(data); len(first) > 0 && first[0] == '{' {
		var v any
		if jerr := json.Unmarshal(data, &v); jerr != nil && asSyntax(jerr, &syn) {
			return parseError(lineAt(data, int(syn.Offset)), "", "not valid JSON: %v", syn)
		}
	}
	reason := strings.TrimPrefix(err.Error(), "yaml: ")
	return parseError(line, "", "not valid YAML or JSON: %s", reason)
}

func asSyntax(err error, target **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	if ok {
		*target = s
	}
	return ok
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// ref is a $ref met while walking, with where it was.
type ref struct {
	target  string
	pointer string
	line    int
}

// cost walks the tree counting nodes and depth with aliases expanded,
// without expanding them: the size of an anchored node is computed once.
type cost struct {
	lim   Limits
	nodes int
	sizes map[*yaml.Node]int
	// busy holds the anchors being sized, to refuse one that contains
	// itself.
	busy []*yaml.Node
	refs []ref
}

func (c *cost) walk(n *yaml.Node, ptr string, depth int) error {
	if depth > c.lim.MaxDepth {
		return parseError(n.Line, ptr, "nested deeper than %d levels", c.lim.MaxDepth)
	}
	if n.Kind == yaml.AliasNode {
		return c.alias(n, ptr, depth)
	}
	c.nodes++
	if c.nodes > c.lim.MaxNodes {
		return parseError(n.Line, ptr, "more than %d nodes once aliases are expanded", c.lim.MaxNodes)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := pointerJoin(ptr, k.Value)
			if k.Value == "$ref" && v.Kind == yaml.ScalarNode {
				if !strings.HasPrefix(v.Value, "#") {
					return parseError(v.Line, p, "$ref %q leaves the document; only references inside it (#/...) are followed", v.Value)
				}
				c.refs = append(c.refs, ref{target: v.Value, pointer: p, line: v.Line})
			}
			if err := c.walk(k, p, depth+1); err != nil {
				return err
			}
			if err := c.walk(v, p, depth+1); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			if err := c.walk(v, pointerJoin(ptr, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// alias adds the expanded size of an alias's anchor, sized once. The
// walk of an anchor's content from an alias never records $refs twice:
// they were met at the anchor.
func (c *cost) alias(n *yaml.Node, ptr string, depth int) error {
	a := n.Alias
	if a == nil {
		return parseError(n.Line, ptr, "an alias without its anchor")
	}
	for _, b := range c.busy {
		if b == a {
			return parseError(n.Line, ptr, "the alias *%s contains itself", n.Value)
		}
	}
	size, ok := c.sizes[a]
	if !ok {
		// Size the anchor on its own: walk it with a fresh count.
		sub := &cost{lim: c.lim, sizes: c.sizes, busy: append(c.busy, a)}
		sub.lim.MaxNodes = c.lim.MaxNodes - c.nodes
		if err := sub.walk(a, ptr, depth); err != nil {
			return err
		}
		size = sub.nodes
		c.sizes[a] = size
	}
	c.nodes += size
	if c.nodes > c.lim.MaxNodes {
		return parseError(n.Line, ptr, "more than %d nodes once aliases are expanded", c.lim.MaxNodes)
	}
	return nil
}

// resolve returns the node a JSON pointer names, following aliases, and
// the line of the deepest node it could reach (of its key, in a mapping:
// where a reader looks for "get:").
func (t *tree) resolve(ptr string) (found *yaml.Node, line int) {
	n := t.root
	line = n.Line
	if ptr == "" || ptr == "/" {
		return n, line
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next, line = n.Content[i+1], n.Content[i].Line
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return nil, line
		}
		n = next
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n, line
}

// line returns the line of the node ptr names, or of the deepest node on
// its way; 0 without a tree.
func (t *tree) line(ptr string) int {
	if t == nil {
		return 0
	}
	_, line := t.resolve(ptr)
	return line
}

// checkRef refuses a $ref that names nothing in the document, and a chain
// of $refs (a node that is only a $ref to a node that is only a $ref...)
// that is circular or longer than the limit. A schema that refers to
// itself through its properties is fine: that is recursion, not a chain.
func (t *tree) checkRef(r ref, lim Limits) error {
	seen := map[string]bool{}
	target := r.target
	for hops := 0; ; hops++ {
		if hops >= lim.MaxRefChain {
			return parseError(r.line, r.pointer, "$ref chain longer than %d", lim.MaxRefChain)
		}
		if seen[target] {
			return parseError(r.line, r.pointer, "circular $ref through %s", target)
		}
		seen[target] = true
		frag := strings.TrimPrefix(target, "#")
		if frag != "" && !strings.HasPrefix(frag, "/") {
			return nil // a JSON Schema anchor, resolved by the parser
		}
		n, _ := t.resolve(frag)
		if n == nil {
			return parseError(r.line, r.pointer, "$ref %s names nothing in the document", target)
		}
		next := refOnly(n)
		if next == "" {
			return nil
		}
		if !strings.HasPrefix(next, "#") {
			return nil // refused by the walk already
		}
		target = next
	}
}

// refOnly returns the $ref of a mapping that holds one, else "".
func refOnly(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "$ref" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// httpMethods are the operations of a path item, in the order an
// import reads them.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// countOperations refuses a document with more operations than allowed.
func (t *tree) countOperations(lim Limits) error {
	paths, _ := t.resolve("/paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil
	}
	n := 0
	for i := 0; i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		for item.Kind == yaml.AliasNode && item.Alias != nil {
			item = item.Alias
		}
		if item.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			for _, m := range httpMethods {
				if item.Content[j].Value == m {
					n++
				}
			}
		}
	}
	if n > lim.MaxOperations {
		return parseError(paths.Line, "/paths", "%d operations, at most %d allowed", n, lim.MaxOperations)
	}
	return nil
}
