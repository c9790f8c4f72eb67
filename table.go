package weakref

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A table is the sharded hash map under the weak collections. Its slots
// hold weak pointers, and it removes the slots whose objects died by
// sweeping, instead of attaching a runtime cleanup to every entry:
//
//   - a cleanup per entry would double the runtime's records per object
//     and the time to store one;
//   - a sweep runs only when the caller writes or asks for Len, never in
//     the background, where resolving weak pointers while the collector
//     marks would keep unreachable objects alive cycle after cycle.
//
// A shard that has doubled since its last sweep checks a sample of its
// slots on the next write, and sweeps if a collection happened since its
// last sweep and the sample holds a dead entry; Len sweeps every shard a
// collection has passed since its last sweep, on every core for large
// tables. So writes stay amortized constant time, dead entries stay a
// small part of a growing map, and Len is exact right after runtime.GC.
type table[K comparable, S slot[S]] struct {
	shards atomic.Pointer[[]shard[K, S]]
}

// A slot is what a table keeps under one key: one or more weak entries.
type slot[S any] interface {
	// sweep returns the slot without its dead entries, and how many it
	// kept.
	sweep() (S, int)
	// size returns how many entries the slot holds, dead or alive.
	size() int
	// clone returns a copy that shares nothing mutable with the slot.
	clone() S
}

type shard[K comparable, S slot[S]] struct {
	mu     sync.Mutex
	m      map[K]S
	n      int    // entries, dead or alive, in m
	swept  uint64 // gcCycles at the last sweep
	growAt int    // n at which a write sweeps
	size   shrinker
	_      [16]byte
}

// shardCount is a power of two, enough for concurrent callers on every
// core to rarely meet on one shard.
var shardCount = func() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) && n < 64 {
		n <<= 1
	}
	return n
}()

// shardFor returns the shard for hash h. With create false it returns nil
// for a table that was never written to, so reads of a zero table do not
// allocate.
func (t *table[K, S]) shardFor(h uint64, create bool) *shard[K, S] {
	p := t.shards.Load()
	if p == nil {
		if !create {
			return nil
		}
		s := make([]shard[K, S], shardCount)
		if t.shards.CompareAndSwap(nil, &s) {
			p = &s
		} else {
			p = t.shards.Load()
		}
	}
	return &(*p)[h&uint64(len(*p)-1)]
}

// all returns the shards, or nil for a table never written to.
func (t *table[K, S]) all() []shard[K, S] {
	if p := t.shards.Load(); p != nil {
		return *p
	}
	return nil
}

// put stores s under k. The caller holds sh.mu.
func (sh *shard[K, S]) put(k K, s S) {
	if sh.m == nil {
		sh.m = make(map[K]S)
	}
	old, had := sh.m[k]
	sh.m[k] = s
	sh.size.added(len(sh.m))
	if had {
		sh.n -= old.size()
	}
	sh.n += s.size()
	if sh.n >= sh.growAt {
		if c := gcCycles(); sh.sampleDead(c) {
			sh.sweepIfStale(c)
		}
		sh.growAt = max(2*sh.n, 64)
	}
}

// sampleSize is how many slots a growing shard checks before it sweeps.
// If a fifth of the entries are dead, a sample this size misses all of
// them less than once in a thousand doublings.
const sampleSize = 32

// sampleDead reports whether a collection happened since the last sweep,
// given c, the current gcCycles, and a sample of the slots holds a dead
// entry. A map that only grows then
// never pays for a sweep, which resolves a weak pointer per entry: a cache
// miss each, the most expensive part of a store. Map iteration starts at
// a random slot and slots are in hash order, so the first slots are a
// random sample. The caller holds sh.mu.
func (sh *shard[K, S]) sampleDead(c uint64) bool {
	if c == sh.swept {
		return false
	}
	i := 0
	for _, s := range sh.m {
		if _, n := s.sweep(); n != s.size() {
			return true
		}
		if i++; i == sampleSize {
			break
		}
	}
	return false
}

