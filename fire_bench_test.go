package weakref

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"weak"
)

// BenchmarkFire measures what an object's registry entry costs to fire
// once the object died: the claim, unregister, taking the hook and running
// a callback, with the rest (making the objects and Refs) outside the
// timer. The floor rows are the same death in BenchmarkCallbacks' duties
// floors (see floorDuties), fired the same way. It fires batches of
// 1,000, whose entries, Refs and handles are still in the cache;
// BenchmarkColdFire fires them as a collection leaves them.
func BenchmarkFire(b *testing.B) {
	for _, im := range fireImpls() {
		b.Run("impl="+im.name, func(b *testing.B) { benchFire(b, 1000, im.hook()) })
	}
}

// A fireImpl is a row of BenchmarkFire. Its hook, made afresh for each
// run, gives an object its callback or finalizer, and returns what must
// stay alive and what fires the object's death as its cleanup would.
type fireImpl struct {
	name string
	hook func() func(*node) (keep any, fire func())
}

func fireImpls() []fireImpl {
	return []fireImpl{
		{"floor:RefFunc+duties", func() func(*node) (any, func()) {
			return floorFire(new(floorDuties[node, typedSlot[node]]))
		}},
		{"floor:RefFunc+duties+slot24", slot24Fire},
		{"floor:RefFunc+duties+boxed", boxedFire},
		{"NewRefFunc", func() func(*node) (any, func()) {
			cb := func(*Ref[node]) {}
			return func(o *node) (any, func()) {
				ref := NewRefFunc(o, cb)
				return ref, hookCleanup[callbackHook[node, Ref[node], *Ref[node]]](o)
			}
		}},
		{"NewFinalize", func() func(*node) (any, func()) {
			fn := func(int) {}
			return func(o *node) (any, func()) {
				NewFinalize(o, fn, 0)
				return nil, hookCleanup[loneFinalizer[node]](o)
			}
		}},
	}
}

// slot24Fire is the hook of the floor with the registry's slot size.
func slot24Fire() func(*node) (any, func()) {
	return floorFire(new(floorDuties[node, paddedSlot[node]]))
}

// boxedFire is the hook of the floor whose slots hold their reference in
// an interface, as the registry's do.
func boxedFire() func(*node) (any, func()) {
	return floorFire(new(floorDuties[node, boxedSlot[node]]))
}

// floorFire is the hook of a duties floor whose index is m.
func floorFire[E floorSlot[node, E]](m *floorDuties[node, E]) func(*node) (any, func()) {
	cb := func(*floorFuncRef[node]) {}
	return func(o *node) (any, func()) {
		ref := m.New(o, cb)
		d := floorDutyDeath[node, E]{m, hashPtr(o), weak.Make(ref)}
		return ref, func() { floorDutyDied(d) }
	}
}

// BenchmarkColdFire fires the deaths of 1,000,000 objects per op, with
// each fire's probe, handle and Ref cache misses, as they are after a
// collection; no collection runs meanwhile. The time a miss takes on
// these machines varies by a fifth from one run to the next, more than
// the differences to measure, so each op makes the objects of the
// library's row and of two floors at once, and fires them in turn, 1,000
// at a time, each batch going first in its turn. The floors are the
// slot24 floor, whose slots are the registry's size, and the boxed floor,
// whose slots also hold their reference in an interface, as the
// registry's do. It reports the time per fire of each (ns/fire,
// floor-ns/fire for slot24, boxed-ns/fire) and the library's ratios to
// them (x-floor, x-boxed); ns/op counts all three.
func BenchmarkColdFire(b *testing.B) {
	for _, im := range fireImpls() {
		if !strings.HasPrefix(im.name, "New") {
			continue // the floors are each row's pairs
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			const n, chunk = 1_000_000, 1000
			var took [3]time.Duration // the library, slot24, boxed
			for b.Loop() {
				b.StopTimer()
				batches := newFireBatches(n, im.hook(), slot24Fire(), boxedFire())
				runtime.GC() // no collection left from making them
				b.StartTimer()
				for i := 0; i < n; i += chunk {
					for k := range batches {
						j := (k + i/chunk) % len(batches)
						took[j] += batches[j].fire(i, i+chunk)
					}
				}
				runtime.KeepAlive(batches)
			}
			fires := float64(b.N * n)
			b.ReportMetric(float64(took[0].Nanoseconds())/fires, "ns/fire")
			b.ReportMetric(float64(took[1].Nanoseconds())/fires, "floor-ns/fire")
			b.ReportMetric(float64(took[2].Nanoseconds())/fires, "boxed-ns/fire")
			b.ReportMetric(float64(took[0])/float64(took[1]), "x-floor")
			b.ReportMetric(float64(took[0])/float64(took[2]), "x-boxed")
		})
	}
}

