package openapi

// Limits bound what an imported document may cost to read.
type Limits struct {
	// MaxBytes is the largest document read.
	MaxBytes int
	// MaxOperations is the most operations (method and path pairs) a
	// document may declare.
	MaxOperations int
	// MaxNodes is the most YAML nodes the document may hold once every
	// alias is expanded: a "billion laughs" document of nested aliases
	// is a few hundred bytes that expand to billions of nodes.
	MaxNodes int
	// MaxDepth is the deepest nesting of mappings and sequences, aliases
	// expanded: the parser and the converter recurse on it.
	MaxDepth int
	// MaxRefChain is the longest chain of $refs that point to $refs.
	MaxRefChain int
}

// DefaultLimits are the limits of the admin API's import.
var DefaultLimits = Limits{
	MaxBytes:      5 << 20,
	MaxOperations: 1000,
	MaxNodes:      1_000_000,
	MaxDepth:      64,
	MaxRefChain:   16,
}
