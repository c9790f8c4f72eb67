package weakref

import (
	"runtime"
	"sync"
	"testing"
	"weak"
)

// The benchmarks set the library beside baselines in the same run:
//
//   - impl=strong: a plain map under a sync.Mutex, holding strong
//     pointers, baseline (a);
//   - impl=hand: what a Go user writes by hand, a map of weak.Pointer
//     under a mutex with a runtime.AddCleanup per entry, baseline (b);
//   - impl=lib: this package;
//   - the raw runtime primitives, in BenchmarkCore.
//
// Objects are 16, 64 and 256 bytes, each holding a pointer; maps hold
// benchEntries of them. Sub-benchmark names are key=value pairs so that
// benchstat can put the implementations side by side:
//
//	benchstat -col /impl bench.txt
//
// BENCHMARKS.md gives the commands and one run's results.

// The objects hold a pointer, so that the collector scans them and the
// tiny allocator never batches them, and no data the benchmarks read.
type obj16 struct {
	_ *obj16
	_ int
}

type obj64 struct {
	_ *obj64
	_ [7]int
}

type obj256 struct {
	_ *obj256
	_ [31]int
}

// benchEntries is the size of every filled map.
const benchEntries = 1_000_000

// stride visits the entries of a filled map in an order that defeats the
// caches and the prefetcher, as lookups in a large service map would.
const stride = 7919

func forSizes(b *testing.B, f16, f64, f256 func(b *testing.B)) {
	b.Run("size=16B", f16)
	b.Run("size=64B", f64)
	b.Run("size=256B", f256)
}

// valueMap is the behaviour the value-map benchmarks measure.
type valueMap[T any] interface {
	Store(k int, v *T)
	Load(k int) (*T, bool)
	Range(f func(k int, v *T) bool)
	Len() int
}

type strongMap[T any] struct {
	mu sync.Mutex
	m  map[int]*T
}

func (m *strongMap[T]) Store(k int, v *T) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[int]*T)
	}
	m.m[k] = v
	m.mu.Unlock()
}

func (m *strongMap[T]) Load(k int) (*T, bool) {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	return v, ok
}

func (m *strongMap[T]) Range(f func(int, *T) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.m {
		if !f(k, v) {
			return
		}
	}
}

func (m *strongMap[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

type handWeakMap[T any] struct {
	mu sync.Mutex
	m  map[int]weak.Pointer[T]
}

func (m *handWeakMap[T]) Store(k int, v *T) {
	wp := weak.Make(v)
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[int]weak.Pointer[T])
	}
	m.m[k] = wp
	m.mu.Unlock()
	runtime.AddCleanup(v, func(k int) {
		m.mu.Lock()
		if m.m[k] == wp {
			delete(m.m, k)
		}
		m.mu.Unlock()
	}, k)
}

func (m *handWeakMap[T]) Load(k int) (*T, bool) {
	m.mu.Lock()
	wp, ok := m.m[k]
	m.mu.Unlock()
	if !ok {
		return nil, false
	}
	v := wp.Value()
	return v, v != nil
}

func (m *handWeakMap[T]) Range(f func(int, *T) bool) {
	m.mu.Lock()
	snap := make(map[int]weak.Pointer[T], len(m.m))
	for k, wp := range m.m {
		snap[k] = wp
	}
	m.mu.Unlock()
	for k, wp := range snap {
		if v := wp.Value(); v != nil && !f(k, v) {
			return
		}
	}
}

