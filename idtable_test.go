package weakref

import (
	"runtime"
	"testing"
	"weak"
)

// deadPointer returns a weak pointer whose object has been collected.
func deadPointer(t *testing.T) weak.Pointer[node] {
	t.Helper()
	wp := weak.Make(newNode(-1))
	runtime.GC()
	if wp.Value() != nil {
		t.Fatal("the object did not die")
	}
	return wp
}

// A dead object and a new one at its address share a hash. A lookup
// must go past the dead object's entry, in the locked path too, and a
// store must not take it for the new object's.
func TestIDTableSkipsADeadEntryWithTheSameHash(t *testing.T) {
	var it idTable[node, int]
	key := newNode(1)
	h := hashPtr(key)
	dead := deadPointer(t)
	for _, order := range []string{"dead first", "dead second"} {
		t.Run(order, func(t *testing.T) {
			it.entries.clear()
			put := func(e idEntry[node, int]) {
				sh := it.entries.lockForWrite(h)
				sh.insert(h, e)
				sh.mu.Unlock()
			}
			if order == "dead first" {
				put(idEntry[node, int]{0, dead})
				put(idEntry[node, int]{1, weak.Make(key)})
			} else {
				put(idEntry[node, int]{1, weak.Make(key)})
				put(idEntry[node, int]{0, dead})
			}
			if v, ok := it.load(key); !ok || v != 1 {
				t.Fatalf("load = %d, %v; want 1, true", v, ok)
			}
			if loaded := it.store(key, 2, func(int) (int, bool) { return 2, true }); !loaded {
				t.Fatal("store did not find the live entry")
			}
			if v, _ := it.load(key); v != 2 {
				t.Fatalf("load after store = %d, want 2", v)
			}
			if n := it.entries.len(); n != 1 {
				t.Fatalf("len %d, want 1", n)
			}
			if v, ok := it.remove(key, nil); !ok || v != 2 {
				t.Fatalf("remove = %d, %v", v, ok)
			}
		})
	}
	runtime.KeepAlive(key)
}

// An entry is removed only if its own object died (CPython bpo-28427):
// a sweep keeps the live entry that shares the dead one's hash.
func TestIDTableSweepKeepsTheLiveTwin(t *testing.T) {
	var it idTable[node, int]
	key := newNode(1)
	h := hashPtr(key)
	sh := it.entries.lockForWrite(h)
	sh.insert(h, idEntry[node, int]{0, deadPointer(t)})
	sh.insert(h, idEntry[node, int]{1, weak.Make(key)})
	sh.mu.Unlock()
	// The sweeper's own pass, started by any collection meanwhile, may
	// remove the dead entry first; either way only that one may go.
	if removed := it.entries.root.Load().sweepAll(gcCycles() + 1); removed > 1 {
		t.Fatalf("sweep removed %d entries, want at most 1", removed)
	}
	if n := it.entries.len(); n != 1 {
		t.Fatalf("len %d after the sweep, want 1", n)
	}
	if v, ok := it.load(key); !ok || v != 1 {
		t.Fatalf("load = %d, %v; want 1, true", v, ok)
	}
	runtime.KeepAlive(key)
}
