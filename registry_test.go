package weakref

import (
	"runtime"
	"sync/atomic"
	"testing"
	"weak"
)

// anyRecord is a registered record, with its type erased.
type anyRecord interface {
	registered
	// collected reports whether the object has been reclaimed.
	collected() bool
}

// allRecords returns every registered record.
func allRecords() []anyRecord {
	var all []anyRecord
	eachRegistered(func(_ uint64, v registered) {
		if r, ok := v.(anyRecord); ok {
			all = append(all, r)
		}
	})
	return all
}

// registryEntries counts the records in the registry.
func registryEntries() int { return len(allRecords()) }

// makeHooked makes n objects, each with a callback Ref and a finalizer
// that add one to ran, and returns them and the Refs, which must stay
// alive for their callbacks to run.
//
//go:noinline
func makeHooked(n int, ran *atomic.Int64) ([]*node, []*Ref[node]) {
	objs := make([]*node, n)
	refs := make([]*Ref[node], n)
	for i := range n {
		objs[i] = newNode(i)
		refs[i] = NewRefFunc(objs[i], func(*Ref[node]) { ran.Add(1) })
		NewFinalize(objs[i], func(ran *atomic.Int64) { ran.Add(1) }, ran)
	}
	return objs, refs
}

// A record leaves the registry when it fires, and the registry gives its
// memory back: after a burst of objects with hooks dies, the live heap is
// where it was before, with no call on the package but Collect.
func TestRegistryGivesMemoryBack(t *testing.T) {
	n := 200_000 / raceSlowdown
	if checkFinalizers {
		// The runtime then checks every cleanup in every collection, and
		// settling memory collects a dozen times.
		n /= 20
	}
	base, entries := settledMemory(), registryEntries()
	var ran atomic.Int64
	objs, refs := makeHooked(n, &ran)
	full := memory()
	if got := registryEntries(); got < entries+n {
		t.Fatalf("%d records registered for %d live objects, %d before", got, n, entries)
	}
	runtime.KeepAlive(objs)
	objs = nil
	Collect()
	if got := ran.Load(); got != int64(2*n) {
		t.Fatalf("%d hooks ran, want %d", got, 2*n)
	}
	if got := registryEntries(); got > entries {
		t.Fatalf("%d records registered after the objects died, %d before", got, entries)
	}
	runtime.KeepAlive(refs)
	refs = nil
	after := settledMemory()
	// The registry keeps its directories, a few words per thousand
	// records it once held; everything else goes.
	grown := full.heap - base.heap
	t.Logf("live heap: %d before, %d with %d records, %d after they died", base.heap, full.heap, n, after.heap)
	if after.heap > base.heap+grown/50 {
		t.Errorf("live heap %d after the records died, %d before: %d of the %d bytes they took stayed",
			after.heap, base.heap, after.heap-base.heap, grown)
	}
}

// pruneHooks prunes obj's record and returns how many hooks it kept.
func pruneHooks[T any](obj *T) int {
	rec := recordFor(obj)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.prune()
	return len(rec.hooks)
}

// A record keeps its first hook in place, and holds each hook once: a
// finalizer detached after the hooks outgrew that place, and then pruned,
// lets its arguments go. Each case has an object of its own, so that its
// hooks start in the record.
func TestPruneLetsDetachedFinalizersGo(t *testing.T) {
	for _, hooks := range []int{1, 2, 3} {
		o := newNode(1)
		arg := newNode(2)
		argGone := weak.Make(arg)
		fs := make([]*Finalize, hooks)
		fs[0] = NewFinalize(o, func(*node) {}, arg)
		for i := 1; i < hooks; i++ {
			fs[i] = NewFinalize(o, func(int) {}, i)
		}
		arg = nil
		fs[0].Detach()
		fs[0] = nil
		kept := pruneHooks(o)
		runtime.GC()
		if argGone.Value() != nil {
			t.Errorf("%d hooks: a detached finalizer's argument lives after a prune", hooks)
		}
		if kept != hooks-1 {
			t.Errorf("%d hooks: a prune kept %d, want %d", hooks, kept, hooks-1)
		}
		for _, f := range fs[1:] {
			f.Detach()
		}
		runtime.KeepAlive(o)
	}
}

// Collect's walk of the registry calls its function with no shard lock
// held, so that the runtime's cleanups, which claim entries meanwhile,
// never wait for the weak pointers it resolves.
func TestEachRegisteredHoldsNoLock(t *testing.T) {
	objs := make([]*node, 100)
	for i := range objs {
		objs[i] = newNode(i)
		NewFinalize(objs[i], func(int) {}, i).Detach()
	}
	seen := 0
	eachRegistered(func(h uint64, _ registered) {
		seen++
		d := registry.root.Load().dir.Load()
		sh := d.shards[d.index(h)]
		if !sh.mu.TryLock() {
			t.Fatalf("entry %#x: its shard is locked during the walk", h)
		}
		sh.mu.Unlock()
	})
	if seen < len(objs) {
		t.Errorf("the walk saw %d entries, want at least %d", seen, len(objs))
	}
	runtime.KeepAlive(objs)
}