func (m *handWeakMap[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

type libValueMap[T any] struct{ WeakValueMap[int, T] }

func (m *libValueMap[T]) Range(f func(int, *T) bool) {
	for k, v := range m.All() {
		if !f(k, v) {
			return
		}
	}
}

type impl[M any] struct {
	name string
	mk   func() M
}

func valueMaps[T any]() []impl[valueMap[T]] {
	return []impl[valueMap[T]]{
		{"strong", func() valueMap[T] { return new(strongMap[T]) }},
		{"floor", func() valueMap[T] { return new(floorMap[T]) }},
		{"hand", func() valueMap[T] { return new(handWeakMap[T]) }},
		{"lib", func() valueMap[T] { return new(libValueMap[T]) }},
	}
}

// eachNew runs f on a new object, and its index, in each iteration, and
// keeps every object alive to the end.
func eachNew[T any](b *testing.B, f func(i int, o *T)) {
	keep := make([]*T, 0, benchEntries)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o := new(T)
		keep = append(keep, o)
		f(i, o)
		i++
	}
	runtime.KeepAlive(keep)
	keep = nil
	settle()
}

// settle collects what a benchmark left and waits for the runtime to run
// its cleanups, outside the timer, so that the hand map's cleanups do not
// run, and get charged, during the next benchmark.
func settle() {
	runtime.GC()
	drainCleanups()
}

// referenced returns n new objects that have a weak pointer.
func referenced[T any](n int) []*T {
	objs := objects[T](n)
	for _, o := range objs {
		_ = weak.Make(o)
	}
	return objs
}

// objects returns n new objects.
func objects[T any](n int) []*T {
	objs := make([]*T, n)
	for i := range objs {
		objs[i] = new(T)
	}
	return objs
}

func BenchmarkValueMap(b *testing.B) {
	forSizes(b, benchValueMap[obj16], benchValueMap[obj64], benchValueMap[obj256])
}

func benchValueMap[T any](b *testing.B) {
	for _, im := range valueMaps[T]() {
		run := func(op string, f func(b *testing.B)) { b.Run("op="+op+"/impl="+im.name, f) }
		run("StoreNew", func(b *testing.B) {
			m := im.mk()
			eachNew(b, m.Store)
		})
		// Objects that already have a weak pointer, as when one object is
		// cached under a second key or in a second map.
		run("StoreReferenced", func(b *testing.B) {
			objs := referenced[T](benchEntries)
			m := im.mk()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Store(i, objs[i%benchEntries])
				i++
			}
			runtime.KeepAlive(objs)
			objs, m = nil, nil
			settle()
		})
		// The filled map is made by the first benchmark that uses it, so
		// that benchmarks left out by -bench do not pay for it.
		var m valueMap[T]
		var objs []*T
		get := func() valueMap[T] {
			if m == nil {
				m, objs = filled(im.mk)
			}
			return m
		}
		run("LoadHit", func(b *testing.B) {
			m := get()
			i := 0
			for b.Loop() {
				m.Load(i % benchEntries)
				i += stride
			}
		})
		run("LoadMiss", func(b *testing.B) {
			m := get()
			i := 0
			for b.Loop() {
				m.Load(benchEntries + i%benchEntries)
				i += stride
			}
		})
		// ns/goroutine-op is the time one goroutine spends per Load while
		// every core loads: the figure to compare with LoadHit.
		run("LoadParallel", func(b *testing.B) {
			m := get()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					m.Load(i % benchEntries)
					i += stride
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())*float64(runtime.GOMAXPROCS(0))/float64(b.N), "ns/goroutine-op")
		})
		// One op is one entry visited.
		run("Range", func(b *testing.B) {
			m := get()
			for n := 0; n < b.N; {
				m.Range(func(int, *T) bool {
					n++
					return n < b.N
				})
			}
		})
		runtime.KeepAlive(objs)
		m, objs = nil, nil
		settle()
		// Churn under collection: every store replaces an entry whose
		// object is garbage, so the collector runs all along and the map
		// must drop what it collects.
		run("Churn", func(b *testing.B) {
			m := im.mk()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Store(i%benchEntries, new(T))
				i++
			}
			m = nil
			settle()
		})
	}
}

// filled returns a map of benchEntries live objects, and the objects.
func filled[T any](mk func() valueMap[T]) (valueMap[T], []*T) {
	m := mk()
	objs := objects[T](benchEntries)
	for i, o := range objs {
		m.Store(i, o)
	}
	runtime.GC() // no collection left running from the fill
	return m, objs
}

// BenchmarkReclaim times, per op, reclaiming a full map of benchEntries
// dead objects: from runtime.GC until Len reports 0. The hand map waits
// for its cleanups to run; the library's Len sweeps.
func BenchmarkReclaim(b *testing.B) {
	forSizes(b, benchReclaim[obj16], benchReclaim[obj64], benchReclaim[obj256])
}

func benchReclaim[T any](b *testing.B) {
	for _, im := range valueMaps[T]() {
		if im.name != "hand" && im.name != "lib" {
			continue // the strong map and the floor reclaim nothing
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				m, objs := filled(im.mk)
				runtime.KeepAlive(objs)
				objs = nil
				b.StartTimer()
				runtime.GC()
				for m.Len() != 0 {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchEntries, "ns/entry")
		})
	}
}

