package weakref

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"weak"
)

// A record is everything this package knows about one object that has
// something to run or report when it dies: its weak pointer, the shared
// Ref and Proxy, and the hooks (callback Refs, callback Proxies and
// finalizers). An object that has only its shared Ref, or its shared
// Proxy, or one callback Ref or Proxy, or one finalizer, has no record
// (see shared and registerHook).
//
// An object has at most one record per static type, found through the
// registry by the object's hash, and one runtime cleanup however many
// Refs, Proxies and finalizers it has (two if the record took over a
// callback's hook entry). Attaching a cleanup per reference would make
// long-lived objects accumulate them, and the runtime walks an object's
// cleanups on every Stop.
//
// A record never holds its object strongly. It holds the shared Ref and
// Proxy and the callback Refs and Proxies weakly, so that the program can
// drop them, and the finalizers strongly, because a finalizer runs whether
// or not the program keeps it.
type record[T any] struct {
	hash uint64
	wp   weak.Pointer[T]

	mu     sync.Mutex
	ref    weak.Pointer[Ref[T]]   // the shared Ref
	proxy  weak.Pointer[Proxy[T]] // the shared Proxy
	hooks  []hook                 // oldest first; in one, or on the heap
	one    [1]hook                // hooks' storage for the first hook; zero once hooks moves
	added  int32                  // hooks added since the last prune check
	kept   int32                  // hooks kept by the last prune
	pruned uint64                 // gcCycles at the last prune
	done   chan struct{}          // closed when fired; made on demand
}

// A hook is one thing to run when an object dies: the callback of a Ref
// or Proxy (a callbackHook) or a finalizer (a *Finalize).
type hook interface {
	// take returns the call the hook makes now that its object died, if
	// it still has one. The caller holds the record's lock and the
	// registry lock of the record's hash.
	take() (call, bool)
	// dead reports whether the hook can no longer run, so that a prune
	// may drop it.
	dead() bool
	// weakRef returns the live Ref or Proxy that the hook belongs to, for
	// GetWeakRefs, or nil.
	weakRef() any
}

// holdsFinalizers is a registry entry that may hold finalizers: a record,
// or a loneFinalizer.
type holdsFinalizers interface {
	// appendFinalizers appends the finalizers that the entry holds.
	appendFinalizers([]*Finalize) []*Finalize
}

// registry maps objects to their entries. It is this package's hash
// table (table.go), split from the start into registryShards shards, so
// that concurrent NewRef calls on different objects seldom share a shard
// lock even while the registry is small. (It was 64 tables, one per
// shard to start with; one table is as fast, and every walk of the
// registry is one walk.)
//
// An object's entry is one of three kinds:
//   - its shared Ref or Proxy, when that is all it has (a shared entry,
//     see shared), which a sweep removes once the reference is gone;
//   - its one hook, a callback Ref or Proxy or a finalizer, when that is
//     all it has (see registerHook), which its runtime cleanup claims;
//   - a record, for a finalizer, Done, or more than one reference, which
//     its runtime cleanup claims. A record takes over the entry of either
//     other kind when the object needs one.
//
// Whoever removes an entry claims it (see claim). The registry's root
// exists from the start; it joins the sweeper with the first shared entry
// (see sweepRegistry).
var registry table[regQuery, regEntry]

// registryShards is how many shards the registry starts with: a power of
// two, so that they split the directory evenly.
const registryShards = 64

func init() { registry.root.Store(newSplitRoot[regQuery, regEntry](registryShards)) }

// regEntry is a registry entry. Two entries share a hash only when they
// are for the same address: a dead object and a newer one at its
// address, or the same object seen through two static types.
type regEntry struct{ v registered }

