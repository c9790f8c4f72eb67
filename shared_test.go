package weakref

import (
	"runtime"
	"slices"
	"testing"
	"weak"
)

// registrySlots counts the registry's entries: records and shared Refs.
func registrySlots() int {
	n := 0
	eachRegistered(func(uint64, registered) { n++ })
	return n
}

// onlyEntry fails unless obj has exactly one registry entry, of type E.
func onlyEntry[E registered](t *testing.T, obj *node) {
	t.Helper()
	got := entriesOf(obj)
	if len(got) != 1 {
		t.Fatalf("%d registry entries for one object, want 1", len(got))
	}
	if _, ok := got[0].(E); !ok {
		t.Fatalf("the entry is a %T, want a %T", got[0], *new(E))
	}
}

// makeSharedRefs returns a shared Ref to each of objs.
//
//go:noinline
func makeSharedRefs(objs []*node) []*Ref[node] {
	refs := make([]*Ref[node], len(objs))
	for i, o := range objs {
		refs[i] = NewRef(o)
	}
	return refs
}

// A plain Ref needs no record and no runtime cleanup, so nothing tells the
// package when it dies: the sweeper finds its entry, with no call on the
// package, and the memory goes back while the objects still live.
func TestDroppedSharedRefsGiveMemoryBack(t *testing.T) {
	n := 200_000 / raceSlowdown
	// The objects' weak handles live as long as the objects: the runtime
	// keeps them, so make them before the baseline.
	objs := make([]*node, n)
	for i := range objs {
		objs[i] = newNode(i)
		_ = weak.Make(objs[i])
	}
	base, slots := settledMemory(), registrySlots()
	refs := makeSharedRefs(objs)
	full := memory()
	if got := registrySlots(); got < slots+n {
		t.Fatalf("%d registry entries for %d shared Refs, %d before", got, n, slots)
	}
	if len(recordsOf(objs[0])) != 0 {
		t.Fatal("NewRef made a record")
	}
	runtime.KeepAlive(refs)
	refs = nil
	grown := full.heap - base.heap
	var left uint64
	for range 10 {
		sweepAfterGC(t)
		left = memory().heap - min(memory().heap, base.heap)
		if registrySlots() <= slots && left <= grown/50 {
			break
		}
	}
	t.Logf("live heap: %d before, +%d with %d shared Refs, +%d after they died", base.heap, grown, n, left)
	if got := registrySlots(); got > slots {
		t.Fatalf("%d registry entries after the Refs died, %d before", got, slots)
	}
	if left > grown/50 {
		t.Fatalf("%d of the %d heap bytes the shared Refs took stayed after they died", left, grown)
	}
	runtime.KeepAlive(objs)
}

// When an object with a plain shared Ref gets a record, the record takes
// the Ref over: NewRef still returns it, GetWeakRefs lists it first, and it
// dies and reports its death with the object, as before.
func TestRecordTakesOverSharedRef(t *testing.T) {
	o := newNode(1)
	r := NewRef(o)
	ran := false
	cb := NewRefFunc(o, func(*Ref[node]) { ran = true })
	if NewRef(o) != r {
		t.Fatal("NewRef made a second shared Ref once the object had a record")
	}
	if got := GetWeakRefs(o); !slices.Equal(got, []any{r, cb}) {
		t.Fatalf("GetWeakRefs = %v, want the shared Ref, then the callback Ref", got)
	}
	onlyEntry[*record[node]](t, o)
	done := r.Done()
	o = nil
	Collect()
	<-done
	if !ran || r.Value() != nil || r.Callback() != nil {
		t.Fatal("the shared Ref did not die with its object, or the callback did not run")
	}
	runtime.KeepAlive(cb)
}

// NewRef racing with NewRefFunc on one object: every NewRef returns the
// same Ref, the object ends with one entry, its record, and the record
// holds that Ref and every callback Ref.
func TestConcurrentNewRefAndRecord(t *testing.T) {
	for range 50 {
		o := newNode(1)
		const n = 8
		shared := make([]*Ref[node], n)
		hooked := make([]*Ref[node], n)
		var fs []func()
		for i := range n {
			fs = append(fs,
				func() { shared[i] = NewRef(o) },
				func() { hooked[i] = NewRefFunc(o, func(*Ref[node]) {}) })
		}
		atOnce(fs...)
		for _, r := range shared {
			if r != shared[0] {
				t.Fatal("concurrent NewRef returned different Refs")
			}
		}
		onlyEntry[*record[node]](t, o)
		refs := GetWeakRefs(o)
		if len(refs) != n+1 || refs[0] != shared[0] {
			t.Fatalf("GetWeakRefs has %d references, the first %p; want %d, the shared Ref %p first", len(refs), refs[0], n+1, shared[0])
		}
		runtime.KeepAlive(hooked)
	}
}

// An object with both shared references needs a record, which takes over
// whichever came first: each stays the one its constructor returns.
func TestSharedRefAndProxyShareARecord(t *testing.T) {
	for _, refFirst := range []bool{true, false} {
		o := newNode(1)
		var r *Ref[node]
		var p *Proxy[node]
		if refFirst {
			r = NewRef(o)
			onlyEntry[shared[node, Ref[node], *Ref[node]]](t, o)
			p = NewProxy(o)
		} else {
			p = NewProxy(o)
			onlyEntry[shared[node, Proxy[node], *Proxy[node]]](t, o)
			r = NewRef(o)
		}
		if NewRef(o) != r || NewProxy(o) != p {
			t.Fatal("a shared reference changed when the object got a record")
		}
		onlyEntry[*record[node]](t, o)
		if refs := GetWeakRefs(o); !slices.Equal(refs, []any{r, p}) {
			t.Fatalf("GetWeakRefs = %v, want the shared Ref, then the shared Proxy", refs)
		}
	}
}