// A fireBatch is objects with hooks, and what fires their deaths.
type fireBatch struct {
	objs  []*node
	keep  []any
	fires []func()
}

// newFireBatches returns a batch of n objects for each of hooks, which
// gives them their hooks, made in turn: each batch's memory is then as
// old, and as spread out, as the others'. (Made one batch after the other,
// the second fired up to a fifth faster or slower than the first, by
// which went first.)
func newFireBatches(n int, hooks ...func(*node) (any, func())) []*fireBatch {
	batches := make([]*fireBatch, len(hooks))
	for k := range batches {
		batches[k] = &fireBatch{make([]*node, n), make([]any, n), make([]func(), n)}
	}
	for i := range n {
		for k, fb := range batches {
			fb.objs[i] = &node{a: i}
			fb.keep[i], fb.fires[i] = hooks[k](fb.objs[i])
		}
	}
	return batches
}

// fire fires the deaths from i to j and returns how long that took.
func (fb *fireBatch) fire(i, j int) time.Duration {
	start := time.Now()
	for _, f := range fb.fires[i:j] {
		f()
	}
	return time.Since(start)
}

// benchFire times fire, which hook returns with what must stay alive, on
// batches of new objects that hook gave their hooks.
func benchFire(b *testing.B, batch int, hook func(*node) (keep any, fire func())) {
	batch = min(batch, b.N)
	objs := make([]*node, batch)
	keep := make([]any, batch)
	fires := make([]func(), batch)
	b.ReportAllocs()
	n := 0
	for n < b.N {
		b.StopTimer()
		for i := range objs {
			objs[i] = &node{a: i}
			keep[i], fires[i] = hook(objs[i])
		}
		b.StartTimer()
		for _, f := range fires {
			f()
		}
		n += batch
	}
	runtime.KeepAlive(objs)
	runtime.KeepAlive(keep)
}

// hookCleanup returns the runtime cleanup of obj's lone hook, of type K,
// bound to its argument as AddCleanup binds it: what the runtime calls
// when obj dies.
func hookCleanup[K loneHook, T any](obj *T) func() {
	k, ok := registeredFor(obj).(K)
	if !ok {
		panic("hookCleanup: the object's entry is not a lone hook of that type")
	}
	return hookAt[K]{hashPtr(obj), k}.cleanup
}

// BenchmarkCallbacks measures, per op, the time from dropping 1,000,000
// objects that each have one callback or finalizer until the last one has
// run: with mode=gc the runtime collects and runs them on its cleanup
// goroutines, with mode=Collect Collect does both. impl=AddCleanup is one
// runtime cleanup per object, as hand-written code has, and
// impl=AddCleanup+weak adds what a callback needs: a check that its
// reference lives. Making the objects and their hooks is outside the
// timer. With mode=gc, gc-ms/op is the part of each op until runtime.GC
// returns. That includes marking and sweeping, and, since the runtime
// starts on queued cleanups while it sweeps, some of the hooks' work.
func BenchmarkCallbacks(b *testing.B) {
	for _, mode := range []string{"gc", "Collect"} {
		for _, im := range callbackImpls(&nodeFloors) {
			if mode == "Collect" && !strings.HasPrefix(im.name, "New") {
				continue // Collect does not run the runtime's own cleanups
			}
			b.Run("mode="+mode+"/impl="+im.name, func(b *testing.B) {
				var collecting time.Duration
				for b.Loop() {
					_, gc := timeDrop(b, im.hook, mode == "Collect")
					collecting += gc
				}
				if mode == "gc" {
					b.ReportMetric(ms(collecting)/float64(b.N), "gc-ms/op")
				}
			})
		}
	}
}

