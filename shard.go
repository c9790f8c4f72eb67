package weakref

import (
	"sync"
	"sync/atomic"
)

// A shard is one open-addressed array of a table's slots, with linear
// probing and backward-shift deletion, so that it needs no tombstones and
// a sweep leaves no trace of the entries it removes.
type shard[Q any, E entry[Q]] struct {
	mu      sync.Mutex
	slots   []slot[E] // nil, or at least minSlots long
	used    int       // occupied slots, dead or alive
	mortal  int       // occupied slots whose entry is mortal
	swept   uint64    // gcCycles when a sweep last began
	sampled uint64    // lastGC when makeRoom last sampled
	ops     int       // operations since the last sweep
	depth   uint8     // how many top bits of a hash choose this shard
	prefix  uint64    // those bits

	// retired is set once the shard's entries have moved to halvesAfter
	// (a split) or been dropped (Clear). A caller that locks a retired
	// shard looks it up again in the table's new directory.
	retired     bool
	halvesAfter [2]*shard[Q, E]
}

// A slot holds an entry and its hash; hash 0 marks an empty slot.
type slot[E any] struct {
	hash uint64
	e    E
}

const (
	// maxSlots bounds a shard, and so the work done under one lock: a
	// sweep of a full shard resolves at most 3/4 of it, tens of
	// microseconds even when every weak pointer misses the cache.
	maxSlots = 1024
	minSlots = 8
	// maxDepth bounds splitting, and so the directory.
	maxDepth = 32
)

// limit returns how many entries the shard may hold before it grows:
// three quarters of its slots, which keeps probes short.
func (sh *shard[Q, E]) limit() int { return len(sh.slots) / 4 * 3 }

// home returns the slot where probing for hash h starts. It maps the low
// 32 bits of h onto the slots by multiplying, not masking, so that a shard
// can have any number of slots and grow by half instead of doubling: the
// slots then stay between half and three quarters full as it grows.
func (sh *shard[Q, E]) home(h uint64) int {
	return int(h & (1<<32 - 1) * uint64(len(sh.slots)) >> 32)
}

// next returns the slot after i, wrapping around.
func (sh *shard[Q, E]) next(i int) int {
	if i++; i == len(sh.slots) {
		return 0
	}
	return i
}

// grown returns the number of slots after growing from n.
func grown(n int) int {
	if n >= maxSlots {
		return n + n/2 // colliding hashes only: see splits
	}
	return min(max(n+n/2, minSlots), maxSlots)
}

// sizeFor returns the number of slots for n entries, with room for more.
func sizeFor(n int) int {
	return max(n+n/3+1, minSlots)
}

func (sh *shard[Q, E]) hasRoom() bool { return sh.used < sh.limit() }

// find returns the index of q's slot, or -1. The caller holds sh.mu.
// Probing goes on past a slot whose hash matches but whose entry is not
// q's, since a dead object and a new one can share an address.
func (sh *shard[Q, E]) find(h uint64, q Q) int {
	if sh.used == 0 {
		return -1
	}
	for i := sh.home(h); ; i = sh.next(i) {
		s := &sh.slots[i]
		if s.hash == 0 {
			return -1
		}
		if s.hash == h && s.e.matches(q) {
			return i
		}
	}
}

// slotFor returns the index of q's slot and true, or, if q has none, the
// empty slot where it would go and false: one probe for a lookup that may
// turn into an insert. The caller holds sh.mu and made room.
func (sh *shard[Q, E]) slotFor(h uint64, q Q) (int, bool) {
	for i := sh.home(h); ; i = sh.next(i) {
		s := &sh.slots[i]
		if s.hash == 0 {
			return i, false
		}
		if s.hash == h && s.e.matches(q) {
			return i, true
		}
	}
}

// insertAt puts an entry in the empty slot i that slotFor returned.
func (sh *shard[Q, E]) insertAt(i int, h uint64, e E) {
	sh.slots[i] = slot[E]{h, e}
	sh.counted(e, 1)
}

// replace puts e in the occupied slot i, in place of an entry for the
// same object.
func (sh *shard[Q, E]) replace(i int, e E) {
	sh.counted(sh.slots[i].e, -1)
	sh.slots[i].e = e
	sh.counted(e, 1)
}

// counted adds n to the counts of entries like e.
func (sh *shard[Q, E]) counted(e E, n int) {
	sh.used += n
	if e.mortal() {
		sh.mortal += n
	}
}

