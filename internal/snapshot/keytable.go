package snapshot

import (
	"hash/maphash"
	"maps"
)

// keyShards is the number of maps a keyTable spreads its keys over: a
// patch that changes one account's keys copies 1/keyShards of the table.
const keyShards = 256

// keySeed places keys in shards; one per process, so that every snapshot
// places a key in the same shard.
var keySeed = maphash.MakeSeed()

// keyTable maps access keys to callers. It is immutable once built, and
// built (or derived from another) with a keyEdit, which copies only the
// shards it changes: a node with 100,000 keys that creates one copies
// about 400 entries, not 100,000, and leaves as little garbage.
type keyTable struct {
	shards [keyShards]map[string]*Caller
}

func shardOf(ak string) int { return int(maphash.String(keySeed, ak) & (keyShards - 1)) }

// get returns the caller of ak.
func (t *keyTable) get(ak string) (*Caller, bool) {
	c, ok := t.shards[shardOf(ak)][ak]
	return c, ok
}

// len returns the number of keys.
func (t *keyTable) len() int {
	n := 0
	for _, m := range t.shards {
		n += len(m)
	}
	return n
}

// keyEdit derives a new keyTable from one, copying a shard the first time
// it changes.
type keyEdit struct {
	t      *keyTable
	copied [keyShards]bool
}

// edit starts a table derived from t (nil: an empty one).
func (t *keyTable) edit() *keyEdit {
	nt := new(keyTable)
	if t != nil {
		*nt = *t
	}
	return &keyEdit{t: nt}
}

func (e *keyEdit) shard(ak string) map[string]*Caller {
	i := shardOf(ak)
	if !e.copied[i] {
		m := maps.Clone(e.t.shards[i])
		if m == nil {
			m = make(map[string]*Caller)
		}
		e.t.shards[i], e.copied[i] = m, true
	}
	return e.t.shards[i]
}

func (e *keyEdit) set(ak string, c *Caller) { e.shard(ak)[ak] = c }

func (e *keyEdit) delete(ak string) {
	if _, ok := e.t.get(ak); ok {
		delete(e.shard(ak), ak)
	}
}

// done returns the table; the edit must not be used after.
func (e *keyEdit) done() *keyTable { return e.t }