// registered is what the registry holds for an object: a *record[T] or a
// shared entry.
type registered interface {
	// isFor reports whether q, a *T in an interface, is the object.
	isFor(q any) bool
	// alive and mortal are the table entry's: see entry.
	alive() bool
	mortal() bool
	// due reports whether Collect must fire the entry, once a collection
	// found its object unreachable: false if the object lives or nothing
	// has to run.
	due() bool
	// fireAt runs the entry's hooks, given its hash h, unless another
	// caller (the object's runtime cleanup or another Collect) claimed
	// them first, and returns how many ran.
	fireAt(h uint64) int
}

// A regQuery finds an entry: by its object, a *T in an interface, for
// NewRef and its kin, or by the entry itself, for fire, whose object is
// gone.
type regQuery struct {
	obj any
	e   registered
}

func (e regEntry) matches(q regQuery) bool {
	if q.e != nil {
		return e.v == q.e
	}
	return e.v.isFor(q.obj)
}

func (e regEntry) alive() bool  { return e.v.alive() }
func (e regEntry) mortal() bool { return e.v.mortal() }

// A registry entry holds its references weakly, and a record, which holds
// finalizers strongly, is never swept.
func (regEntry) holds() bool { return false }

// A record is not mortal: it leaves the registry only when it is claimed
// to fire, and never in a sweep. An unfired record whose object died
// still has hooks to run, and reading the record would cost a cache miss
// per record in every sweep. So no sweep asks alive, and a shard of
// records is not swept at all.
func (*record[T]) alive() bool  { return true }
func (*record[T]) mortal() bool { return false }

func (r *record[T]) due() bool         { return r.collected() }
func (r *record[T]) fireAt(uint64) int { return r.fire() }

// seed hashes object addresses. Go's collector does not move heap objects,
// so an address, and therefore its hash, is stable for an object's life.
var seed = maphash.MakeSeed()

// hashPtr returns p's slot hash.
func hashPtr[T any](p *T) uint64 {
	return hashOf(maphash.Comparable(seed, p))
}

// registeredFor returns obj's registry entry, or nil if it has none.
func registeredFor[T any](obj *T) registered {
	h := hashPtr(obj)
	sh := registry.lock(h)
	var v registered
	if i := sh.find(h, regQuery{obj: obj}); i >= 0 {
		v = sh.slots[i].e.v
	}
	sh.mu.Unlock()
	return v
}

// existingRecord returns obj's record, or nil if it has none.
func existingRecord[T any](obj *T) *record[T] {
	r, _ := registeredFor(obj).(*record[T])
	return r
}

// recordFor returns obj's record, creating it and its runtime cleanup if
// obj has none. A new record takes over obj's shared entry, if it has one.
// obj must not be nil.
func recordFor[T any](obj *T) *record[T] {
	if r := existingRecord(obj); r != nil {
		return r
	}
	// weak.Make and AddCleanup walk the object's span, so do them outside
	// the shard lock and look again under it.
	r := &record[T]{hash: hashPtr(obj), wp: weak.Make(obj)}
	sh := registry.lockForWrite(r.hash)
	i, found := sh.slotFor(r.hash, regQuery{obj: obj})
	if found {
		switch v := sh.slots[i].e.v.(type) {
		case *record[T]:
			sh.mu.Unlock()
			return v // lost a race with another creator
		case bareEntry[T]:
			v.handTo(r)
		}
		sh.replace(i, regEntry{r})
	} else {
		sh.insertAt(i, r.hash, regEntry{r})
	}
	sh.mu.Unlock()
	runtime.AddCleanup(obj, (*record[T]).cleanup, r)
	return r
}

// claim removes v, whose hash is h, from the registry: v itself, never a
// newer entry for an object at the same address. Removing an entry claims
// it: the object's runtime cleanup and Collect may both try, and only the
// one that removes it runs its hooks. If v was there, claim counts the
// fire (see startFire) and returns the stripe that counts it, and v's
// shard still locked, for the caller to take the callbacks under the lock
// that guards them (see handle); otherwise it returns nil and counts
// nothing.
func claim(v registered, h uint64) (*shard[regQuery, regEntry], *fireCount) {
	sh := registry.lock(h)
	if i := sh.find(h, regQuery{e: v}); i >= 0 {
		c := startFire(h)
		sh.remove(i)
		return sh, c
	}
	sh.mu.Unlock()
	return nil, nil
}

