package weakref

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"
)

// A record is everything this package knows about one object: its weak
// pointer, the shared Ref and Proxy, and the hooks (callback Refs, callback
// Proxies and finalizers) to run when it dies.
//
// An object has at most one record per static type, found through the
// registry by the object's hash, and exactly one runtime cleanup however
// many Refs, Proxies and finalizers it has. Attaching a cleanup per
// reference would make long-lived objects accumulate them, and the
// runtime walks an object's cleanups on every Stop.
//
// A record never holds its object strongly. It holds the shared Ref and
// Proxy and the callback Refs and Proxies weakly, so that the program can
// drop them, and the finalizers strongly, because a finalizer runs whether
// or not the program keeps it.
type record[T any] struct {
	hash uint64
	wp   weak.Pointer[T]

	// fired is set once, by whoever claims the record after its object
	// died: the runtime cleanup or Collect.
	fired atomic.Bool

	mu     sync.Mutex
	ref    weak.Pointer[Ref[T]]   // the shared Ref
	proxy  weak.Pointer[Proxy[T]] // the shared Proxy
	hooks  []hook                 // oldest first
	added  int                    // hooks added since the last prune check
	kept   int                    // hooks kept by the last prune
	pruned uint64                 // gcCycles at the last prune
	done   chan struct{}          // closed when fired; made on demand
}

// A hook is one thing to run when an object dies: the callback of a Ref
// or Proxy (a callbackHook) or a finalizer (a *Finalize).
type hook interface {
	// take returns the call the hook makes now that its object died, if
	// it still has one. The caller holds the record's lock.
	take() (call, bool)
	// dead reports whether the hook can no longer run, so that a prune
	// may drop it.
	dead() bool
	// weakRef returns the live Ref or Proxy that the hook belongs to, for
	// GetWeakRefs, or nil.
	weakRef() any
}

// anyRecord is a record with its type erased, as the registry holds it.
type anyRecord interface {
	// collected reports whether the object has been reclaimed.
	collected() bool
	// fire runs the object's hooks if no one has claimed the record yet,
	// and returns how many it ran.
	fire() int
	// object returns the object, or nil once it is gone.
	object() any
	// typeName returns the object's type, such as "*main.Conn".
	typeName() string
	// appendFinalizers appends the finalizers among the object's hooks.
	appendFinalizers([]*Finalize) []*Finalize
}

// registry maps object hashes to records. It is sharded to keep
// concurrent NewRef calls on different objects from contending.
var registry [64]struct {
	mu   sync.Mutex
	m    map[uint64]regNode
	size shrinker
	_    [40]byte // keep shards on separate cache lines
}

// regNode is a registry slot. Two records share a hash only when they are
// for the same address: a dead object and a newer one at its address, or
// the same object seen through two static types. Both are rare, so the
// overflow is a plain list.
type regNode struct {
	r    anyRecord
	next *regNode
}

// seed hashes object addresses. Go's collector does not move heap objects,
// so an address, and therefore its hash, is stable for an object's life.
var seed = maphash.MakeSeed()

func hashPtr[T any](p *T) uint64 {
	return maphash.Comparable(seed, p)
}

// lookup returns obj's record of type T, or nil. The caller holds obj, so a
// record whose weak pointer resolves to obj is live; resolving the other
// records in the slot is harmless, since they are dead or belong to obj.
func lookup[T any](obj *T, n regNode) *record[T] {
	for p := &n; p != nil; p = p.next {
		if r, ok := p.r.(*record[T]); ok && r.wp.Value() == obj {
			return r
		}
	}
	return nil
}

// existingRecord returns obj's record, or nil if it has none.
func existingRecord[T any](obj *T) *record[T] {
	h := hashPtr(obj)
	sh := &registry[h%uint64(len(registry))]
	sh.mu.Lock()
	n, ok := sh.m[h]
	var r *record[T]
	if ok {
		r = lookup(obj, n)
	}
	sh.mu.Unlock()
	return r
}

// recordFor returns obj's record, creating it and its runtime cleanup if
// obj has none. obj must not be nil.
func recordFor[T any](obj *T) *record[T] {
	if r := existingRecord(obj); r != nil {
		return r
	}
	// weak.Make and AddCleanup walk the object's span, so do them outside
	// the shard lock and recheck afterwards.
	r := &record[T]{hash: hashPtr(obj), wp: weak.Make(obj)}
	sh := &registry[r.hash%uint64(len(registry))]
	sh.mu.Lock()
	n, ok := sh.m[r.hash]
	if ok {
		if old := lookup(obj, n); old != nil {
			sh.mu.Unlock()
			return old // lost a race with another creator
		}
		rest := n
		n = regNode{r: r, next: &rest}
	} else {
		n = regNode{r: r}
	}
	if sh.m == nil {
		sh.m = make(map[uint64]regNode)
	}
	sh.m[r.hash] = n
	sh.size.added(len(sh.m))
	sh.mu.Unlock()
	runtime.AddCleanup(obj, (*record[T]).cleanup, r)
	return r
}

// unregister removes r from the registry. It removes r itself, never a
// newer record that reused the slot.
func unregister(r anyRecord, h uint64) {
	sh := &registry[h%uint64(len(registry))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n, ok := sh.m[h]
	if !ok {
		return
	}
	var kept []anyRecord
	for p := &n; p != nil; p = p.next {
		if p.r != r {
			kept = append(kept, p.r)
		}
	}
	if len(kept) == 0 {
		delete(sh.m, h)
		sh.m = shrink(sh.m, &sh.size)
		return
	}
	var rebuilt *regNode
	for i := len(kept) - 1; i > 0; i-- {
		rebuilt = &regNode{r: kept[i], next: rebuilt}
	}
	sh.m[h] = regNode{r: kept[0], next: rebuilt}
}

// allRecords returns every registered record.
func allRecords() []anyRecord {
	var all []anyRecord
	for i := range registry {
		sh := &registry[i]
		sh.mu.Lock()
		for _, n := range sh.m {
			for p := &n; p != nil; p = p.next {
				all = append(all, p.r)
			}
		}
		sh.mu.Unlock()
	}
	return all
}

func (r *record[T]) collected() bool { return r.wp.Value() == nil }

func (r *record[T]) typeName() string { return fmt.Sprintf("%T", (*T)(nil)) }

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
	r.hooks = append(r.hooks, h)
	runtime.KeepAlive(obj)
}

// testHookAddHook, if a test sets it, runs as addHook begins.
var testHookAddHook func()

// prune drops dead hooks. The caller holds r.mu.
func (r *record[T]) prune() {
	r.hooks = slices.DeleteFunc(r.hooks, hook.dead)
	if len(r.hooks) < cap(r.hooks)/4 {
		r.hooks = slices.Clone(r.hooks)
	}
	r.kept = len(r.hooks)
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

// object returns r's object as an any, or nil once it is gone. It never
// returns a non-nil interface holding a nil pointer.
func (r *record[T]) object() any {
	if p := r.wp.Value(); p != nil {
		return p
	}
	return nil
}
