package snapshot

import (
	"hash/maphash"
	"maps"
)

// shardCount is the number of maps a shards spreads its entries over: a
// patch that changes one entry copies 1/shardCount of the table.
const shardCount = 256

// shardSeed places keys in shards; one per process, so that every
// snapshot places a key in the same shard.
var shardSeed = maphash.MakeSeed()

// shards maps strings to values in shardCount maps. It is immutable once
// built, and built (or derived from another) with a shardEdit, which
// copies only the maps it changes: a node with 100,000 keys that creates
// one copies about 400 entries, not 100,000, and leaves as little
// garbage. A lookup costs a hash more than a map's.
type shards[V any] struct {
	m [shardCount]map[string]V
}

func shardOf(k string) int { return int(maphash.String(shardSeed, k) & (shardCount - 1)) }

// get returns the value of k.
func (t *shards[V]) get(k string) (V, bool) {
	v, ok := t.m[shardOf(k)][k]
	return v, ok
}

// len returns the number of entries.
func (t *shards[V]) len() int {
	n := 0
	for _, m := range t.m {
		n += len(m)
	}
	return n
}

// shardEdit derives a new shards from one, copying a map the first time
// it changes.
type shardEdit[V any] struct {
	t      *shards[V]
	copied [shardCount]bool
}

// edit starts a table derived from t (nil: an empty one).
func (t *shards[V]) edit() *shardEdit[V] {
	nt := new(shards[V])
	if t != nil {
		*nt = *t
	}
	return &shardEdit[V]{t: nt}
}

func (e *shardEdit[V]) shard(k string) map[string]V {
	i := shardOf(k)
	if !e.copied[i] {
		m := maps.Clone(e.t.m[i])
		if m == nil {
			m = make(map[string]V)
		}
		e.t.m[i], e.copied[i] = m, true
	}
	return e.t.m[i]
}

func (e *shardEdit[V]) set(k string, v V) { e.shard(k)[k] = v }

func (e *shardEdit[V]) delete(k string) {
	if _, ok := e.t.get(k); ok {
		delete(e.shard(k), k)
	}
}

// done returns the table; the edit must not be used after.
func (e *shardEdit[V]) done() *shards[V] { return e.t }