// insert adds an entry that is not in the shard. The caller holds sh.mu
// and made room.
func (sh *shard[Q, E]) insert(h uint64, e E) {
	i := sh.home(h)
	for sh.slots[i].hash != 0 {
		i = sh.next(i)
	}
	sh.slots[i] = slot[E]{h, e}
	sh.counted(e, 1)
}

// removeAt deletes slot i and shifts back the entries after it that
// probed past it, so that every entry stays reachable from its home slot.
func (sh *shard[Q, E]) removeAt(i int) {
	sh.counted(sh.slots[i].e, -1)
	for j := sh.next(i); sh.slots[j].hash != 0; j = sh.next(j) {
		home := sh.home(sh.slots[j].hash)
		// The entry at j stays if its home lies cyclically in (i, j].
		if (j > i && home > i && home <= j) || (j < i && (home > i || home <= j)) {
			continue
		}
		sh.slots[i] = sh.slots[j]
		i = j
	}
	sh.slots[i] = slot[E]{}
}

// remove deletes slot i and shrinks the shard if it has become sparse.
func (sh *shard[Q, E]) remove(i int) {
	sh.removeAt(i)
	sh.shrink()
}

// shrink gives back the slots of a shard that holds an eighth of them or
// fewer. Its cost is bounded by maxSlots, and amortized by the deletions
// that made the shard sparse.
func (sh *shard[Q, E]) shrink() {
	switch {
	case sh.used == 0:
		sh.slots = nil
	case len(sh.slots) > minSlots && sh.used <= len(sh.slots)/8:
		sh.resize(sizeFor(2 * sh.used))
	}
}

func (sh *shard[Q, E]) resize(n int) {
	old := sh.slots
	sh.slots = make([]slot[E], max(n, minSlots))
	sh.used, sh.mortal = 0, 0
	for _, s := range old {
		if s.hash != 0 {
			sh.insert(s.hash, s.e)
		}
	}
}

// makeRoom makes sure the shard can take one more entry, and reports
// whether it could without splitting. Before it grows, a shard that a
// collection has passed drops its dead entries, if a sample finds any.
func (sh *shard[Q, E]) makeRoom() bool {
	if sh.hasRoom() {
		return true
	}
	if c := lastGC.Load(); c != sh.swept && c != sh.sampled {
		sh.sampled = c // one sample per collection: a growing shard rarely pays for one
		if sh.sampleDead() {
			sh.sweep(c)
			if sh.hasRoom() {
				return true
			}
		}
	}
	if len(sh.slots) < maxSlots || !sh.splits() {
		sh.resize(grown(len(sh.slots)))
		return true
	}
	return false
}

// splits reports whether splitting the shard would divide its entries:
// each half must get an eighth of them. Hashes that agree in their next
// bit, which good hashes do not, grow the shard instead, so that the
// directory never doubles for nothing.
func (sh *shard[Q, E]) splits() bool {
	if sh.depth >= maxDepth {
		return false
	}
	bit, ones := 63-sh.depth, 0
	for _, s := range sh.slots {
		if s.hash != 0 {
			ones += int(s.hash >> bit & 1)
		}
	}
	return min(ones, sh.used-ones) >= sh.used/8
}

// sampleSize is how many entries a full shard checks before it sweeps.
// If a fifth of the entries are dead, a sample this size misses all of
// them less than once in a thousand checks. A shard that only grows then
// rarely pays for a sweep, which resolves a weak pointer per entry: a
// cache miss each, the most expensive part of a store.
const sampleSize = 32

// sampleDead reports whether a sample of the entries holds a dead one.
// Slots are in hash order, so the first ones are a random sample.
func (sh *shard[Q, E]) sampleDead() bool {
	if sh.mortal == 0 {
		return false
	}
	seen := 0
	for i := range sh.slots {
		if sh.slots[i].hash == 0 || !sh.slots[i].e.mortal() {
			continue
		}
		if !sh.slots[i].e.alive() {
			return true
		}
		if seen++; seen == sampleSize {
			break
		}
	}
	return false
}