// BenchmarkMemory reports what a full map costs beyond its objects: live
// heap plus the runtime's off-heap records (weak handles, cleanups), per
// entry, after a collection.
func BenchmarkMemory(b *testing.B) {
	forSizes(b, benchMemory[obj16], benchMemory[obj64], benchMemory[obj256])
}

func benchMemory[T any](b *testing.B) {
	for _, im := range valueMaps[T]() {
		b.Run("impl="+im.name, func(b *testing.B) {
			memoryPerEntry(b, func(objs []*T) any {
				m := im.mk()
				for i, o := range objs {
					m.Store(i, o)
				}
				return m
			})
		})
	}
}

// memoryPerEntry reports the live heap and off-heap bytes per entry that
// fill adds when it stores benchEntries objects in a new collection,
// which it returns.
func memoryPerEntry[T any](b *testing.B, fill func(objs []*T) any) {
	var perEntry float64
	for b.Loop() {
		objs := objects[T](benchEntries)
		before := memory()
		m := fill(objs)
		after := memory()
		perEntry = (float64(after.heap+after.offHeap) - float64(before.heap+before.offHeap)) / benchEntries
		runtime.KeepAlive(m)
		runtime.KeepAlive(objs)
		m, objs = nil, nil
		settle()
	}
	b.ReportMetric(perEntry, "B/entry")
}

// keyMap is the behaviour of weak-key maps and sets that the benchmarks
// measure.
type keyMap[T any] interface {
	Store(k *T, v int)
	Load(k *T) (int, bool)
}

type strongKeyMap[T any] struct {
	mu sync.Mutex
	m  map[*T]int
}

func (m *strongKeyMap[T]) Store(k *T, v int) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[*T]int)
	}
	m.m[k] = v
	m.mu.Unlock()
}

func (m *strongKeyMap[T]) Load(k *T) (int, bool) {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	return v, ok
}

// handWeakKeyMap is baseline (b) for weak keys: every lookup calls
// weak.Make to find the key's weak pointer.
type handWeakKeyMap[T any] struct {
	mu sync.Mutex
	m  map[weak.Pointer[T]]int
}

func (m *handWeakKeyMap[T]) Store(k *T, v int) {
	wp := weak.Make(k)
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[weak.Pointer[T]]int)
	}
	m.m[wp] = v
	m.mu.Unlock()
	runtime.AddCleanup(k, func(wp weak.Pointer[T]) {
		m.mu.Lock()
		delete(m.m, wp)
		m.mu.Unlock()
	}, wp)
}

func (m *handWeakKeyMap[T]) Load(k *T) (int, bool) {
	wp := weak.Make(k)
	m.mu.Lock()
	v, ok := m.m[wp]
	m.mu.Unlock()
	return v, ok
}

type libKeyMap[T any] struct{ WeakKeyMap[T, int] }

type libSet[T any] struct{ WeakSet[T] }

func (s *libSet[T]) Store(k *T, _ int) { s.Add(k) }

func (s *libSet[T]) Load(k *T) (int, bool) { return 0, s.Contains(k) }

func keyMaps[T any]() []impl[keyMap[T]] {
	return []impl[keyMap[T]]{
		{"strong", func() keyMap[T] { return new(strongKeyMap[T]) }},
		{"floor", func() keyMap[T] { return new(floorKeyMap[T]) }},
		{"hand", func() keyMap[T] { return new(handWeakKeyMap[T]) }},
		{"lib", func() keyMap[T] { return new(libKeyMap[T]) }},
		{"libset", func() keyMap[T] { return new(libSet[T]) }},
	}
}

func BenchmarkKeyMap(b *testing.B) {
	forSizes(b, benchKeyMap[obj16], benchKeyMap[obj64], benchKeyMap[obj256])
}