// BenchmarkPairedDrops is BenchmarkCallbacks' library rows, each op
// paired in one process with the two floors that BenchmarkColdFire uses.
// A row of BenchmarkCallbacks run alone varies by a fifth or more from
// one process to the next, as much as the distance to measure. Each op
// here drops a million objects with the library's hooks, a million with
// the slot24 floor's and a million with the boxed floor's, one drop after
// the other, the order turning by one each op, so that with a multiple
// of 3 ops each goes first as often. A drop of the boxed floor before the
// timed ops grows the heap, which the first drop of a process would
// otherwise do alone. The objects are BenchmarkCallbacks' 24-byte nodes
// (size=24B) or the 16-byte objects of the targets (size=16B).
//
// It reports the time of each drop until its last callback ran (ms/drop,
// floor-ms/drop for slot24, boxed-ms/drop), the library's ratios
// (x-floor, x-boxed), and the part of each drop until runtime.GC or
// Collect returned (gc-ms/drop, floor-gc-ms/drop, boxed-gc-ms/drop). The
// floors always run their cleanups on the runtime's goroutines; with
// mode=Collect, the library's drop is Collect's.
func BenchmarkPairedDrops(b *testing.B) {
	for _, mode := range []string{"gc", "Collect"} {
		for _, name := range []string{"NewRefFunc", "NewFinalize"} {
			row := "mode=" + mode + "/impl=" + name
			b.Run(row+"/size=24B", func(b *testing.B) { pairedDrops(b, mode, name, &nodeFloors) })
			b.Run(row+"/size=16B", func(b *testing.B) { pairedDrops(b, mode, name, &obj16Floors) })
		}
	}
}

