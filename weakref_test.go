package weakref

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
)

func TestGetWeakRefsOrder(t *testing.T) {
	o := newNode(1)
	r1 := NewRefFunc(o, func(*Ref[node]) {})
	p1 := NewProxyFunc(o, func(*Proxy[node]) {})
	proxy := NewProxy(o)
	ref := NewRef(o)
	NewFinalize(o, func(int) {}, 0) // finalizers are not weak references
	r2 := NewRefFunc(o, func(*Ref[node]) {})
	got := GetWeakRefs(o)
	want := []any{ref, proxy, r2, p1, r1}
	if !slices.Equal(got, want) {
		t.Fatalf("GetWeakRefs = %v, want %v", got, want)
	}
	if n := GetWeakRefCount(o); n != 5 {
		t.Fatalf("GetWeakRefCount = %d, want 5", n)
	}
}

func TestGetWeakRefCountIsExactAfterGC(t *testing.T) {
	o := newNode(1)
	if GetWeakRefCount(o) != 0 || GetWeakRefs(o) != nil {
		t.Fatal("an object with no references has some")
	}
	keep := []*Ref[node]{NewRef(o), NewRefFunc(o, func(*Ref[node]) {})}
	for range 10 {
		NewRefFunc(o, func(*Ref[node]) {})
	}
	if n := GetWeakRefCount(o); n < 2 {
		t.Fatalf("GetWeakRefCount = %d before GC, want at least 2", n)
	}
	runtime.GC()
	if n := GetWeakRefCount(o); n != 2 {
		t.Fatalf("GetWeakRefCount = %d after GC, want 2", n)
	}
	if GetWeakRefCount[node](nil) != 0 || GetWeakRefs[node](nil) != nil {
		t.Fatal("nil has weak references")
	}
	runtime.KeepAlive(keep)
}

func TestPanickingCallbackIsReportedAndOthersRun(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	got := captureUnraisable(t)
	o := newNode(1)
	var ran []int
	NewFinalize(o, func(i int) { ran = append(ran, i) }, 1)
	NewFinalize(o, func(int) { panic("boom") }, 2)
	r := NewRefFunc(o, func(*Ref[node]) { panic(fmt.Errorf("wrapped: %w", ErrReferenceError)) })
	NewFinalize(o, func(i int) { ran = append(ran, i) }, 3)
	o = nil
	if n := Collect(); n != 4 {
		t.Fatalf("Collect ran %d, want 4", n)
	}
	if !slices.Equal(ran, []int{3, 1}) {
		t.Fatalf("the healthy finalizers ran as %v, want [3 1]", ran)
	}
	reports := got()
	if len(reports) != 2 {
		t.Fatalf("%d reports, want 2", len(reports))
	}
	if reports[0].Where != "weakref callback for *weakref.node" || !errors.Is(reports[0], ErrReferenceError) {
		t.Errorf("first report %+v", reports[0])
	}
	if reports[1].Value != "boom" || reports[1].Where != "finalizer for *weakref.node" || len(reports[1].Stack) == 0 {
		t.Errorf("second report %+v", reports[1])
	}
	if want := "weakref: panic in finalizer for *weakref.node: boom"; reports[1].Error() != want {
		t.Errorf("Error() = %q, want %q", reports[1].Error(), want)
	}
	runtime.KeepAlive(r)
}

func TestSetUnraisableHookReturnsPrevious(t *testing.T) {
	h1 := func(*UnraisableError) {}
	if prev := SetUnraisableHook(h1); prev != nil {
		defer func() { SetUnraisableHook(prev) }()
		t.Fatal("the default hook is not reported as nil")
	}
	if prev := SetUnraisableHook(nil); prev == nil {
		t.Fatal("SetUnraisableHook did not return the installed hook")
	}
	if prev := SetUnraisableHook(nil); prev != nil {
		t.Fatal("nil did not restore the default")
	}
}