func benchKeyMap[T any](b *testing.B) {
	for _, im := range keyMaps[T]() {
		run := func(op string, f func(b *testing.B)) { b.Run("op="+op+"/impl="+im.name, f) }
		run("StoreNew", func(b *testing.B) {
			m := im.mk()
			eachNew(b, func(i int, o *T) { m.Store(o, i) })
		})
		// New keys that already have a weak pointer, made before the
		// timer starts. weak.Make then finds the handle instead of
		// adding one, and how densely the objects fill their spans no
		// longer depends on what the map allocates per store; see
		// BENCHMARKS.md.
		run("StoreReferenced", func(b *testing.B) {
			var keep [][]*T
			m := im.mk()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%benchEntries == 0 {
					b.StopTimer()
					keep = append(keep, referenced[T](benchEntries))
					b.StartTimer()
				}
				m.Store(keep[len(keep)-1][i%benchEntries], i)
				i++
			}
			runtime.KeepAlive(keep)
			keep, m = nil, nil
			settle()
		})
		var m keyMap[T]
		var objs, others []*T // others are never stored
		get := func() keyMap[T] {
			if m == nil {
				m, objs, others = im.mk(), objects[T](benchEntries), objects[T](benchEntries/16)
				for i, o := range objs {
					m.Store(o, i)
				}
				runtime.GC() // no collection left running from the fill
			}
			return m
		}
		run("LoadHit", func(b *testing.B) {
			m := get()
			i := 0
			for b.Loop() {
				m.Load(objs[i%benchEntries])
				i += stride
			}
		})
		run("LoadMiss", func(b *testing.B) {
			m := get()
			i := 0
			for b.Loop() {
				m.Load(others[i%len(others)])
				i += stride
			}
		})
		// A store of a key already present: Store, or Add for a set.
		run("StoreExisting", func(b *testing.B) {
			m := get()
			i := 0
			for b.Loop() {
				m.Store(objs[i%benchEntries], i)
				i += stride
			}
		})
		runtime.KeepAlive(objs)
		runtime.KeepAlive(others)
		m, objs, others = nil, nil, nil
		settle()
	}
}

// BenchmarkKeyMemory reports what a full weak-key map or set costs beyond
// its keys, as BenchmarkMemory does for value maps.
func BenchmarkKeyMemory(b *testing.B) {
	forSizes(b, benchKeyMemory[obj16], benchKeyMemory[obj64], benchKeyMemory[obj256])
}

func benchKeyMemory[T any](b *testing.B) {
	for _, im := range keyMaps[T]() {
		b.Run("impl="+im.name, func(b *testing.B) {
			memoryPerEntry(b, func(objs []*T) any {
				m := im.mk()
				for i, o := range objs {
					m.Store(o, i)
				}
				return m
			})
		})
	}
}

var sink16 *obj16

// The core benchmarks set each operation beside the raw runtime
// primitive it is built on.
func BenchmarkCore(b *testing.B) {
	b.Run("op=New/impl=weak.Make", func(b *testing.B) {
		eachNew(b, func(_ int, o *obj16) { weak.Make(o) })
	})
	b.Run("op=New/impl=weak.Make+AddCleanup", func(b *testing.B) {
		eachNew(b, func(_ int, o *obj16) {
			weak.Make(o)
			runtime.AddCleanup(o, func(int) {}, 0)
		})
	})
	b.Run("op=New/impl=floor:Ref", func(b *testing.B) {
		var m floorRefs[obj16]
		held := make([]*floorRef[obj16], 0, benchEntries)
		eachNew(b, func(_ int, o *obj16) { held = append(held, m.New(o)) })
	})
	b.Run("op=New/impl=floor:RefFunc", func(b *testing.B) {
		var m floorHooks[obj16]
		held := make([]*floorRef[obj16], 0, benchEntries)
		call := func(*floorRef[obj16]) {}
		eachNew(b, func(_ int, o *obj16) { held = append(held, m.New(o, call)) })
	})
	refs := make([]*Ref[obj16], 0, benchEntries) // Refs live, as the caller would keep them
	b.Run("op=New/impl=NewRef", func(b *testing.B) {
		eachNew(b, func(_ int, o *obj16) { refs = append(refs, NewRef(o)) })
	})
	refs = refs[:0]
	b.Run("op=New/impl=NewRefFunc", func(b *testing.B) {
		cb := func(*Ref[obj16]) {}
		eachNew(b, func(_ int, o *obj16) { refs = append(refs, NewRefFunc(o, cb)) })
	})
	refs = nil
	b.Run("op=New/impl=NewFinalize", func(b *testing.B) {
		eachNew(b, func(_ int, o *obj16) { NewFinalize(o, func(int) {}, 0) })
		Shutdown() // do not leave a million finalizers behind
	})
	b.Run("op=Existing/impl=weak.Make", func(b *testing.B) {
		o := new(obj16)
		_ = weak.Make(o)
		b.ReportAllocs()
		for b.Loop() {
			_ = weak.Make(o)
		}
	})
	b.Run("op=Existing/impl=NewRef", func(b *testing.B) {
		o := new(obj16)
		r := NewRef(o)
		b.ReportAllocs()
		for b.Loop() {
			NewRef(o)
		}
		runtime.KeepAlive(r)
	})
	// Value on one object, in the cache, then on one of a million objects,
	// in cache-defeating order: the Ref itself costs one more cache miss.
	b.Run("op=ValueHot/impl=weak.Pointer", func(b *testing.B) {
		o := new(obj16)
		wp := weak.Make(o)
		for b.Loop() {
			sink16 = wp.Value()
		}
	})
	b.Run("op=ValueHot/impl=Ref", func(b *testing.B) {
		r := NewRef(new(obj16))
		for b.Loop() {
			sink16 = r.Value()
		}
	})
	objs := objects[obj16](benchEntries)
	wps := make([]weak.Pointer[obj16], len(objs))
	refs = make([]*Ref[obj16], len(objs))
	for i, o := range objs {
		wps[i] = weak.Make(o)
		refs[i] = NewRef(o)
	}
	b.Run("op=Value/impl=weak.Pointer", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sink16 = wps[i%benchEntries].Value()
			i += stride
		}
	})
	// The floor of a cold Value through a reference the program holds by
	// pointer: the reference is one more cache miss than a weak.Pointer
	// stored in the slice itself.
	frefs := make([]*floorRef[obj16], len(objs))
	for i, wp := range wps {
		frefs[i] = &floorRef[obj16]{wp: wp}
	}
	b.Run("op=Value/impl=floor:Ref", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sink16 = frefs[i%benchEntries].wp.Value()
			i += stride
		}
	})
	b.Run("op=Value/impl=Ref", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sink16 = refs[i%benchEntries].Value()
			i += stride
		}
	})
	runtime.KeepAlive(objs)
}

