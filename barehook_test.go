package weakref

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"weak"
)

// nodeHook is the registry entry of a node with one callback Ref.
type nodeHook = callbackHook[node, Ref[node], *Ref[node]]

// An object whose only reference is one callback Ref has no record: its
// entry is the Ref's hook, which its runtime cleanup claims and runs. (With
// GODEBUG=checkfinalizers=1 it has a record, which holds the callback
// strongly for the runtime's check.)
func TestCallbackRefNeedsNoRecord(t *testing.T) {
	before := registrySlots()
	o := newNode(1)
	var got *Ref[node]
	r := NewRefFunc(o, func(r *Ref[node]) { got = r })
	if checkFinalizers {
		onlyEntry[*record[node]](t, o) // see heldCallbackHook
	} else {
		onlyEntry[nodeHook](t, o)
	}
	if n := GetWeakRefCount(o); n != 1 {
		t.Fatalf("GetWeakRefCount = %d, want 1", n)
	}
	if refs := GetWeakRefs(o); len(refs) != 1 || refs[0] != r {
		t.Fatalf("GetWeakRefs = %v, want [%v]", refs, r)
	}
	runtime.KeepAlive(o)
	o = nil
	if n := Collect(); n != 1 || got != r {
		t.Fatalf("Collect ran %d callbacks with %v, want 1 with %v", n, got, r)
	}
	if n := registrySlots(); n > before {
		t.Fatalf("%d registry entries after the object died, %d before it was made", n, before)
	}
	select {
	case <-r.Done():
	default:
		t.Fatal("Done is not closed after the callback ran")
	}
}

// An object whose only hook is one finalizer has no record either: the
// finalizer is its entry, and runs once, in Collect or its cleanup.
func TestFinalizerNeedsNoRecord(t *testing.T) {
	before := registrySlots()
	o := newNode(1)
	var ran int
	f := NewFinalize(o, func(ran *int) { *ran++ }, &ran)
	onlyEntry[loneFinalizer[node]](t, o)
	if obj, ok := f.Peek(); !ok || obj != o {
		t.Fatalf("Peek = %v, %v; want the object", obj, ok)
	}
	if n := GetWeakRefCount(o); n != 0 {
		t.Fatalf("GetWeakRefCount = %d for an object with only a finalizer", n)
	}
	runtime.KeepAlive(o)
	o = nil
	if n := Collect(); n != 1 || ran != 1 || f.Alive() {
		t.Fatalf("Collect ran %d hooks, the finalizer %d times, alive %v; want 1, 1, false", n, ran, f.Alive())
	}
	if n := registrySlots(); n > before {
		t.Fatalf("%d registry entries after the object died, %d before it was made", n, before)
	}
}

// A finalizer that was called or detached lets go of its function and
// argument at once, even while its object lives and it stays the object's
// entry.
func TestDeadFinalizerLetsGoOfItsArgument(t *testing.T) {
	for _, end := range []struct {
		name string
		kill func(*Finalize)
	}{
		{"Call", func(f *Finalize) { f.Call() }},
		{"Detach", func(f *Finalize) { f.Detach() }},
	} {
		t.Run(end.name, func(t *testing.T) {
			o := newNode(1)
			arg := newNode(2)
			wp := weak.Make(arg)
			f := NewFinalize(o, func(*node) {}, arg)
			arg = nil
			end.kill(f)
			runtime.GC()
			if wp.Value() != nil {
				t.Fatal("the argument of a dead finalizer is still reachable")
			}
			runtime.KeepAlive(o)
			runtime.KeepAlive(f)
		})
	}
}

