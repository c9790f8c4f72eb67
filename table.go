package weakref

import (
	"math/bits"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
)

// A table is the hash table under the weak collections: a directory of
// shards, each a small open-addressed array of slots (shard.go). The top
// bits of a hash choose the shard, as in extendible hashing, and its low
// bits the first slot to probe.
//
// A shard never holds more than maxSlots slots. When a full shard has no
// dead entries to drop, it splits into two, each taking the entries whose
// next hash bit is 0 or 1, and the directory doubles if it must. So every
// operation's work under a shard lock is bounded by maxSlots, whatever the
// table's size: growing, sweeping dead entries and shrinking all stay
// small, and no caller waits behind work that grows with the table.
//
// Slots hold weak pointers. Entries whose objects died are removed by
// sweeping a shard: resolving every weak pointer in it once. A shard
// sweeps itself when a write needs room, after enough operations once a
// collection has passed (so that a busy table gives back its dead entries
// without a write), and when Len needs an exact count; the background
// sweeper (sweeper.go) sweeps tables left idle.
type table[Q any, E entry[Q]] struct {
	root atomic.Pointer[tableRoot[Q, E]]
}

// An entry is what a slot holds besides its hash.
type entry[Q any] interface {
	// matches reports whether the entry is the one for q. It may resolve a
	// weak pointer.
	matches(q Q) bool
	// alive reports whether the entry's weakly held object lives. It
	// resolves a weak pointer.
	alive() bool
	// mortal reports whether alive can ever report false. A sweep asks
	// only mortal entries, and a shard counts them so that it skips the
	// sweep while it has none: entries that only their owner removes,
	// such as the registry's records, cost a sweep nothing.
	mortal() bool
	// holds reports whether entries of this type hold memory strongly,
	// such as a WeakKeyMap's values, which removing one may let the
	// collector reclaim. It depends on the type only, not the entry.
	holds() bool
}

// tableRoot is a table's state once it has been written to. The sweeper
// holds it until the collection that holds the table is collected.
type tableRoot[Q any, E entry[Q]] struct {
	mu      sync.Mutex // serializes changes to the directory
	dir     atomic.Pointer[directory[Q, E]]
	touched atomic.Bool // used since the sweeper last looked
}

// A directory maps the top bits of a hash to a shard. A shard whose
// depth is smaller than the directory's appears in 1<<(depth-shard.depth)
// consecutive places.
type directory[Q any, E entry[Q]] struct {
	depth  uint8
	shards []*shard[Q, E]
}

func (d *directory[Q, E]) index(h uint64) uint64 {
	if d.depth == 0 {
		return 0
	}
	return h >> (64 - d.depth)
}

// each calls f on each shard of d once, in order.
func (d *directory[Q, E]) each(f func(*shard[Q, E]) bool) {
	var last *shard[Q, E]
	for _, sh := range d.shards {
		if sh != last {
			last = sh
			if !f(sh) {
				return
			}
		}
	}
}

