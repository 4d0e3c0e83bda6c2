package limit_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/countertest"
)

// TestConformance runs the Counter conformance suite against Memory, in
// memory only and journaled.
func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		countertest.Run(t, countertest.Harness{New: func(t *testing.T, clock limit.Clock) limit.Counter {
			m := limit.NewMemory(limit.Options{Clock: clock})
			t.Cleanup(func() { m.Close() })
			return m
		}})
	})
	t.Run("journaled", func(t *testing.T) {
		n := 0
		countertest.Run(t, countertest.Harness{New: func(t *testing.T, clock limit.Clock) limit.Counter {
			n++
			m, err := limit.OpenMemory(filepath.Join(t.TempDir(), strconv.Itoa(n)), limit.Options{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			return m
		}})
	})
}