// When the object gets anything more, a record takes the hook over, and
// every hook still runs exactly once, newest first, with the record's
// cleanup and the hook's both attached to the object.
func TestRecordTakesOverCallbackHook(t *testing.T) {
	firsts := []struct {
		name string
		add  func(o *node, ran *[]string) any
	}{
		{"callback Ref", func(o *node, ran *[]string) any {
			return NewRefFunc(o, func(*Ref[node]) { *ran = append(*ran, "first") })
		}},
		{"finalizer", func(o *node, ran *[]string) any {
			return NewFinalize(o, func(ran *[]string) { *ran = append(*ran, "first") }, ran)
		}},
	}
	for _, more := range []struct {
		name string
		runs bool // whether the second adds a hook that appends "second"
		add  func(o *node, ran *[]string) any
	}{
		{"second callback Ref", true, func(o *node, ran *[]string) any {
			return NewRefFunc(o, func(*Ref[node]) { *ran = append(*ran, "second") })
		}},
		{"callback Proxy", true, func(o *node, ran *[]string) any {
			return NewProxyFunc(o, func(*Proxy[node]) { *ran = append(*ran, "second") })
		}},
		{"finalizer", true, func(o *node, ran *[]string) any {
			return NewFinalize(o, func(ran *[]string) { *ran = append(*ran, "second") }, ran)
		}},
		{"shared Ref", false, func(o *node, ran *[]string) any { return NewRef(o) }},
		{"Done", false, func(o *node, ran *[]string) any { return NewRef(o).Done() }},
	} {
		for _, firstHook := range firsts {
			t.Run(firstHook.name+" then "+more.name, func(t *testing.T) {
				before := registrySlots()
				var ran []string
				o := newNode(1)
				first := firstHook.add(o, &ran)
				second := more.add(o, &ran)
				onlyEntry[*record[node]](t, o)
				runtime.KeepAlive(o)
				o = nil
				Collect()
				want := []string{"first"}
				if more.runs {
					want = []string{"second", "first"}
				}
				if !slices.Equal(ran, want) {
					t.Fatalf("ran %q, want %q", ran, want)
				}
				if n := registrySlots(); n > before {
					t.Fatalf("%d registry entries after the object died, %d before it was made", n, before)
				}
				runtime.KeepAlive(first)
				runtime.KeepAlive(second)
			})
		}
	}
}

// A callback Ref that the program drops leaves its hook entry until its
// object dies, and the next callback Ref to the object gets a record: so
// making and dropping callback Refs, one at a time, never gives a
// long-lived object more than its two runtime cleanups. Each runtime
// cleanup holds its argument on the heap, so a cleanup per Ref would show
// in the live heap.
func TestDroppedCallbackRefsAddNoCleanups(t *testing.T) {
	long := newNode(1)
	cb := func(*Ref[node]) {}
	oneAtATime := func(n int) {
		for range n {
			NewRefFunc(long, cb)
			runtime.GC() // the Ref is gone before the next is made
		}
	}
	oneAtATime(10)
	before := settledMemory()
	oneAtATime(4000 / raceSlowdown)
	after := settledMemory()
	checkFlat(t, "callback Refs made and dropped one at a time", before, after)
	onlyEntry[*record[node]](t, long)
	if n := GetWeakRefCount(long); n != 0 {
		t.Fatalf("GetWeakRefCount = %d after every Ref was dropped", n)
	}
	runtime.KeepAlive(long)
}

// Callback Refs made at once on one new object: one of them may make a
// hook entry, the others go to the record that takes it over, and every
// callback runs once.
func TestConcurrentNewRefFuncOfOneObject(t *testing.T) {
	for range 50 {
		o := newNode(1)
		var ran atomic.Int64
		refs := make([]*Ref[node], 16)
		fs := make([]func(), len(refs))
		for i := range fs {
			fs[i] = func() { refs[i] = NewRefFunc(o, func(*Ref[node]) { ran.Add(1) }) }
		}
		atOnce(fs...)
		onlyEntry[*record[node]](t, o)
		wp := weak.Make(o)
		o = nil
		collectUntilGone(t, wp, "the object") // atOnce's goroutines may hold it a cycle
		if n := ran.Load(); n != int64(len(refs)) {
			t.Fatalf("%d callbacks ran, want %d", n, len(refs))
		}
		runtime.KeepAlive(refs)
	}
}
