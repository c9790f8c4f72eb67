package weakref

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// testEntry is a table entry whose liveness the test decides. An
// immortal one is removed only by its owner, as a registry record is.
type testEntry struct {
	key      int
	dead     *atomic.Bool
	immortal bool
}

func (e testEntry) matches(k int) bool { return e.key == k }
func (e testEntry) alive() bool        { return !e.dead.Load() }
func (e testEntry) mortal() bool       { return !e.immortal }
func (testEntry) holds() bool          { return false }

type testTable struct {
	t    table[int, testEntry]
	hash func(int) uint64 // test-only: forces collisions
}

func (tt *testTable) store(k int, dead *atomic.Bool) {
	tt.put(testEntry{key: k, dead: dead})
}

// put stores e in place of k's entry, if k has one.
func (tt *testTable) put(e testEntry) {
	h := hashOf(tt.hash(e.key))
	sh := tt.t.lockForWrite(h)
	if i := sh.find(h, e.key); i >= 0 {
		sh.replace(i, e)
	} else {
		sh.insert(h, e)
	}
	sh.mu.Unlock()
}

// counts returns the table's entries, and how many of them are mortal,
// from the shards' own counts.
func (tt *testTable) counts() (used, mortal int) {
	tt.t.root.Load().each(func(sh *shard[int, testEntry]) bool {
		used += sh.used
		mortal += sh.mortal
		return true
	})
	return used, mortal
}

func (tt *testTable) load(k int) bool {
	h := hashOf(tt.hash(k))
	sh := tt.t.lock(h)
	if sh == nil {
		return false
	}
	defer sh.mu.Unlock()
	return sh.find(h, k) >= 0
}

func (tt *testTable) remove(k int) bool {
	h := hashOf(tt.hash(k))
	sh := tt.t.lock(h)
	if sh == nil {
		return false
	}
	defer sh.mu.Unlock()
	i := sh.find(h, k)
	if i >= 0 {
		sh.remove(i)
	}
	return i >= 0
}

func (tt *testTable) keys() map[int]int {
	seen := map[int]int{}
	tt.t.snapshot(func(slots []slot[testEntry]) bool {
		for _, s := range slots {
			seen[s.e.key]++
		}
		return true
	})
	return seen
}

var hashes = map[string]func(int) uint64{
	"spread":   func(k int) uint64 { return hashKey(k) },
	"3 hashes": func(k int) uint64 { return uint64(k%3) << 62 },
	"one hash": func(int) uint64 { return 42 },
}

// The table agrees with a plain map under random stores and removes,
// whatever the hashes: probing goes on past a slot whose hash matches
// another key's, and backward-shift deletion keeps every entry reachable,
// across the end of the slot array too.
//
// It holds for a table split into shards from the start, as the registry
// is (newSplitRoot), as for one that starts as a single shard.
func TestTableAgreesWithMap(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(hashes)) {
		for _, start := range []int{1, registryShards} {
			t.Run(fmt.Sprintf("%s/shards=%d", name, start), func(t *testing.T) {
				tt := &testTable{hash: hashes[name]}
				tt.t.root.Store(newSplitRoot[int, testEntry](start))
				agreeWithMap(t, tt)
			})
		}
	}
}

// agreeWithMap checks tt against a map under random stores and removes.
func agreeWithMap(t *testing.T, tt *testTable) {
	t.Helper()
	model := map[int]bool{}
	alive := new(atomic.Bool)
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 20_000 {
		k := r.IntN(3000)
		if r.IntN(3) == 0 {
			if tt.remove(k) != model[k] {
				t.Fatalf("step %d: remove(%d) disagrees with the model", step, k)
			}
			delete(model, k)
		} else {
			tt.store(k, alive)
			model[k] = true
		}
		if step%1000 == 0 || step == 19_999 {
			checkTable(t, tt, model)
		}
	}
}

func checkTable(t *testing.T, tt *testTable, model map[int]bool) {
	t.Helper()
	if n := tt.t.len(); n != len(model) {
		t.Fatalf("len %d, model %d", n, len(model))
	}
	for k, n := range tt.keys() {
		if n != 1 || !model[k] {
			t.Fatalf("key %d visited %d times; in the model: %v", k, n, model[k])
		}
	}
	for k := range model {
		if !tt.load(k) {
			t.Fatalf("key %d not found", k)
		}
	}
}