// BenchmarkRefMemory reports the bytes, heap and the runtime's records,
// that a live reference to each of 1,000,000 objects costs. Run each
// implementation in its own process, as BenchmarkMemory says.
func BenchmarkRefMemory(b *testing.B) {
	b.Run("impl=weak.Make", func(b *testing.B) {
		memoryPerEntry(b, func(objs []*obj16) any {
			wps := make([]weak.Pointer[obj16], len(objs))
			for i, o := range objs {
				wps[i] = weak.Make(o)
			}
			return wps
		})
	})
	b.Run("impl=floor:Ref", func(b *testing.B) {
		memoryPerEntry(b, func(objs []*obj16) any {
			var m floorRefs[obj16]
			refs := make([]*floorRef[obj16], len(objs))
			for i, o := range objs {
				refs[i] = m.New(o)
			}
			return []any{refs, &m}
		})
	})
	b.Run("impl=NewRef", func(b *testing.B) {
		memoryPerEntry(b, func(objs []*obj16) any {
			refs := make([]*Ref[obj16], len(objs))
			for i, o := range objs {
				refs[i] = NewRef(o)
			}
			return refs
		})
	})
	b.Run("impl=NewRefFunc", func(b *testing.B) {
		cb := func(*Ref[obj16]) {}
		memoryPerEntry(b, func(objs []*obj16) any {
			refs := make([]*Ref[obj16], len(objs))
			for i, o := range objs {
				refs[i] = NewRefFunc(o, cb)
			}
			return refs
		})
	})
}

// BenchmarkRefChurn creates and drops callback Refs to one long-lived
// object, reporting the first and the last tenth of the run separately:
// they should cost the same.
func BenchmarkRefChurn(b *testing.B) {
	o := &obj16{}
	cb := func(*Ref[obj16]) {}
	const n = 1_000_000
	for b.Loop() {
		var first, last float64
		for i := range n {
			if i == n/10 {
				first = float64(b.Elapsed().Nanoseconds())
			}
			if i == n-n/10 {
				last = float64(b.Elapsed().Nanoseconds())
			}
			NewRefFunc(o, cb)
		}
		end := float64(b.Elapsed().Nanoseconds())
		b.ReportMetric(first/(n/10), "ns/op-first10%")
		b.ReportMetric((end-last)/(n/10), "ns/op-last10%")
	}
	runtime.KeepAlive(o)
}