// eachRegistered calls f on every registry entry and its hash. It copies
// a shard's slots under its lock and calls f with no lock held: Collect's
// f resolves weak pointers, a cache miss or two per entry, and the
// runtime's cleanup goroutines, firing the same deaths meanwhile, would
// otherwise wait for the whole shard at each claim.
func eachRegistered(f func(uint64, registered)) {
	registry.snapshot(func(slots []slot[regEntry]) bool {
		for _, s := range slots {
			f(s.hash, s.e.v)
		}
		return true
	})
}

// isFor reports whether q, a *T in an interface, is r's object.
func (r *record[T]) isFor(q any) bool {
	p, ok := q.(*T)
	return ok && r.wp.Value() == p
}

func (r *record[T]) collected() bool { return r.wp.Value() == nil }

func (r *record[T]) typeName() string { return typeNameOf[T]() }

// typeNameOf returns the name of *T, such as "*main.Conn", for reports.
func typeNameOf[T any]() string { return fmt.Sprintf("%T", (*T)(nil)) }

// cleanup is the runtime cleanup of r's object.
func (r *record[T]) cleanup() { r.fire() }

// addHook appends h. Every so often it first drops the hooks whose Ref or
// Proxy the collector reclaimed and the finalizers that already ran, if a
// collection happened since it last did. The checks come after as many
// additions as the last prune kept hooks, so their cost is amortized
// constant, and memory stays flat when a program creates and drops
// references to a long-lived object.
//
// obj is r's object. addHook keeps it reachable until h is in place: were
// it collected before, the record could fire without h, which then would
// never run.
func (r *record[T]) addHook(obj *T, h hook) {
	if testHookAddHook != nil {
		testHookAddHook()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.added++
	if r.added >= max(r.kept, 32) {
		r.added = 0
		if c := gcCycles(); c != r.pruned {
			r.pruned = c
			r.prune()
		}
	}
	if r.hooks == nil {
		r.hooks = r.one[:0]
	}
	r.hooks = append(r.hooks, h)
	if cap(r.hooks) > len(r.one) {
		r.one = [1]hook{} // hooks moved to the heap: hold each hook once
	}
	runtime.KeepAlive(obj)
}

// adopt makes h the first hook of r, a new record that no one else sees
// yet, as it takes over its object's hook entry.
func (r *record[T]) adopt(h hook) { r.hooks = append(r.one[:0], h) }

// testHookAddHook, if a test sets it, runs as addHook begins.
var testHookAddHook func()

// prune drops dead hooks. The caller holds r.mu.
func (r *record[T]) prune() {
	r.hooks = slices.DeleteFunc(r.hooks, hook.dead)
	if len(r.hooks) < cap(r.hooks)/4 {
		r.hooks = slices.Clone(r.hooks)
	}
	r.kept = int32(min(len(r.hooks), 1<<30))
}

// closed is a closed channel, handed out by Done once an object is gone.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// doneChan returns the channel that is closed when r fires.
func (r *record[T]) doneChan() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		r.done = make(chan struct{})
	}
	return r.done
}

// weakRefs returns the live Refs and Proxies to r's object in Python's
// order: the shared Ref, the shared Proxy, then the rest newest first.
func (r *record[T]) weakRefs() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var refs []any
	if ref := r.ref.Value(); ref != nil {
		refs = append(refs, ref)
	}
	if p := r.proxy.Value(); p != nil {
		refs = append(refs, p)
	}
	for _, h := range slices.Backward(r.hooks) {
		if ref := h.weakRef(); ref != nil {
			refs = append(refs, ref)
		}
	}
	return refs
}

func (r *record[T]) appendFinalizers(fs []*Finalize) []*Finalize {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.hooks {
		if f, ok := h.(*Finalize); ok {
			fs = append(fs, f)
		}
	}
	return fs
}
