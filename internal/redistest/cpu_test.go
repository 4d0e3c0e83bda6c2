package redistest

import (
	"testing"
)

// TestCPU: the CPU time of a redis-server grows as it works.
func TestCPU(t *testing.T) {
	addr := Start(t)
	before, err := CPU(addr)
	if err != nil {
		t.Fatal(err)
	}
	for range 2000 {
		if _, err := command(addr, "SET", "k", "v"); err != nil {
			t.Fatal(err)
		}
	}
	after, err := CPU(addr)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("CPU %v after 2000 commands, %v before: want more", after, before)
	}
}