// A table splits full shards, so no shard holds more than maxSlots slots
// and the directory grows instead.
func TestTableSplitsFullShards(t *testing.T) {
	tt := &testTable{hash: hashes["spread"]}
	alive := new(atomic.Bool)
	const n = 100_000
	for k := range n {
		tt.store(k, alive)
	}
	d := tt.t.root.Load().dir.Load()
	shards := 0
	d.each(func(sh *shard[int, testEntry]) bool {
		shards++
		if len(sh.slots) > maxSlots {
			t.Fatalf("a shard has %d slots", len(sh.slots))
		}
		return true
	})
	if shards < n/maxSlots {
		t.Fatalf("%d entries in %d shards", n, shards)
	}
	t.Logf("%d entries: %d shards, directory of %d", n, shards, len(d.shards))
	model := map[int]bool{}
	for k := range n {
		model[k] = true
	}
	checkTable(t, tt, model)
}

// Entries whose hashes are all equal cannot be split apart: their shard
// grows past maxSlots instead of splitting, and the directory stays one
// shard.
func TestTableCollidingHashesGrowAShard(t *testing.T) {
	tt := &testTable{hash: hashes["one hash"]}
	alive := new(atomic.Bool)
	model := map[int]bool{}
	for k := range 2 * maxSlots {
		tt.store(k, alive)
		model[k] = true
	}
	checkTable(t, tt, model)
	if d := tt.t.root.Load().dir.Load(); len(d.shards) != 1 {
		t.Fatalf("colliding hashes made a directory of %d", len(d.shards))
	}
}

// A sweep removes exactly the entries whose objects died, and a shard
// that empties gives back its slots.
func TestTableSweepRemovesOnlyTheDead(t *testing.T) {
	tt := &testTable{hash: hashes["3 hashes"]}
	alive, dying := new(atomic.Bool), new(atomic.Bool)
	model := map[int]bool{}
	for k := range 600 {
		if k%2 == 0 {
			tt.store(k, dying)
		} else {
			tt.store(k, alive)
			model[k] = true
		}
	}
	dying.Store(true)
	if removed := tt.t.root.Load().sweepAll(gcCycles() + 1000); removed != 300 {
		t.Fatalf("sweep removed %d entries, want 300", removed)
	}
	checkTable(t, tt, model)
	alive.Store(true)
	tt.t.root.Load().sweepAll(gcCycles() + 2000)
	tt.t.root.Load().dir.Load().each(func(sh *shard[int, testEntry]) bool {
		if sh.slots != nil || sh.used != 0 {
			t.Fatalf("an empty shard kept %d slots", len(sh.slots))
		}
		return true
	})
}

// A sweep asks only mortal entries whether they live, and a shard without
// any is not swept at all: entries that only their owner removes, such as
// the registry's records, cost the sweeper nothing. The shards count their
// mortal entries through inserts, replacements, removals and splits.
func TestTableSweepsOnlyMortalEntries(t *testing.T) {
	tt := &testTable{hash: hashes["spread"]}
	dead, alive, dying := new(atomic.Bool), new(atomic.Bool), new(atomic.Bool)
	// The immortal entries are dead: a sweep that asked them would
	// remove them. 3000 entries split shards.
	dead.Store(true)
	for k := range 3000 {
		if k%2 == 0 {
			tt.put(testEntry{key: k, dead: dead, immortal: true})
		} else {
			tt.put(testEntry{key: k, dead: dying})
		}
	}
	if used, mortal := tt.counts(); used != 3000 || mortal != 1500 {
		t.Fatalf("counts %d used, %d mortal; want 3000 and 1500", used, mortal)
	}
	dying.Store(true)
	if removed := tt.t.root.Load().sweepAll(gcCycles() + 1000); removed != 1500 {
		t.Fatalf("sweep removed %d entries, want the 1500 mortal ones", removed)
	}
	if used, mortal := tt.counts(); used != 1500 || mortal != 0 {
		t.Fatalf("counts %d used, %d mortal; want 1500 and 0", used, mortal)
	}
	// A replacement can make an entry mortal, and then a sweep asks it.
	tt.put(testEntry{key: 0, dead: alive})
	tt.put(testEntry{key: 2, dead: dead})
	if used, mortal := tt.counts(); used != 1500 || mortal != 2 {
		t.Fatalf("counts %d used, %d mortal; want 1500 and 2", used, mortal)
	}
	if removed := tt.t.root.Load().sweepAll(gcCycles() + 2000); removed != 1 || !tt.load(0) || tt.load(2) {
		t.Fatalf("sweep removed %d entries, want only key 2's", removed)
	}
	for k := 4; k < 3000; k += 2 {
		tt.remove(k)
	}
	if used, mortal := tt.counts(); used != 1 || mortal != 1 {
		t.Fatalf("counts %d used, %d mortal; want 1 and 1", used, mortal)
	}
}

