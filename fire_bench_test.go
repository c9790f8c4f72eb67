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
// timer. impl=floor:RefFunc+duties is the same death in BenchmarkCallbacks'
// floor with the API's duties (see floorDuties), fired the same way.
func BenchmarkFire(b *testing.B) {
	b.Run("impl=floor:RefFunc+duties", func(b *testing.B) {
		var m floorDuties[node, struct{}]
		cb := func(*floorFuncRef[node]) {}
		benchFire(b, func(o *node) (any, func()) {
			ref := m.New(o, cb)
			d := floorDutyDeath[node, struct{}]{&m, hashPtr(o), weak.Make(ref)}
			return ref, func() { floorDutyDied(d) }
		})
	})
	b.Run("impl=NewRefFunc", func(b *testing.B) {
		cb := func(*Ref[node]) {}
		benchFire(b, func(o *node) (any, func()) {
			ref := NewRefFunc(o, cb)
			d := firerOf(o)
			return ref, func() { d.v.fireAt(d.h) }
		})
	})
	b.Run("impl=NewFinalize", func(b *testing.B) {
		fn := func(int) {}
		benchFire(b, func(o *node) (any, func()) {
			NewFinalize(o, fn, 0)
			d := firerOf(o)
			return nil, func() { d.v.fireAt(d.h) }
		})
	})
}

// benchFire times fire, which hook returns with what must stay alive, on
// batches of new objects that hook gave their hooks.
func benchFire(b *testing.B, hook func(*node) (keep any, fire func())) {
	const batch = 1000
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

// firerOf returns what fires obj's registry entry, as if obj had died,
// the way Collect fires a due entry.
func firerOf[T any](obj *T) dueEntry {
	v := registeredFor(obj)
	if v == nil {
		panic("firerOf: the object has nothing to fire")
	}
	return dueEntry{hashPtr(obj), v}
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
	const n = 1_000_000
	impls := []struct {
		name string
		// hook gives o its callback, which adds one to ran, and returns
		// what must stay alive for it to run.
		hook func(o *node, ran *atomic.Int64) any
	}{
		{"AddCleanup", func(o *node, ran *atomic.Int64) any {
			runtime.AddCleanup(o, func(ran *atomic.Int64) { ran.Add(1) }, ran)
			return nil
		}},
		// The floor for a callback with Python's rule that it runs only
		// while its weak reference lives: the cleanup resolves a weak
		// pointer to that reference first.
		{"AddCleanup+weak", func(o *node, ran *atomic.Int64) any {
			ref := new(node)
			runtime.AddCleanup(o, func(wp weak.Pointer[node]) {
				if wp.Value() != nil {
					ran.Add(1)
				}
			}, weak.Make(ref))
			return ref
		}},
		// The floor for this package's callbacks: the same, plus the
		// index that finds an object's references (GetWeakRefs, Collect),
		// which each death updates.
		{"floor:RefFunc", func(o *node, ran *atomic.Int64) any {
			return callbackFloor.New(o, func(*floorRef[node]) { ran.Add(1) })
		}},
		// The same with the duties this package's API gives a callback:
		// the reference holds it, it runs inside a recover, and a count
		// that Collect can wait on (see floorDuties).
		{"floor:RefFunc+duties", func(o *node, ran *atomic.Int64) any {
			return dutiesFloor.New(o, func(*floorFuncRef[node]) { ran.Add(1) })
		}},
		// The same with the registry's 24-byte slots, which hold an entry
		// of any type, where the typed floor's hold 16 bytes.
		{"floor:RefFunc+duties+slot24", func(o *node, ran *atomic.Int64) any {
			return wideDutiesFloor.New(o, func(*floorFuncRef[node]) { ran.Add(1) })
		}},
		{"NewRefFunc", func(o *node, ran *atomic.Int64) any {
			return NewRefFunc(o, func(*Ref[node]) { ran.Add(1) })
		}},
		{"NewFinalize", func(o *node, ran *atomic.Int64) any {
			NewFinalize(o, func(ran *atomic.Int64) { ran.Add(1) }, ran)
			return nil
		}},
	}
	for _, mode := range []string{"gc", "Collect"} {
		for _, im := range impls {
			if mode == "Collect" && !strings.HasPrefix(im.name, "New") {
				continue // Collect does not run the runtime's own cleanups
			}
			b.Run("mode="+mode+"/impl="+im.name, func(b *testing.B) {
				var collecting time.Duration
				for b.Loop() {
					b.StopTimer()
					var ran atomic.Int64
					objs := make([]*node, n)
					keep := make([]any, n)
					for i := range objs {
						objs[i] = &node{a: i}
						keep[i] = im.hook(objs[i], &ran)
					}
					runtime.GC() // no collection left from making them
					b.StartTimer()
					objs = nil
					start := time.Now()
					if mode == "gc" {
						runtime.GC()
					} else {
						Collect()
					}
					collecting += time.Since(start)
					for ran.Load() < n {
						// Leave both cores to the cleanup goroutines.
						time.Sleep(20 * time.Microsecond)
					}
					b.StopTimer()
					runtime.KeepAlive(keep)
					keep = nil
					settle()
					b.StartTimer()
				}
				if mode == "gc" {
					b.ReportMetric(float64(collecting.Microseconds())/1e3/float64(b.N), "gc-ms/op")
				}
			})
		}
	}
}

// callbackFloor is the index of BenchmarkCallbacks' floor:RefFunc.
var callbackFloor floorHooks[node]

// dutiesFloor is the index of BenchmarkCallbacks' floor:RefFunc+duties.
var dutiesFloor floorDuties[node, struct{}]

// wideDutiesFloor is the index of floor:RefFunc+duties+slot24.
var wideDutiesFloor floorDuties[node, uintptr]
