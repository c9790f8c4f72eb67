package weakref

import (
	"iter"
	"runtime"
	"slices"
	"testing"
)

// set returns the elements of s sorted by their a field.
func set(s *WeakSet[node]) []int {
	var as []int
	for x := range s.All() {
		as = append(as, x.a)
	}
	slices.Sort(as)
	return as
}

func TestWeakSetBasics(t *testing.T) {
	a, b, c := newNode(1), newNode(2), newNode(3)
	s := NewWeakSet(a, b, a)
	if s.Len() != 2 || !s.Contains(a) || s.Contains(c) || s.Contains(nil) {
		t.Fatal("NewWeakSet or Contains")
	}
	s.Add(c)
	if !s.Remove(c) || s.Remove(c) || s.Remove(nil) {
		t.Fatal("Remove")
	}
	x, ok := s.Pop()
	if !ok || (x != a && x != b) || s.Len() != 1 || s.Contains(x) {
		t.Fatal("Pop")
	}
	s.Clear()
	if _, ok := s.Pop(); ok || s.Len() != 0 {
		t.Fatal("Clear or Pop on empty")
	}
	runtime.KeepAlive([]*node{a, b, c})
}

func TestWeakSetAlgebra(t *testing.T) {
	n := make([]*node, 6)
	for i := range n {
		n[i] = newNode(i)
	}
	s := func(idx ...int) *WeakSet[node] {
		w := new(WeakSet[node])
		for _, i := range idx {
			w.Add(n[i])
		}
		return w
	}
	vals := func(idx ...int) []*node {
		var v []*node
		for _, i := range idx {
			v = append(v, n[i])
		}
		return v
	}
	a := s(0, 1, 2, 3)
	b := slices.Values(vals(2, 3, 4, 2))
	cases := []struct {
		name string
		got  *WeakSet[node]
		want []int
	}{
		{"Union", a.Union(b), []int{0, 1, 2, 3, 4}},
		{"Intersection", a.Intersection(b), []int{2, 3}},
		{"Difference", a.Difference(b), []int{0, 1}},
		{"SymmetricDifference", a.SymmetricDifference(b), []int{0, 1, 4}},
		{"Clone", a.Clone(), []int{0, 1, 2, 3}},
	}
	for _, c := range cases {
		if got := set(c.got); !slices.Equal(got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if got := set(a); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("the operations changed their receiver: %v", got)
	}
	updates := []struct {
		name string
		op   func(*WeakSet[node])
		want []int
	}{
		{"Update", func(w *WeakSet[node]) { w.Update(b) }, []int{0, 1, 2, 3, 4}},
		{"IntersectionUpdate", func(w *WeakSet[node]) { w.IntersectionUpdate(b) }, []int{2, 3}},
		{"DifferenceUpdate", func(w *WeakSet[node]) { w.DifferenceUpdate(b) }, []int{0, 1}},
		{"SymmetricDifferenceUpdate", func(w *WeakSet[node]) { w.SymmetricDifferenceUpdate(b) }, []int{0, 1, 4}},
	}
	for _, u := range updates {
		w := s(0, 1, 2, 3)
		u.op(w)
		if got := set(w); !slices.Equal(got, u.want) {
			t.Errorf("%s: %v, want %v", u.name, got, u.want)
		}
	}
	preds := []struct {
		name      string
		got, want bool
	}{
		{"IsSubset", s(2, 3).IsSubset(b), true},
		{"!IsSubset", a.IsSubset(b), false},
		{"IsSuperset", a.IsSuperset(slices.Values(vals(0, 3))), true},
		{"!IsSuperset", a.IsSuperset(b), false},
		{"IsDisjoint", a.IsDisjoint(slices.Values(vals(4, 5))), true},
		{"!IsDisjoint", a.IsDisjoint(b), false},
		{"Equal", s(2, 3, 4).Equal(b), true},
		{"!Equal", a.Equal(b), false},
		{"Equal(self)", a.Equal(a.All()), true},
		{"!Equal(nil)", s(2).Equal(slices.Values([]*node{n[2], nil})), false},
	}
	for _, p := range preds {
		if p.got != p.want {
			t.Errorf("%s = %v", p.name, p.got)
		}
	}
	runtime.KeepAlive(n)
}

func TestWeakSetForgetsDeadElementsAfterGC(t *testing.T) {
	keep := newNode(0)
	s := NewWeakSet(keep, newNode(1), newNode(2))
	runtime.GC()
	if s.Len() != 1 || !slices.Equal(set(s), []int{0}) {
		t.Fatalf("Len = %d, elements %v after GC", s.Len(), set(s))
	}
	runtime.KeepAlive(keep)
}

func TestWeakSetIterationMayMutate(t *testing.T) {
	n := make([]*node, 100)
	s := new(WeakSet[node])
	for i := range n {
		n[i] = newNode(i)
		s.Add(n[i])
	}
	seen := map[*node]bool{}
	for x := range s.All() {
		if seen[x] {
			t.Fatal("element visited twice")
		}
		seen[x] = true
		s.Remove(x)
		s.Add(n[(x.a+1)%len(n)])
	}
	if len(seen) == 0 {
		t.Fatal("nothing visited")
	}
	runtime.KeepAlive(n)
}

func TestWeakSetNilPanics(t *testing.T) {
	a := newNode(1)
	s := NewWeakSet(a)
	withNil := slices.Values([]*node{newNode(2), nil})
	for name, f := range map[string]func(){
		"NewWeakSet":                        func() { NewWeakSet(a, nil) },
		"WeakSet.Add":                       func() { s.Add(nil) },
		"WeakSet.Update":                    func() { s.Update(withNil) },
		"WeakSet.Union":                     func() { s.Union(withNil) },
		"WeakSet.SymmetricDifferenceUpdate": func() { s.SymmetricDifferenceUpdate(withNil) },
	} {
		t.Run(name, func(t *testing.T) {
			mustPanicWith(t, ErrNotReferenceable, "weakref: "+name, f)
			if s.Len() != 1 {
				t.Fatal("a panicking call changed the set")
			}
		})
	}
	runtime.KeepAlive(a)
}

// onePass returns a sequence of xs that fails the test if it is walked a
// second time, as a one-pass sequence (a channel, a network stream) would.
func onePass(t *testing.T, name string, xs ...*node) iter.Seq[*node] {
	walked := false
	return func(yield func(*node) bool) {
		if walked {
			t.Errorf("%s walked its sequence twice", name)
			return
		}
		walked = true
		for _, x := range xs {
			if !yield(x) {
				return
			}
		}
	}
}

// Every method that takes a sequence reads it exactly once, so a one-pass
// sequence holding exactly the set's members gives the same answers as a
// slice.
func TestWeakSetReadsSequencesOnce(t *testing.T) {
	a, b, c := newNode(1), newNode(2), newNode(3)
	fresh := func() *WeakSet[node] { return NewWeakSet(a, b) }
	checks := map[string]func(seq iter.Seq[*node]) bool{
		"Equal":      func(seq iter.Seq[*node]) bool { return fresh().Equal(seq) },
		"IsSubset":   func(seq iter.Seq[*node]) bool { return fresh().IsSubset(seq) },
		"IsSuperset": func(seq iter.Seq[*node]) bool { return fresh().IsSuperset(seq) },
		"IsDisjoint": func(seq iter.Seq[*node]) bool { return !fresh().IsDisjoint(seq) },
		"Union":      func(seq iter.Seq[*node]) bool { return fresh().Union(seq).Len() == 2 },
		"Intersection": func(seq iter.Seq[*node]) bool {
			return fresh().Intersection(seq).Len() == 2
		},
		"Difference": func(seq iter.Seq[*node]) bool { return fresh().Difference(seq).Len() == 0 },
		"SymmetricDifference": func(seq iter.Seq[*node]) bool {
			return fresh().SymmetricDifference(seq).Len() == 0
		},
		"Update": func(seq iter.Seq[*node]) bool { s := fresh(); s.Update(seq); return s.Len() == 2 },
		"IntersectionUpdate": func(seq iter.Seq[*node]) bool {
			s := fresh()
			s.IntersectionUpdate(seq)
			return s.Len() == 2
		},
		"DifferenceUpdate": func(seq iter.Seq[*node]) bool {
			s := fresh()
			s.DifferenceUpdate(seq)
			return s.Len() == 0
		},
		"SymmetricDifferenceUpdate": func(seq iter.Seq[*node]) bool {
			s := fresh()
			s.SymmetricDifferenceUpdate(seq)
			return s.Len() == 0
		},
	}
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			if !check(onePass(t, name, a, b)) {
				t.Fatalf("%s of a one-pass sequence of the members gave the wrong answer", name)
			}
		})
	}
	runtime.KeepAlive(c)
}