// remove deletes k. The caller holds sh.mu.
func (sh *shard[K, S]) remove(k K) {
	if old, ok := sh.m[k]; ok {
		sh.n -= old.size()
		delete(sh.m, k)
		sh.m = shrink(sh.m, &sh.size)
	}
}

// sweepIfStale removes dead entries if a collection happened since the
// last sweep, given c, the current gcCycles. The caller holds sh.mu.
func (sh *shard[K, S]) sweepIfStale(c uint64) {
	if c == sh.swept {
		return
	}
	sh.swept = c
	for k, s := range sh.m {
		kept, n := s.sweep()
		sh.n -= s.size() - n
		if n == 0 {
			delete(sh.m, k)
		} else if n != s.size() {
			sh.m[k] = kept
		}
	}
	sh.m = shrink(sh.m, &sh.size)
}

// len returns the number of live entries; exact after runtime.GC.
func (t *table[K, S]) len() int {
	shards := t.all()
	c := gcCycles() // read once: it costs a runtime/metrics read
	t.sweepParallel(shards, c)
	n := 0
	for i := range shards {
		sh := &shards[i]
		sh.mu.Lock()
		sh.sweepIfStale(c)
		n += sh.n
		sh.mu.Unlock()
	}
	return n
}

// parallelSweepMin is the number of entries from which len sweeps on every
// core.
const parallelSweepMin = 1 << 16

// sweepParallel sweeps the shards on every core if there are enough
// entries to repay starting goroutines. A sweep waits on a cache miss per
// entry, so it scales with cores; reclaiming a million dead entries is the
// case that needs it.
func (t *table[K, S]) sweepParallel(shards []shard[K, S], c uint64) {
	procs := runtime.GOMAXPROCS(0)
	if procs == 1 || len(shards) < 2 {
		return
	}
	total := 0
	for i := range shards {
		sh := &shards[i]
		sh.mu.Lock()
		if sh.swept != c {
			total += sh.n
		}
		sh.mu.Unlock()
	}
	if total < parallelSweepMin {
		return
	}
	var next atomic.Int64
	work := func() {
		for i := next.Add(1) - 1; i < int64(len(shards)); i = next.Add(1) - 1 {
			sh := &shards[i]
			sh.mu.Lock()
			sh.sweepIfStale(c)
			sh.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range min(procs, len(shards)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

func (t *table[K, S]) clear() {
	for i := range t.all() {
		sh := &t.all()[i]
		sh.mu.Lock()
		sh.m, sh.n, sh.size = nil, 0, shrinker{} // give the memory back
		sh.mu.Unlock()
	}
}

// cloneInto copies t into the empty table c. Copying weak pointers is
// cheap: it needs no new runtime records.
func (t *table[K, S]) cloneInto(c *table[K, S]) {
	for i := range t.all() {
		sh := &t.all()[i]
		sh.mu.Lock()
		if len(sh.m) > 0 {
			dst := &(*c.ensure())[i]
			dst.m = make(map[K]S, len(sh.m))
			for k, s := range sh.m {
				dst.m[k] = s.clone()
			}
			dst.n, dst.growAt = sh.n, sh.growAt
		}
		sh.mu.Unlock()
	}
}

func (t *table[K, S]) ensure() *[]shard[K, S] {
	t.shardFor(0, true)
	return t.shards.Load()
}

// A pair is a key and its slot, as snapshot copies them.
type pair[K comparable, S any] struct {
	k K
	s S
}

// snapshot appends shard i's slots to buf. Iterators copy a shard under
// its lock and yield from the copy, so that no lock is held while the loop
// body runs.
func (t *table[K, S]) snapshot(i int, buf []pair[K, S]) []pair[K, S] {
	sh := &t.all()[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for k, s := range sh.m {
		buf = append(buf, pair[K, S]{k, s})
	}
	return buf
}

// noCopy makes go vet report a collection copied after first use.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
