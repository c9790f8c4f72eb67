// Package weakref brings Python's weakref module to Go: weak references
// with callbacks, proxies, finalizers, and maps and sets that hold their
// keys or values weakly. Everything is generic and safe for concurrent use.
//
// A weak reference refers to an object without keeping it alive. Once the
// only references left to an object are weak, the garbage collector may
// reclaim it, and every weak reference to it then reports nil. Use this
// package for caches that empty as their users let go ([WeakValueMap]),
// side data attached to objects you do not own ([WeakKeyMap]), observer
// lists that must not keep observers alive ([WeakSet]), and cleanup of
// resources tied to an object's life ([Finalize]). Do not use it to manage
// resources that must be released at a known time: the collector decides
// when an object dies, and it may decide never to.
//
// # Types
//
//   - [Ref] is a weak reference: Value returns the object, or nil once it
//     has been collected. [NewRefFunc] adds a callback that runs after the
//     object is collected; Done gives a channel closed at that moment.
//   - [Proxy] is a Ref whose Value reports [ErrReferenceError] instead of
//     nil, and whose MustValue panics with it, as Python's proxies raise.
//   - [WeakMethod] keeps a method's receiver weakly and binds the method
//     on demand.
//   - [Finalize] runs a function once after its object is collected, or
//     earlier when called, and at exit under [Shutdown]; it can be
//     detached.
//   - [WeakValueMap] maps comparable keys to objects it holds weakly; an
//     entry vanishes with its object.
//   - [WeakKeyMap] maps objects, by identity and held weakly, to values;
//     an entry vanishes with its key.
//   - [WeakSet] is a set of objects held weakly, with Python's set
//     algebra.
//
// [Collect], [Shutdown], [SetUnraisableHook], [GetWeakRefCount] and
// [GetWeakRefs] complete Python's module.
//
// # Python names
//
//	weakref.ref(o)                    NewRef(o)
//	weakref.ref(o, cb)                NewRefFunc(o, cb)
//	r()                               r.Value()
//	r.__callback__                    r.Callback()
//	weakref.proxy(o[, cb])            NewProxy(o), NewProxyFunc(o, cb)
//	weakref.WeakMethod(o.m)           NewWeakMethod(o, func(o *T) F { return o.M })
//	weakref.finalize(o, f, *args)     NewFinalize(o, f, arg)
//	f(), f.detach(), f.peek()         f.Call(), f.Detach(), f.Peek()
//	f.alive, f.atexit                 f.Alive(), f.Atexit(), f.SetAtexit(b)
//	weakref.getweakrefcount(o)        GetWeakRefCount(o)
//	weakref.getweakrefs(o)            GetWeakRefs(o)
//	ReferenceError                    ErrReferenceError
//	TypeError (cannot create ...)     a panic wrapping ErrNotReferenceable
//	gc.collect()                      Collect()
//	sys.unraisablehook                SetUnraisableHook(h)
//	interpreter exit                  defer Shutdown() in main
//	WeakValueDictionary               WeakValueMap
//	WeakKeyDictionary                 WeakKeyMap
//	WeakSet                           WeakSet
//
// The collections use [sync.Map]'s names: d.get(k) is Load, d[k] = v is
// Store, d.setdefault(k, v) is LoadOrStore, d.pop(k) is LoadAndDelete, del
// d[k] is Delete, len(d) is Len, d.copy() is Clone, d.items() is All. The
// README has the full table.
//
// # Concurrency
//
// Every function and method is safe for concurrent use by multiple
// goroutines. Callbacks and finalizers run after their object is
// collected, on a goroutine of the runtime's (or in the goroutine that
// calls [Collect] or [Shutdown]), outside every lock of this package: they
// may call back into the package, [Collect] included. They must not block
// for long, because they delay the other cleanups of the program, and must
// not wait for another goroutine's Collect, which waits for them; start a
// goroutine for slow work. A panic in one is reported to the hook set by
// [SetUnraisableHook] and does not stop the others.
//
// # Reclaiming memory
//
// The collections give back what dies without waiting for the program to
// call them. An entry whose object was collected is removed, with its
// key, value, slot and the runtime's weak handle:
//
//   - by the collection's own callers, a bounded piece at a time: a write
//     that needs room sweeps its shard, and any call sweeps its shard once
//     the shard has had as many calls as it has slots since a collection;
//   - by Len, which must check every entry once after each collection to
//     be exact;
//   - for a collection that nobody used since the previous collection, by
//     a sweep on a goroutine that the package starts after each collection
//     and that ends with the sweep. No goroutine runs while no collection
//     exists;
//   - by [Collect], for every collection at once.
//
// So a WeakKeyMap value becomes unreachable within two collections of its
// key's death, with no call on the map, and is reclaimed by the
// collection after; after Collect it is already reclaimed. A collection
// whose objects all died keeps less than a byte for each entry it once
// held (its directory of empty shards); Clear gives that back too.
//
// No sweep holds a lock for more than one shard of at most 1024 slots. A
// shard grows past that only if most of its entries' hashes agree in
// their next bit, which the random seed of hash/maphash makes all but
// impossible.
//
// A sweep decides whether an entry's object lives by resolving its weak
// pointer, and an object resolved while the collector marks survives that
// collection. The background sweep resolves each entry of an idle
// collection once, soon after a collection ends; if the program drops an
// object that such a collection holds and calls [runtime.GC] while that
// sweep runs, the object may survive that call and die at the next
// collection. Collect never overlaps a background sweep, so an object
// dropped before Collect is always collected by it.
//
// # Go is not Python
//
//   - An object is a pointer to a heap allocation. Identity is the pointer:
//     WeakKeyMap and WeakSet compare keys with ==, not by the pointed-to
//     values.
//   - An object dies when the collector finds it unreachable, not when the
//     last strong reference goes away. After [runtime.GC] returns, every
//     query of this package already treats the objects collected in that
//     cycle as gone. Callbacks and finalizers run a little later; call
//     [Collect] to run them at once, as gc.collect() would.
//   - Pointers to zero-size values, to package-level variables, and to tiny
//     (16 bytes or smaller) pointer-free allocations may never be
//     collected, so weak references to them may never die. Test objects
//     should hold a pointer or be larger than 16 bytes.
//   - A function argument may become unreachable at its last use. Use
//     [runtime.KeepAlive] to keep an object alive until a point.
//   - As in CPython, there are no ephemerons: a callback, a finalizer's
//     function or argument, or a value in a WeakKeyMap that refers to its
//     own object or key keeps it alive for as long as the Ref, the
//     finalizer or the entry lives. Run the program's tests with
//     GODEBUG=checkfinalizers=1 to have the runtime report, naming the
//     object's type, a callback, a finalizer function or argument, or a
//     WeakKeyMap value that does. Unlike Python, and like [runtime.AddCleanup], [NewFinalize]
//     panics when the argument is the object itself.
//   - A Ref is not callable and is not hashable by its object: r() is
//     [Ref.Value], and [Ref.Pointer] is the map key. A Proxy cannot forward
//     fields, methods and operators; its Equal compares identity, as a
//     Ref's does, where Python's proxies compare their objects' values.
//   - [Collect] returns how many callbacks and finalizers ran, where
//     gc.collect() returns how many unreachable objects it found.
//   - Python runs finalizers at interpreter exit; Go does not run anything
//     when main returns. Call defer [Shutdown]() in main to get Python's
//     behaviour. Shutdown reads each finalizer's Atexit at its turn, where
//     Python reads them all before it runs any, and finalizers made after
//     Shutdown returns still run, where Python's never do.
//   - [GetWeakRefCount] and [GetWeakRefs] do not count the entries of the
//     weak collections, and a [WeakMethod] has no callback and is not
//     counted.
package weakref