// hashOf makes h a slot hash: 0 marks an empty slot.
func hashOf(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// get returns the table's root, or nil if the table was never written to.
// It marks the table used, so that the sweeper leaves it to its callers.
func (t *table[Q, E]) get() *tableRoot[Q, E] {
	r := t.root.Load()
	if r != nil && !r.touched.Load() {
		r.touched.Store(true)
	}
	return r
}

// ensure returns the table's root, making it on first use.
func (t *table[Q, E]) ensure() *tableRoot[Q, E] {
	if r := t.get(); r != nil {
		return r
	}
	r := newSplitRoot[Q, E](1)
	if t.root.CompareAndSwap(nil, r) {
		register(t, r)
		return r
	}
	return t.get()
}

// newSplitRoot returns a root whose directory has n empty shards, as if
// a table of one had split until it had n; n is a power of two. Shards
// are made empty: each allocates its slots on its first insert.
func newSplitRoot[Q any, E entry[Q]](n int) *tableRoot[Q, E] {
	d := &directory[Q, E]{depth: uint8(bits.TrailingZeros(uint(n)))}
	d.shards = make([]*shard[Q, E], n)
	for i := range d.shards {
		d.shards[i] = &shard[Q, E]{depth: d.depth, prefix: uint64(i)}
	}
	r := new(tableRoot[Q, E])
	r.dir.Store(d)
	r.touched.Store(true)
	return r
}

// lock returns h's shard, locked. It returns nil for a table never
// written to.
func (t *table[Q, E]) lock(h uint64) *shard[Q, E] {
	r := t.get()
	if r == nil {
		return nil
	}
	return r.lock(h)
}

func (r *tableRoot[Q, E]) lock(h uint64) *shard[Q, E] {
	for {
		d := r.dir.Load()
		sh := d.shards[d.index(h)]
		sh.mu.Lock()
		if !sh.retired {
			return sh
		}
		sh.mu.Unlock() // split or cleared: the new directory has it
	}
}

// lockForWrite returns h's shard, locked, with room for one more entry.
func (t *table[Q, E]) lockForWrite(h uint64) *shard[Q, E] {
	r := t.ensure()
	for {
		sh := r.lock(h)
		if sh.makeRoom() {
			return sh
		}
		sh.mu.Unlock()
		r.split(sh)
	}
}

// split replaces the full shard sh by two, unless another caller already
// did. The directory lock is taken before the shard's, as Clear does.
func (r *tableRoot[Q, E]) split(sh *shard[Q, E]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.retired || sh.hasRoom() {
		return
	}
	lo, hi := sh.halves()
	d := r.dir.Load()
	nd := &directory[Q, E]{depth: d.depth}
	if sh.depth == d.depth {
		nd.depth++
		nd.shards = make([]*shard[Q, E], 2*len(d.shards))
		for i, s := range d.shards {
			nd.shards[2*i], nd.shards[2*i+1] = s, s
		}
	} else {
		nd.shards = append([]*shard[Q, E](nil), d.shards...)
	}
	// sh covers the places whose top sh.depth bits are its prefix.
	span := 1 << (nd.depth - sh.depth)
	first := int(sh.prefix) * span
	for i := range span {
		if i < span/2 {
			nd.shards[first+i] = lo
		} else {
			nd.shards[first+i] = hi
		}
	}
	sh.retire(lo, hi)
	r.dir.Store(nd)
}

// each calls f on every live shard, locked, in directory order, without
// holding more than one lock at a time. A shard split since the walk
// began is visited through its halves, so no entry is missed or visited
// twice by reason of a split. f returns false to stop.
func (r *tableRoot[Q, E]) each(f func(*shard[Q, E]) bool) {
	r.dir.Load().each(func(sh *shard[Q, E]) bool { return visit(sh, f) })
}

func visit[Q any, E entry[Q]](sh *shard[Q, E], f func(*shard[Q, E]) bool) bool {
	sh.mu.Lock()
	if sh.retired {
		halves := sh.halvesAfter
		sh.mu.Unlock()
		for _, h := range halves {
			if h != nil && !visit(h, f) {
				return false
			}
		}
		return true
	}
	more := f(sh)
	sh.mu.Unlock()
	return more
}

// len returns the number of live entries. Every shard that a collection
// has passed since its last sweep sweeps first, each under its own lock,
// so the count is exact right after runtime.GC and no caller waits for
// more than one shard's sweep. Large tables sweep on every core.
func (t *table[Q, E]) len() int {
	r := t.get()
	if r == nil {
		return 0
	}
	c := gcCycles()
	var n atomic.Int64
	r.eachParallel(func(sh *shard[Q, E]) {
		sh.sweepIfStale(c)
		n.Add(int64(sh.used))
	})
	return int(n.Load())
}

// parallelShards is the number of shards from which a walk that sweeps
// runs on every core. A sweep waits on a cache miss per entry, so it
// scales with cores; reclaiming a million dead entries is the case that
// needs it.
const parallelShards = 64

// eachParallel calls f on every live shard, locked, on up to GOMAXPROCS
// goroutines for a large table.
func (r *tableRoot[Q, E]) eachParallel(f func(*shard[Q, E])) {
	d := r.dir.Load()
	procs := runtime.GOMAXPROCS(0)
	if procs == 1 || len(d.shards) < parallelShards {
		r.each(func(sh *shard[Q, E]) bool { f(sh); return true })
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(d.shards)) {
				return
			}
			sh := d.shards[i]
			if i > 0 && d.shards[i-1] == sh {
				continue
			}
			visit(sh, func(sh *shard[Q, E]) bool { f(sh); return true })
			// Let other goroutines run between shards: a sweep on every
			// core must not keep the map's other users off the CPU. It
			// also means that a helper ends having yielded since its last
			// sweep, with no resolved pointer left in its registers for a
			// Collect that starts as it exits (see tableRoot.sweepAside).
			runtime.Gosched()
		}
	}
	var wg sync.WaitGroup
	for range min(procs, len(d.shards)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// clear deletes every entry and gives back the table's memory.
func (t *table[Q, E]) clear() {
	r := t.get()
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.dir.Load()
	r.dir.Store(&directory[Q, E]{shards: []*shard[Q, E]{{}}})
	old.each(func(sh *shard[Q, E]) bool {
		sh.mu.Lock()
		sh.retire(nil, nil)
		sh.mu.Unlock()
		return true
	})
}

// pop removes entries until take accepts one; see shard.popLive.
func (t *table[Q, E]) pop(take func(E) bool) {
	r := t.get()
	if r == nil {
		return
	}
	r.each(func(sh *shard[Q, E]) bool { return !sh.popLive(take) })
}

// snapshot calls f with a copy of each shard's entries, taken under the
// shard's lock, and with no lock held while f runs, so that iterators can
// run the loop body unlocked. f returns false to stop.
func (t *table[Q, E]) snapshot(f func([]slot[E]) bool) {
	r := t.get()
	if r == nil {
		return
	}
	var buf []slot[E]
	r.dir.Load().each(func(sh *shard[Q, E]) bool {
		buf = buf[:0]
		visit(sh, func(sh *shard[Q, E]) bool {
			buf = sh.appendUsed(buf)
			return true
		})
		return f(buf)
	})
}

// cloneInto copies t's entries into the empty table c. Copying weak
// pointers is cheap: it needs no new runtime records.
func (t *table[Q, E]) cloneInto(c *table[Q, E]) {
	t.snapshot(func(slots []slot[E]) bool {
		for _, s := range slots {
			sh := c.lockForWrite(s.hash)
			sh.insert(s.hash, s.e)
			sh.mu.Unlock()
		}
		return true
	})
}

// noCopy makes go vet report a collection copied after first use.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// holdsPointers reports whether a value of type t holds a pointer: to
// another object, or to the memory of a string or slice.
func holdsPointers(t reflect.Type) bool {
	if v, ok := pointerful.Load(t); ok {
		return v.(bool)
	}
	v := holdsPointersType(t)
	pointerful.Store(t, v)
	return v
}

// pointerful caches holdsPointers, which a sweep asks once.
var pointerful sync.Map // reflect.Type to bool

func holdsPointersType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && holdsPointersType(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointersType(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true // strings, slices, pointers, maps, channels, functions, interfaces
}