// pairedDrops runs BenchmarkPairedDrops' row for the library's impl name
// on objects of type T.
func pairedDrops[T any](b *testing.B, mode, name string, f *callbackFloors[T]) {
	impls := make(map[string]callbackImpl[T])
	for _, im := range callbackImpls(f) {
		impls[im.name] = im
	}
	rows := []callbackImpl[T]{impls[name], impls["floor:RefFunc+duties+slot24"], impls["floor:RefFunc+duties+boxed"]}
	timeDrop(b, rows[2].hook, false)
	var took, gc [3]time.Duration // the library, slot24, boxed
	op := 0
	for b.Loop() {
		for k := range rows {
			j := (k + op) % len(rows)
			d, g := timeDrop(b, rows[j].hook, j == 0 && mode == "Collect")
			took[j] += d
			gc[j] += g
		}
		op++
	}
	for k, unit := range []string{"ms/drop", "floor-ms/drop", "boxed-ms/drop"} {
		b.ReportMetric(ms(took[k])/float64(b.N), unit)
		b.ReportMetric(ms(gc[k])/float64(b.N), strings.Replace(unit, "ms", "gc-ms", 1))
	}
	b.ReportMetric(float64(took[0])/float64(took[1]), "x-floor")
	b.ReportMetric(float64(took[0])/float64(took[2]), "x-boxed")
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// A callbackImpl is a row of BenchmarkCallbacks. Its hook gives o its
// callback, which adds one to ran, and returns what must stay alive for
// it to run.
type callbackImpl[T any] struct {
	name string
	hook func(o *T, ran *atomic.Int64) any
}

// callbackImpls returns BenchmarkCallbacks' rows for objects of type T,
// whose floor rows use f's indexes.
func callbackImpls[T any](f *callbackFloors[T]) []callbackImpl[T] {
	return []callbackImpl[T]{
		{"AddCleanup", func(o *T, ran *atomic.Int64) any {
			runtime.AddCleanup(o, func(ran *atomic.Int64) { ran.Add(1) }, ran)
			return nil
		}},
		// The floor for a callback with Python's rule that it runs only
		// while its weak reference lives: the cleanup resolves a weak
		// pointer to that reference first.
		{"AddCleanup+weak", func(o *T, ran *atomic.Int64) any {
			ref := new(T)
			runtime.AddCleanup(o, func(wp weak.Pointer[T]) {
				if wp.Value() != nil {
					ran.Add(1)
				}
			}, weak.Make(ref))
			return ref
		}},
		// The floor for this package's callbacks: the same, plus the
		// index that finds an object's references (GetWeakRefs, Collect),
		// which each death updates.
		{"floor:RefFunc", func(o *T, ran *atomic.Int64) any {
			return f.hooks.New(o, func(*floorRef[T]) { ran.Add(1) })
		}},
		// The same with the duties this package's API gives a callback:
		// the reference holds it, it runs inside a recover, and a count
		// that Collect can wait on (see floorDuties).
		{"floor:RefFunc+duties", func(o *T, ran *atomic.Int64) any {
			return f.duties.New(o, func(*floorFuncRef[T]) { ran.Add(1) })
		}},
		// The same with the registry's 24-byte slots, which hold an entry
		// of any type, where the typed floor's hold 16 bytes.
		{"floor:RefFunc+duties+slot24", func(o *T, ran *atomic.Int64) any {
			return f.slot24.New(o, func(*floorFuncRef[T]) { ran.Add(1) })
		}},
		// The same with the registry's slots themselves: an interface,
		// which holds an entry of any type.
		{"floor:RefFunc+duties+boxed", func(o *T, ran *atomic.Int64) any {
			return f.boxed.New(o, func(*floorFuncRef[T]) { ran.Add(1) })
		}},
		{"NewRefFunc", func(o *T, ran *atomic.Int64) any {
			return NewRefFunc(o, func(*Ref[T]) { ran.Add(1) })
		}},
		{"NewFinalize", func(o *T, ran *atomic.Int64) any {
			NewFinalize(o, func(ran *atomic.Int64) { ran.Add(1) }, ran)
			return nil
		}},
	}
}

// timeDrop gives 1,000,000 new objects their hooks, with the timer
// stopped, then drops them, and returns the time until the last hook ran
// and, of that, the time until runtime.GC or, with collect, Collect
// returned. The timer runs only for the drop.
func timeDrop[T any](b *testing.B, hook func(*T, *atomic.Int64) any, collect bool) (total, gc time.Duration) {
	const n = 1_000_000
	b.StopTimer()
	var ran atomic.Int64
	objs := make([]*T, n)
	keep := make([]any, n)
	for i := range objs {
		objs[i] = new(T)
		keep[i] = hook(objs[i], &ran)
	}
	runtime.GC() // no collection left from making them
	b.StartTimer()
	objs = nil
	start := time.Now()
	if collect {
		Collect()
	} else {
		runtime.GC()
	}
	gc = time.Since(start)
	for ran.Load() < n {
		// Leave both cores to the cleanup goroutines.
		time.Sleep(20 * time.Microsecond)
	}
	total = time.Since(start)
	b.StopTimer()
	runtime.KeepAlive(keep)
	settle()
	b.StartTimer()
	return total, gc
}

// callbackFloors are the indexes of BenchmarkCallbacks' floor rows for
// objects of type T. Each lives as long as the process, as the registry
// does.
type callbackFloors[T any] struct {
	hooks  floorHooks[T]
	duties floorDuties[T, typedSlot[T]]
	slot24 floorDuties[T, paddedSlot[T]]
	boxed  floorDuties[T, boxedSlot[T]]
}

// The floors of BenchmarkCallbacks' 24-byte nodes, and of
// BenchmarkPairedDrops' 16-byte objects.
var (
	nodeFloors  callbackFloors[node]
	obj16Floors callbackFloors[obj16]
)

// The duties floors' entries: typed, with 16-byte slots; padded to the
// registry's 24; and held in an interface, as the registry holds them.
type (
	typedSlot[T any]  = floorIndexed[floorFuncRef[T], struct{}]
	paddedSlot[T any] = floorIndexed[floorFuncRef[T], uintptr]
	boxedSlot[T any]  = floorBoxed[floorFuncRef[T]]
)
