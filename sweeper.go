package weakref

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The sweeper gives back the memory of dead entries in tables that nobody
// is using. A busy table sweeps itself in its callers' goroutines (see
// shard.touch and shard.makeRoom); an idle one has no caller, so without
// the sweeper a cache that filled in a burst and went quiet would keep
// its dead keys, values and weak handles forever, and a WeakKeyMap would
// keep the values of dead keys.
//
// After each collection, a runtime cleanup on a sentinel object starts
// one sweep pass on a new goroutine, and arms a new sentinel for the next
// collection. The pass sweeps each table that was not used since the
// previous pass, shard by shard, resolving each weak pointer once, soon
// after the collection ended. It skips tables in use, so that it does not
// resolve their weak pointers while a collection that their callers asked
// for is marking: a weak pointer resolved then keeps its object alive
// through that collection.
//
// A collection that the program drops is collected, and its table with
// it (see register). When no table is left, no sentinel is armed and no
// goroutine runs.
var sweeper struct {
	mu      sync.Mutex
	idle    sync.Cond              // broadcast when a pass ends
	tables  map[sweepable]struct{} // the tables of live collections
	size    shrinker
	armed   bool   // a sentinel waits for the next collection
	running bool   // a pass is running
	again   bool   // a collection ended during the pass
	handled uint64 // the last collection that started a pass
}

func init() { sweeper.idle.L = &sweeper.mu }

// lastGC is gcCycles as of the sentinel's last run: a cheap, possibly
// late, view of the collections that have completed, for the amortized
// checks of shard.touch and shard.makeRoom.
var lastGC atomic.Uint64

// A sweepable is a table's root, as the sweeper sees it.
type sweepable interface {
	// sweepIdle sweeps the table if it was not used since the last call,
	// given c, the current gcCycles, and returns how many entries it
	// removed.
	sweepIdle(c uint64) int
	// sweepAll sweeps the table whether or not it is in use.
	sweepAll(c uint64) int
}

func (r *tableRoot[Q, E]) sweepIdle(c uint64) int {
	if r.touched.Swap(false) {
		return 0
	}
	return r.sweepAside(c, true)
}

// sweepAside sweeps the table shard by shard, never while Collect
// collects, and gives way to the program between shards. With idle, it
// stops at the first shard boundary after a caller used the table: the
// caller may be about to collect, and a table as large as the registry
// takes long enough to sweep that one caller or another starts during
// the pass.
//
// It yields before it lets Collect in, not after. The collector scans a
// goroutine stopped at a call precisely, but one it preempts between two
// calls conservatively: its registers and innermost frame then keep alive
// whatever they still hold, such as an object whose weak pointer the
// sweep just resolved. A goroutine resumed from runtime.Gosched starts
// with only the scheduler's leftovers in its registers, so a Collect that
// takes collecting after this shard finds this goroutine parked, or
// running code that has resolved nothing since it resumed. (eachParallel
// yields after each shard for the same reason.) Those leftovers can still
// be pointers that another goroutine held on the same thread, so a pass
// that runs while Collect's collection marks can keep a dropped object
// for that cycle; Go gives no way to rule that out, and the tests allow
// for it (see world.drop).
func (r *tableRoot[Q, E]) sweepAside(c uint64, idle bool) int {
	removed := 0
	sweep := func(sh *shard[Q, E]) bool { removed += sh.sweepIfStale(c); return true }
	r.dir.Load().each(func(sh *shard[Q, E]) bool {
		if idle && r.touched.Load() {
			return false // in use again: left to its callers, or the next pass
		}
		collecting.RLock()
		visit(sh, sweep)
		runtime.Gosched()
		collecting.RUnlock()
		return true
	})
	return removed
}

// collecting keeps sweeps that no caller of the table asked for, the
// sweeper's passes and Collect's sweep of every table, apart from
// Collect's collections. Such a sweep read-locks it around each shard,
// and Collect write-locks it around its collection, so that no such sweep
// resolves a weak pointer while Collect's collection marks: an object that
// the program dropped just before calling Collect, in this goroutine or
// another, is then not kept alive by such a sweep. (Go may still keep it
// for one cycle through a stale pointer in a goroutine that the collector
// preempted and scanned conservatively.) A program's own runtime.GC has
// no such guard; see the package doc.
var collecting sync.RWMutex

