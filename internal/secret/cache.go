package secret

import "sync"

// Cache opens sealed values through a Sealer and remembers what each
// opened to, by its additional data, so that a value read again unchanged
// is not decrypted again: a node that reloads 100,000 keys decrypts only
// those whose sealed bytes changed. Sealing draws a fresh nonce, so a
// value sealed again never has the bytes it had. It is safe for
// concurrent use.
//
// Entries no longer read are dropped by Sweep: a caller that reads every
// value (a full load) marks the start with Mark and sweeps at its end.
type Cache struct {
	sealer *Sealer

	mu   sync.Mutex
	m    map[string]cached // by additional data
	mark uint64            // the current mark; entries read since have it
}

// cached is held in the map by value, with the sealed bytes as a string:
// two allocations per value (and the key's), not four.
type cached struct {
	sealed string
	plain  []byte
	mark   uint64
}

// NewCache returns an empty cache that opens with s.
func NewCache(s *Sealer) *Cache {
	return &Cache{sealer: s, m: make(map[string]cached)}
}

// Open is Sealer.Open, from the cache when sealed is what ad last opened
// from. The result is shared: the caller must not modify it.
func (c *Cache) Open(sealed []byte, ad string) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.m[ad]; ok && e.sealed == string(sealed) {
		if e.mark != c.mark {
			e.mark = c.mark
			c.m[ad] = e
		}
		c.mu.Unlock()
		return e.plain, nil
	}
	c.mu.Unlock()
	plain, err := c.sealer.Open(sealed, ad)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[ad] = cached{sealed: string(sealed), plain: plain, mark: c.mark}
	c.mu.Unlock()
	return plain, nil
}

// Mark starts a new generation and returns it, for Sweep.
func (c *Cache) Mark() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mark++
	return c.mark
}

// Sweep drops the entries not opened since Mark returned mark.
func (c *Cache) Sweep(mark uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for ad, e := range c.m {
		if e.mark < mark {
			delete(c.m, ad)
		}
	}
}

// Len returns the number of values cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
