package weakref

import (
	"fmt"
	"runtime"
	"testing"
	"weak"
)

const mib = 1 << 20

// fillKeyMap stores n keys, each with a value of size bytes, and returns
// the keys.
//
//go:noinline
func fillKeyMap(m *WeakKeyMap[node, []byte], n, size int) []*node {
	keys := make([]*node, n)
	for i := range keys {
		keys[i] = newNode(i)
		m.Store(keys[i], make([]byte, size))
	}
	return keys
}

// Promise 1 of the reclamation design: once a key is collected, its value
// is unreachable from the map, with no further call on the map.
func TestWeakKeyMapValuesGoWithTheirKeys(t *testing.T) {
	const keys = 200
	for _, c := range []struct {
		name    string
		collect func(t *testing.T)
	}{
		// The keys die at once. The first collection finds them dead; the
		// sweeper leaves the map to its callers, which just used it. The
		// second pass finds the map idle and drops the entries; the third
		// collection reclaims the values.
		{"three collections, no call", func(t *testing.T) {
			for range 3 {
				sweepAfterGC(t)
			}
		}},
		{"Collect", func(*testing.T) { Collect() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			runtime.GC()
			before := heapBytes()
			m := new(WeakKeyMap[node, []byte])
			live := fillKeyMap(m, keys, mib)
			runtime.GC()
			if full := heapBytes(); full < before+keys*mib*9/10 {
				t.Fatalf("heap %d after the fill, want at least %d more than %d", full, keys*mib*9/10, before)
			}
			runtime.KeepAlive(live)
			live = nil
			c.collect(t)
			if after := heapBytes(); after > before+4*mib {
				t.Fatalf("heap %d after %s, want within 4 MiB of %d: the values of dead keys are alive", after, c.name, before)
			}
			runtime.KeepAlive(m)
		})
	}
}

// fillValueMap stores n entries under 48-byte keys and returns their
// values, which the caller keeps alive.
//
//go:noinline
func fillValueMap(m *WeakValueMap[string, node], n int) []*node {
	vals := make([]*node, n)
	for i := range vals {
		vals[i] = newNode(i)
		m.Store(fmt.Sprintf("%048d", i), vals[i])
	}
	return vals
}

// Promise 2: a collection whose objects all died gives back its memory
// (keys, slots and weak handles) with no call on it, and Clear gives back
// the rest. The figures are heap bytes: the runtime's records for weak
// handles live off the heap, and the runtime keeps their memory for its
// next records instead of giving it back (see BENCHMARKS.md).
func TestIdleMapGivesMemoryBack(t *testing.T) {
	n := 1_000_000 / raceSlowdown
	base := settledMemory()
	m := new(WeakValueMap[string, node])
	vals := fillValueMap(m, n)
	withMap := memory()
	m2 := new(WeakValueMap[string, node])
	valsOnly := fillValueMap(m2, 0) // a slice header: nothing
	runtime.KeepAlive(valsOnly)
	full := int64(withMap.heap) - int64(base.heap) - int64(n)*(24+8) // less the values and their slice
	runtime.KeepAlive(vals)
	vals = nil
	gcs, left := 0, int64(0)
	for gcs < 10 {
		sweepAfterGC(t)
		gcs++
		left = int64(memory().heap) - int64(base.heap)
		if left < full/4 && left < int64(n) {
			break
		}
	}
	t.Logf("%d entries: the map held %d heap bytes (%.1f per entry); %d after %d collections", n, full, float64(full)/float64(n), left, gcs)
	if left >= full/4 || left >= int64(n) {
		t.Fatalf("an idle map whose values died holds %d of its %d heap bytes after %d collections; want under a quarter, and under a byte per entry", left, full, gcs)
	}
	if m.Len() != 0 {
		t.Fatalf("Len %d, want 0", m.Len())
	}
	m.Clear()
	after := memory()
	if after.heap > base.heap+64<<10 {
		t.Fatalf("live heap %d after Clear, want within 64 KiB of %d", after.heap, base.heap)
	}
	runtime.KeepAlive(m)
}