// Concurrent stores, removes, loads, iterations, sweeps, Len and Clear on
// colliding hashes: run under -race, this is the test of the table's
// locking. Every key a goroutine stored and did not remove is there at the
// end.
func TestTableConcurrentCollisions(t *testing.T) {
	for name, hash := range hashes {
		t.Run(name, func(t *testing.T) {
			tt := &testTable{hash: hash}
			alive := new(atomic.Bool)
			const workers, keys = 4, 1500
			var wg sync.WaitGroup
			var stop atomic.Bool
			results := make([]map[int]bool, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 3))
					mine := map[int]bool{}
					for range 20_000 / raceSlowdown {
						k := w + workers*r.IntN(keys/workers) // disjoint keys per worker
						switch r.IntN(4) {
						case 0:
							tt.remove(k)
							delete(mine, k)
						case 1:
							if tt.load(k) != mine[k] {
								t.Errorf("load(%d) = %v, want %v", k, !mine[k], mine[k])
								return
							}
						default:
							tt.store(k, alive)
							mine[k] = true
						}
					}
					results[w] = mine
				}()
			}
			var side sync.WaitGroup
			side.Add(1)
			go func() {
				defer side.Done()
				for !stop.Load() {
					tt.keys()
					tt.t.len()
					if r := tt.t.root.Load(); r != nil {
						r.sweepAll(gcCycles() + 1)
					}
				}
			}()
			wg.Wait()
			stop.Store(true)
			side.Wait()
			model := map[int]bool{}
			for _, mine := range results {
				for k := range mine {
					model[k] = true
				}
			}
			checkTable(t, tt, model)
			tt.t.clear()
			checkTable(t, tt, map[int]bool{})
		})
	}
}

// usingEntry is a table entry that is alive until the test sweeps, and
// then dead, with a use of the table each time a sweep asks.
type usingEntry struct {
	key int
	s   *usingSweep
}

type usingSweep struct {
	sweeping bool
	use      func()
}

func (e usingEntry) matches(k int) bool { return e.key == k }
func (usingEntry) mortal() bool         { return true }
func (usingEntry) holds() bool          { return false }

func (e usingEntry) alive() bool {
	if !e.s.sweeping {
		return true
	}
	e.s.use()
	return false
}

// A sweeper pass over an idle table stops at the first shard boundary
// after a caller used the table: the caller may be about to collect, and
// a pass that went on would resolve weak pointers while the collection
// marks. Collect's sweep of every table (sweepAll) goes on to the end.
func TestIdleSweepStopsWhenTheTableIsUsed(t *testing.T) {
	for _, idle := range []bool{true, false} {
		t.Run(fmt.Sprintf("idle=%v", idle), func(t *testing.T) {
			const n = 400
			var tab table[int, usingEntry]
			r := newSplitRoot[int, usingEntry](4)
			tab.root.Store(r)
			s := &usingSweep{use: func() { r.touched.Store(true) }}
			for k := range n {
				h := hashOf(hashKey(k))
				sh := tab.lockForWrite(h)
				sh.insert(h, usingEntry{k, s})
				sh.mu.Unlock()
			}
			r.touched.Store(false)
			s.sweeping = true
			removed := r.sweepAside(lastGC.Load()+1, idle)
			switch {
			case idle && (removed == 0 || removed == n):
				t.Fatalf("the pass removed %d of %d dead entries, want those of the shards before the use", removed, n)
			case !idle && removed != n:
				t.Fatalf("sweepAll removed %d of %d dead entries", removed, n)
			}
		})
	}
}