func (r *tableRoot[Q, E]) sweepAll(c uint64) int { return r.sweepAside(c, false) }

// register adds the root r of table t to the sweeper, and arms the
// sentinel if none is armed. The sweeper holds r, never t: a cleanup on
// the collection that holds t unregisters r once the collection is
// collected, so that a dropped collection is collected even while its
// objects live (CPython bpo-38006), and the sweeper never resolves a weak
// pointer to a table, which could keep a dropped one alive.
func register[Q any, E entry[Q]](t *table[Q, E], r *tableRoot[Q, E]) {
	watch(r)
	runtime.AddCleanup(t, forgetTable, sweepable(r))
}

// watch adds r to the sweeper, for good unless forgetTable removes it.
func watch(r sweepable) {
	sweeper.mu.Lock()
	if sweeper.tables == nil {
		sweeper.tables = make(map[sweepable]struct{})
	}
	sweeper.tables[r] = struct{}{}
	sweeper.size.added(len(sweeper.tables))
	if !sweeper.armed {
		sweeper.armed = true
		if lastGC.Load() == 0 {
			lastGC.Store(gcCycles())
		}
		arm(true)
	}
	sweeper.mu.Unlock()
}

// forgetTable removes a collected collection's table from the sweeper.
func forgetTable(r sweepable) {
	sweeper.mu.Lock()
	defer sweeper.mu.Unlock()
	delete(sweeper.tables, r)
	sweeper.tables = shrink(sweeper.tables, &sweeper.size)
}

// sentinel is allocated to die: its cleanup says that a collection ended.
// It holds a pointer and is larger than 16 bytes, so that the tiny
// allocator never batches it with a live object.
type sentinel struct {
	_ *sentinel
	_ [2]uint64
}

// arm allocates a sentinel that the next collection finds unreachable;
// with rearm, its cleanup arms the next one. A sentinel allocated while
// the collector marks survives that collection, so a pass can come one
// collection late. The caller holds sweeper.mu.
func arm(rearm bool) {
	runtime.AddCleanup(new(sentinel), afterGC, rearm)
}

// afterGC runs on a runtime cleanup goroutine after each collection while
// tables exist. It starts a pass, or asks the running one for another,
// without sweeping itself, so that the program's other cleanups never
// wait for a sweep.
func afterGC(rearm bool) {
	c := gcCycles()
	sweeper.mu.Lock()
	defer sweeper.mu.Unlock()
	lastGC.Store(max(lastGC.Load(), c))
	if rearm {
		if len(sweeper.tables) == 0 {
			sweeper.armed = false
		} else {
			arm(true)
		}
	}
	if c <= sweeper.handled || len(sweeper.tables) == 0 {
		return
	}
	sweeper.handled = c
	if sweeper.running {
		sweeper.again = true
		return
	}
	sweeper.running = true
	go sweepPasses()
}

// sweepPasses runs passes until no collection ended during the last one.
func sweepPasses() {
	for {
		pass(gcCycles(), sweepable.sweepIdle)
		sweeper.mu.Lock()
		if !sweeper.again {
			sweeper.running = false
			sweeper.idle.Broadcast()
			sweeper.mu.Unlock()
			return
		}
		sweeper.again = false
		sweeper.mu.Unlock()
	}
}

// pass calls sweep on every registered table and returns how many
// entries it removed.
func pass(c uint64, sweep func(sweepable, uint64) int) int {
	sweeper.mu.Lock()
	tables := make([]sweepable, 0, len(sweeper.tables))
	for r := range sweeper.tables {
		tables = append(tables, r)
	}
	sweeper.mu.Unlock()
	removed := 0
	for _, r := range tables {
		removed += sweep(r, c)
	}
	return removed
}

// reclaimTables sweeps every table now, in use or not. Collect calls it
// after its collection, so that the values of dead WeakKeyMap keys become
// unreachable at once.
func reclaimTables() {
	pass(gcCycles(), sweepable.sweepAll)
}