// touch counts an operation, and sweeps a shard that has seen four times
// as many operations as it has slots since a collection passed it. So a
// busy table drops its dead entries at amortized constant cost, a quarter
// of a weak-pointer resolution per operation at most, in its callers'
// goroutines, even when nothing is written to it.
func (sh *shard[Q, E]) touch() {
	sh.ops++
	if sh.ops > 4*len(sh.slots) {
		sh.ops = 0
		if c := lastGC.Load(); c != sh.swept {
			sh.sweep(c)
		}
	}
}

// sweepIfStale sweeps the shard if a collection has passed since its
// last sweep, given c, the current gcCycles, and returns how many entries
// it removed.
func (sh *shard[Q, E]) sweepIfStale(c uint64) int {
	if c == sh.swept {
		return 0
	}
	return sh.sweep(c)
}

// sweep removes every entry whose object died, given c, a gcCycles value
// read before the sweep began, and returns how many it removed. It
// removes an entry only if that entry's own object died (CPython
// bpo-28427).
func (sh *shard[Q, E]) sweep(c uint64) int {
	sh.swept = c
	sh.ops = 0
	if sh.mortal == 0 {
		return 0 // nothing here can die in a sweep
	}
	removed := 0
	for i := 0; i < len(sh.slots) && sh.used > 0; {
		if s := &sh.slots[i]; s.hash != 0 && s.e.mortal() && !s.e.alive() {
			sh.removeAt(i) // the slot may now hold a shifted entry: look again
			removed++
			continue
		}
		i++
	}
	sh.shrink()
	var e E
	if removed > 0 && e.holds() {
		swept.Add(uint64(removed))
	}
	return removed
}

// swept counts the entries that sweeps have removed and that held memory
// strongly, so that Collect can tell whether a sweep, its own or
// another's, released anything since its collection. Entries that hold
// nothing, such as a WeakSet's or the registry's, are not counted: their
// removal gives the next collection nothing to find.
var swept atomic.Uint64

// halves splits the shard's entries by the next bit of their hashes.
func (sh *shard[Q, E]) halves() (lo, hi *shard[Q, E]) {
	lo = &shard[Q, E]{depth: sh.depth + 1, prefix: sh.prefix << 1, swept: sh.swept}
	hi = &shard[Q, E]{depth: sh.depth + 1, prefix: sh.prefix<<1 | 1, swept: sh.swept}
	bit := 63 - sh.depth
	n := [2]int{}
	for _, s := range sh.slots {
		if s.hash != 0 {
			n[s.hash>>bit&1]++
		}
	}
	for i, half := range [2]*shard[Q, E]{lo, hi} {
		// Room to grow by half before the first resize: a half sized
		// for exactly its entries would resize at its next insert.
		half.slots = make([]slot[E], sizeFor(n[i]+n[i]/2))
	}
	for _, s := range sh.slots {
		if s.hash == 0 {
			continue
		}
		if s.hash>>bit&1 == 0 {
			lo.insert(s.hash, s.e)
		} else {
			hi.insert(s.hash, s.e)
		}
	}
	return lo, hi
}

// retire empties the shard and points it at the shards that replace it.
func (sh *shard[Q, E]) retire(lo, hi *shard[Q, E]) {
	sh.slots, sh.used, sh.mortal = nil, 0, 0
	sh.retired = true
	sh.halvesAfter = [2]*shard[Q, E]{lo, hi}
}

// popLive removes entries until take accepts one, and reports whether
// it did. take resolves the entry's weak pointer and accepts it if the
// object lives; the dead entries it meets on the way are dropped.
func (sh *shard[Q, E]) popLive(take func(E) bool) bool {
	defer sh.shrink()
	for i := 0; i < len(sh.slots); {
		if sh.slots[i].hash == 0 {
			i++
			continue
		}
		e := sh.slots[i].e
		sh.removeAt(i)
		if take(e) {
			return true
		}
	}
	return false
}

// appendUsed appends the shard's occupied slots to buf.
func (sh *shard[Q, E]) appendUsed(buf []slot[E]) []slot[E] {
	for _, s := range sh.slots {
		if s.hash != 0 {
			buf = append(buf, s)
		}
	}
	return buf
}

// findHash returns the index of the first slot with hash h, or -1.
func (sh *shard[Q, E]) findHash(h uint64) int {
	if sh.used == 0 {
		return -1
	}
	for i := sh.home(h); ; i = sh.next(i) {
		switch sh.slots[i].hash {
		case 0:
			return -1
		case h:
			return i
		}
	}
}