// Promise 2, for the identity tables: a WeakKeyMap and a WeakSet whose
// keys died give back their slots and weak handles with no call on them.
func TestIdleKeyMapAndSetGiveMemoryBack(t *testing.T) {
	n := 200_000 / raceSlowdown
	base := settledMemory()
	km := new(WeakKeyMap[node, int])
	ws := new(WeakSet[node])
	keys := make([]*node, n)
	for i := range keys {
		keys[i] = newNode(i)
		km.Store(keys[i], i)
		ws.Add(keys[i])
	}
	full := int64(memory().heap) - int64(base.heap)
	// Keep the keys through that measurement: unused after it, they would
	// die in its collections, and a sweep could reclaim their entries too
	// (CI once measured the full maps as 105 KB that way).
	runtime.KeepAlive(keys)
	keys = nil
	for range 3 {
		sweepAfterGC(t)
	}
	left := int64(memory().heap) - int64(base.heap)
	t.Logf("%d keys in a WeakKeyMap and a WeakSet: %d heap bytes with the keys, %d after", n, full, left)
	if left >= full/4 {
		t.Fatalf("idle WeakKeyMap and WeakSet hold %d of %d heap bytes", left, full)
	}
	km.Clear()
	ws.Clear()
	if after := memory(); after.heap > base.heap+64<<10 {
		t.Fatalf("live heap %d after Clear, want within 64 KiB of %d", after.heap, base.heap)
	}
	runtime.KeepAlive(km)
	runtime.KeepAlive(ws)
}

// Promise 5: a dropped collection is collected while its objects live,
// and its table with it: the sweeper holds a table only while its
// collection lives.
func TestSweeperLetsDroppedTablesGo(t *testing.T) {
	k := newNode(1)
	m, root := func() (weak.Pointer[WeakKeyMap[node, int]], weak.Pointer[tableRoot[*node, idEntry[node, int]]]) {
		m := new(WeakKeyMap[node, int])
		m.Store(k, 1)
		return weak.Make(m), weak.Make(m.ids.entries.root.Load())
	}()
	sweepAfterGC(t) // collects the map; its cleanup lets the table go
	if m.Value() != nil {
		t.Fatal("a dropped map was kept alive")
	}
	// sweepAfterGC waits for the sweeper's own cleanup, not for the map's,
	// which the runtime may run later: until it has run, the sweeper holds
	// the table, and the next collection rightly keeps it.
	drainCleanups()
	sweepAfterGC(t)
	if root.Value() != nil {
		t.Fatal("the sweeper kept a dropped map's table alive")
	}
	runtime.KeepAlive(k)
}

// Promise 5: the sweeper removes an entry only if that entry's own object
// died, never a newer entry stored under the same key (CPython
// bpo-28427), even when the old object dies while the map is idle.
func TestSweeperKeepsNewerEntry(t *testing.T) {
	var m WeakValueMap[int, node]
	m.Store(1, newNode(1))
	keep := newNode(2)
	runtime.GC() // the first value dies
	m.Store(1, keep)
	for range 3 {
		sweepAfterGC(t)
	}
	if v, ok := m.Load(1); !ok || v != keep {
		t.Fatal("a sweep removed the newer entry")
	}
}

// Promise 5: the sweeper leaves no goroutine behind. A pass runs on its
// own goroutine, which ends with the pass.
func TestSweeperLeavesNoGoroutine(t *testing.T) {
	sweepAfterGC(t)
	base := goroutinesDownTo(runtime.NumGoroutine())
	var m WeakValueMap[int, node]
	for i := range 10_000 {
		m.Store(i, newNode(i))
	}
	for range 3 {
		sweepAfterGC(t)
	}
	if m.Len() != 0 {
		t.Fatalf("Len %d, want 0", m.Len())
	}
	if g := goroutinesDownTo(base); g > base || sweeperGoroutines() != 0 {
		t.Fatalf("%d goroutines after the sweeps, %d before; %d sweeping", g, base, sweeperGoroutines())
	}
}

// Collect collects a second time only when a sweep released memory that
// its first collection could not reclaim: the values of dead WeakKeyMap
// keys, not the entries of a WeakSet, which hold nothing.
func TestCollectCollectsAgainOnlyForReleasedValues(t *testing.T) {
	Collect() // nothing left to sweep from earlier tests
	collections := 0
	testHookCollected = func() { collections++ }
	defer func() { testHookCollected = nil }()
	var set WeakSet[node]
	var m WeakKeyMap[node, []byte]
	for _, c := range []struct {
		what string
		add  func(*node)
		want int
	}{
		{"WeakSet", func(o *node) { set.Add(o) }, 1},
		{"WeakKeyMap with []byte values", func(o *node) { m.Store(o, make([]byte, 64)) }, 2},
	} {
		addDropped(1000, c.add)
		collections = 0
		Collect()
		if collections != c.want {
			t.Errorf("%s: Collect collected %d times after its entries died, want %d", c.what, collections, c.want)
		}
	}
	if set.Len() != 0 || m.Len() != 0 {
		t.Fatalf("entries left after Collect: %d in the set, %d in the map", set.Len(), m.Len())
	}
}

// addDropped adds n new objects with add, and drops them.
//
//go:noinline
func addDropped(n int, add func(*node)) {
	for i := range n {
		add(newNode(i))
	}
}
