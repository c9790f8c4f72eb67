package weakref_test

import (
	"fmt"
	"runtime"
	"slices"
	"sort"

	"github.com/goweakref/weakref"
)

type Element struct {
	name string
}

//go:noinline
func newElement(name string) *Element { return &Element{name: name} }

// Python:
//
//	e1 = Element(); e2 = Element()
//	s = weakref.WeakSet([e1, e2])
//	print(len(s))  # 2
//	del e1
//	print(len(s))  # 1
func ExampleWeakSet() {
	e1, e2 := newElement("e1"), newElement("e2")
	s := weakref.NewWeakSet(e1, e2)
	fmt.Println(s.Len())

	e1 = nil
	runtime.GC()
	fmt.Println(s.Len())
	runtime.KeepAlive(e2)
	// Output:
	// 2
	// 1
}

type Observer struct {
	name string
}

func (o *Observer) Update(event string) { fmt.Println(o.name, "got", event) }

// Subject is the reference text's observer pattern: observers that the
// program drops stop being notified, and are not kept alive.
type Subject struct {
	observers weakref.WeakSet[Observer]
}

func (s *Subject) Attach(o *Observer) { s.observers.Add(o) }

func (s *Subject) Notify(event string) {
	for o := range s.observers.All() {
		o.Update(event)
	}
}

func ExampleWeakSet_observer() {
	var subject Subject
	logger := &Observer{name: "logger"}
	subject.Attach(logger)
	subject.Attach(&Observer{name: "temporary"})
	runtime.GC() // the temporary observer is gone
	subject.Notify("saved")
	runtime.KeepAlive(logger)
	// Output: logger got saved
}

func ExampleNewWeakSet() {
	a := newElement("a")
	s := weakref.NewWeakSet(a, a)
	fmt.Println(s.Len(), s.Contains(a))
	// Output: 1 true
}

func ExampleWeakSet_Add() {
	var s weakref.WeakSet[Element]
	a := newElement("a")
	s.Add(a)
	s.Add(a)
	fmt.Println(s.Len())
	runtime.KeepAlive(a)
	// Output: 1
}

func ExampleWeakSet_Remove() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	fmt.Println(s.Remove(a), s.Remove(a))
	// Output: true false
}

func ExampleWeakSet_Contains() {
	a, b := newElement("a"), newElement("b")
	s := weakref.NewWeakSet(a)
	fmt.Println(s.Contains(a), s.Contains(b), s.Contains(nil))
	// Output: true false false
}

func ExampleWeakSet_Len() {
	keep := newElement("keep")
	s := weakref.NewWeakSet(keep, newElement("dropped"))
	runtime.GC()
	fmt.Println(s.Len())
	runtime.KeepAlive(keep)
	// Output: 1
}

func ExampleWeakSet_Clear() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	s.Clear()
	fmt.Println(s.Len())
	runtime.KeepAlive(a)
	// Output: 0
}

func ExampleWeakSet_Pop() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	x, ok := s.Pop()
	fmt.Println(x.name, ok, s.Len())
	// Output: a true 0
}

func ExampleWeakSet_All() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	for x := range s.All() {
		fmt.Println(x.name)
	}
	// Output: a
}

func ExampleWeakSet_Clone() {
	a, b := newElement("a"), newElement("b")
	s := weakref.NewWeakSet(a)
	c := s.Clone()
	c.Add(b)
	fmt.Println(s.Len(), c.Len())
	runtime.KeepAlive(b)
	// Output: 1 2
}

// elems builds the sets of the algebra examples.
func elems() (a, b, c *Element) { return newElement("a"), newElement("b"), newElement("c") }

func names(s *weakref.WeakSet[Element]) []string {
	var n []string
	for x := range s.All() {
		n = append(n, x.name)
	}
	sort.Strings(n)
	return n
}

func ExampleWeakSet_Update() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a)
	s.Update(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a b c]
}

func ExampleWeakSet_Union() {
	a, b, c := elems()
	s, t := weakref.NewWeakSet(a, b), weakref.NewWeakSet(b, c)
	fmt.Println(names(s.Union(t.All())))
	// Output: [a b c]
}

func ExampleWeakSet_Intersection() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.Intersection(slices.Values([]*Element{b, c}))))
	// Output: [b]
}

func ExampleWeakSet_Difference() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.Difference(slices.Values([]*Element{b, c}))))
	// Output: [a]
}

func ExampleWeakSet_SymmetricDifference() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.SymmetricDifference(slices.Values([]*Element{b, c}))))
	// Output: [a c]
}

func ExampleWeakSet_IntersectionUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.IntersectionUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [b]
}

func ExampleWeakSet_DifferenceUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.DifferenceUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a]
}

func ExampleWeakSet_SymmetricDifferenceUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.SymmetricDifferenceUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a c]
}

func ExampleWeakSet_IsSubset() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsSubset(slices.Values([]*Element{a, b, c})), s.IsSubset(slices.Values([]*Element{a})))
	// Output: true false
}

func ExampleWeakSet_IsSuperset() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsSuperset(slices.Values([]*Element{a})), s.IsSuperset(slices.Values([]*Element{c})))
	// Output: true false
}

func ExampleWeakSet_IsDisjoint() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsDisjoint(slices.Values([]*Element{c})), s.IsDisjoint(slices.Values([]*Element{b})))
	// Output: true false
}

func ExampleWeakSet_Equal() {
	a, b, _ := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.Equal(slices.Values([]*Element{b, a, b})), s.Equal(slices.Values([]*Element{a})))
	// Output: true false
}
