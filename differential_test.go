package weakref

import (
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"weak"
)

// world is the objects a differential test holds. The model refers to
// them by index, never by pointer, so it keeps nothing alive; dropping
// index i and collecting kills the object.
type world struct {
	objs []*node
}

// drop forgets object i and collects until the object is gone (see
// collectUntilGone). No sweep of an idle table (a clone) resolves the
// object while Collect marks.
func (w *world) drop(t *testing.T, i int) {
	t.Helper()
	wp := weak.Make(w.objs[i])
	w.objs[i] = nil
	collectUntilGone(t, wp, fmt.Sprintf("object %d", i))
}

//go:noinline
func newWorld(n int) *world {
	w := &world{objs: make([]*node, n)}
	for i := range w.objs {
		w.objs[i] = newNode(i)
	}
	return w
}

// The differential tests run operations chosen by a [choices] on a
// collection and on a plain map model, dropping objects and collecting
// between operations, and compare every answer. The Test functions choose
// with seeded random numbers; the Fuzz functions in fuzz_test.go with the
// fuzzer's bytes.

// choices picks the next operation and its operands.
type choices interface {
	IntN(n int) int
}

func TestWeakValueMapDifferential(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			valueMapOps(t, rand.New(rand.NewPCG(seed, 1)), 400)
		})
	}
}

func valueMapOps(t *testing.T, r choices, steps int) {
	w := newWorld(16)
	var m WeakValueMap[int, node]
	model := map[int]int{} // key -> object index
	for step := range steps {
		k, i := r.IntN(12), r.IntN(len(w.objs))
		obj := w.objs[i]
		op := r.IntN(11)
		if os.Getenv("TRACE") != "" {
			t.Logf("step %d: op %d k %d i %d alive %v", step, op, k, i, obj != nil)
		}
		switch {
		case op == 0 && obj != nil:
			m.Store(k, obj)
			model[k] = i
		case op == 1 && obj != nil:
			v, loaded := m.LoadOrStore(k, obj)
			mi, had := model[k]
			if loaded != had || (had && v != w.objs[mi]) {
				t.Fatalf("step %d: LoadOrStore(%d) = %v, %v; model %v", step, k, v, loaded, had)
			}
			if !had {
				model[k] = i
			}
		case op == 2:
			v, ok := m.LoadAndDelete(k)
			mi, had := model[k]
			if ok != had || (had && v != w.objs[mi]) {
				t.Fatalf("step %d: LoadAndDelete(%d)", step, k)
			}
			delete(model, k)
		case op == 3 && obj != nil && w.objs[(i+1)%len(w.objs)] != nil:
			j := (i + 1) % len(w.objs)
			mi, had := model[k]
			want := had && mi == i
			if swapped := m.CompareAndSwap(k, obj, w.objs[j]); swapped != want {
				t.Fatalf("step %d: CompareAndSwap(%d) = %v, want %v", step, k, swapped, want)
			}
			if want {
				model[k] = j
			}
		case op == 4 && obj != nil:
			mi, had := model[k]
			if deleted := m.CompareAndDelete(k, obj); deleted != (had && mi == i) {
				t.Fatalf("step %d: CompareAndDelete(%d) = %v", step, k, deleted)
			}
			if had && mi == i {
				delete(model, k)
			}
		case op == 5:
			// Drop an object and collect: its entries vanish.
			w.drop(t, i)
			for mk, mi := range model {
				if mi == i {
					delete(model, mk)
				}
			}
		case op == 6:
			// Iterate, mutating inside the body.
			seen := map[int]bool{}
			for ik, v := range m.All() {
				if seen[ik] || v.a != model[ik] {
					t.Fatalf("step %d: iteration yielded %d -> %d twice or wrongly", step, ik, v.a)
				}
				seen[ik] = true
				if r.IntN(4) == 0 {
					m.Delete(ik)
					delete(model, ik)
				}
			}
		case op == 7:
			if pk, v, ok := m.PopItem(); ok {
				if mi, had := model[pk]; !had || w.objs[mi] != v {
					t.Fatalf("step %d: PopItem returned %d -> %v, which the model lacks", step, pk, v)
				}
				delete(model, pk)
			} else if len(model) != 0 {
				t.Fatalf("step %d: PopItem found nothing in a map of %d", step, len(model))
			}
		case op == 8 && obj != nil:
			prev, loaded := m.Swap(k, obj)
			mi, had := model[k]
			if loaded != had || (had && prev != w.objs[mi]) {
				t.Fatalf("step %d: Swap(%d) = %v, %v; model %v, %v", step, k, prev, loaded, mi, had)
			}
			model[k] = i
		case op == 9 && obj != nil:
			mi, had := model[k]
			ran := false
			v, loaded := m.LoadOrCompute(k, func() *node { ran = true; return obj })
			if loaded != had || ran == had || (had && v != w.objs[mi]) || (!had && v != obj) {
				t.Fatalf("step %d: LoadOrCompute(%d) = %v, %v, create ran %v; model %v, %v", step, k, v, loaded, ran, mi, had)
			}
			if !had {
				model[k] = i
			}
		}
		checkValueMap(t, step, &m, model, w)
	}
}

func checkValueMap(t *testing.T, step int, m *WeakValueMap[int, node], model map[int]int, w *world) {
	t.Helper()
	if m.Len() != len(model) {
		t.Fatalf("step %d: Len = %d, model %d", step, m.Len(), len(model))
	}
	for k := range 12 {
		v, ok := m.Load(k)
		mi, had := model[k]
		if ok != had || (had && v != w.objs[mi]) {
			t.Fatalf("step %d: Load(%d) = %v, %v; model %v, %v", step, k, v, ok, mi, had)
		}
	}
}

func TestWeakKeyMapDifferential(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			keyMapOps(t, rand.New(rand.NewPCG(seed, 2)), 400)
		})
	}
}

// keyMapOps checks a WeakKeyMap, and a WeakSet of the same keys, against
// one model.
func keyMapOps(t *testing.T, r choices, steps int) {
	w := newWorld(16)
	var m WeakKeyMap[node, int]
	var s WeakSet[node]
	model := map[int]int{} // object index -> value
	for step := range steps {
		i, v := r.IntN(len(w.objs)), r.IntN(100)
		obj := w.objs[i]
		switch op := r.IntN(10); {
		case op == 0 && obj != nil:
			m.Store(obj, v)
			s.Add(obj)
			model[i] = v
		case op == 1 && obj != nil:
			got, loaded := m.LoadOrStore(obj, v)
			mv, had := model[i]
			if loaded != had || (had && got != mv) {
				t.Fatalf("step %d: LoadOrStore", step)
			}
			s.Add(obj)
			if !had {
				model[i] = v
			}
		case op == 2:
			got, ok := m.LoadAndDelete(obj)
			mv, had := model[i]
			if ok != had || (had && got != mv) || s.Remove(obj) != had {
				t.Fatalf("step %d: LoadAndDelete/Remove", step)
			}
			delete(model, i)
		case op == 3:
			w.drop(t, i)
			delete(model, i)
		case op == 4:
			seen := map[*node]bool{}
			for k, got := range m.All() {
				if seen[k] || got != model[k.a] {
					t.Fatalf("step %d: iteration", step)
				}
				seen[k] = true
				if r.IntN(4) == 0 {
					m.Delete(k)
					s.Remove(k)
					delete(model, k.a)
				}
			}
		case op == 5:
			if k, got, ok := m.PopItem(); ok {
				if mv, had := model[k.a]; !had || mv != got {
					t.Fatalf("step %d: PopItem", step)
				}
				s.Remove(k)
				delete(model, k.a)
			} else if len(model) != 0 {
				t.Fatalf("step %d: PopItem found nothing", step)
			}
		case op == 6 && obj != nil:
			prev, loaded := m.Swap(obj, v)
			mv, had := model[i]
			if loaded != had || prev != mv {
				t.Fatalf("step %d: Swap = %v, %v; model %v, %v", step, prev, loaded, mv, had)
			}
			s.Add(obj)
			model[i] = v
		case op == 7 && obj != nil:
			mv, had := model[i]
			ran := false
			got, loaded := m.LoadOrCompute(obj, func() int { ran = true; return v })
			if loaded != had || ran == had || (had && got != mv) || (!had && got != v) {
				t.Fatalf("step %d: LoadOrCompute = %v, %v, create ran %v; model %v, %v", step, got, loaded, ran, mv, had)
			}
			s.Add(obj)
			model[i] = got
		case op == 8:
			mv, had := model[i]
			old := v % 4 // often the stored value, when values are small
			if had && r.IntN(2) == 0 {
				old = mv
			}
			want := had && mv == old
			if swapped := m.CompareAndSwap(obj, old, v); swapped != want {
				t.Fatalf("step %d: CompareAndSwap(%d, %d) = %v; model %v, %v", step, old, v, swapped, mv, had)
			}
			if want {
				model[i] = v
			}
		case op == 9:
			mv, had := model[i]
			old := v % 4
			if had && r.IntN(2) == 0 {
				old = mv
			}
			want := had && mv == old
			if deleted := m.CompareAndDelete(obj, old); deleted != want {
				t.Fatalf("step %d: CompareAndDelete(%d) = %v; model %v, %v", step, old, deleted, mv, had)
			}
			if want {
				s.Remove(obj)
				delete(model, i)
			}
		}
		if m.Len() != len(model) || s.Len() != len(model) {
			t.Fatalf("step %d: Len = %d, %d; model %d", step, m.Len(), s.Len(), len(model))
		}
		for j, o := range w.objs {
			got, ok := m.Load(o)
			mv, had := model[j]
			if ok != had || got != mv || s.Contains(o) != had {
				t.Fatalf("step %d: Load(%d) = %v, %v; model %v, %v", step, j, got, ok, mv, had)
			}
		}
	}
}

func TestWeakSetDifferential(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			setOps(t, rand.New(rand.NewPCG(seed, 4)), 400)
		})
	}
}

// setOps checks a WeakSet, its algebra included, against a model set of
// object indexes.
func setOps(t *testing.T, r choices, steps int) {
	w := newWorld(16)
	var s WeakSet[node]
	model := map[int]bool{}
	// some returns a random selection of the live objects, and its model.
	some := func() ([]*node, map[int]bool) {
		var xs []*node
		idx := map[int]bool{}
		for i, o := range w.objs {
			if o != nil && r.IntN(2) == 0 {
				xs = append(xs, o)
				idx[i] = true
			}
		}
		return xs, idx
	}
	for step := range steps {
		i := r.IntN(len(w.objs))
		obj := w.objs[i]
		switch op := r.IntN(12); {
		case op == 0 && obj != nil:
			s.Add(obj)
			model[i] = true
		case op == 1:
			if s.Remove(obj) != model[i] {
				t.Fatalf("step %d: Remove(%d) disagrees with the model", step, i)
			}
			delete(model, i)
		case op == 2:
			x, ok := s.Pop()
			if ok != (len(model) > 0) || (ok && !model[x.a]) {
				t.Fatalf("step %d: Pop = %v, %v; model %v", step, x, ok, model)
			}
			if ok {
				delete(model, x.a)
			}
		case op == 3:
			w.drop(t, i)
			delete(model, i)
		case op == 4:
			// Iterate, removing and adding inside the body. An element
			// removed in the loop may still be visited; nothing else
			// outside the model may.
			seen, removed := map[*node]bool{}, map[int]bool{}
			for x := range s.All() {
				if seen[x] || !(model[x.a] || removed[x.a]) {
					t.Fatalf("step %d: iteration yielded %d twice or wrongly", step, x.a)
				}
				seen[x] = true
				switch r.IntN(3) {
				case 0:
					s.Remove(x)
					delete(model, x.a)
					removed[x.a] = true
				case 1:
					if j := r.IntN(len(w.objs)); w.objs[j] != nil {
						s.Add(w.objs[j])
						model[j] = true
					}
				}
			}
		case op == 5:
			xs, idx := some()
			s.Update(slices.Values(xs))
			maps.Copy(model, idx)
		case op == 6:
			xs, idx := some()
			s.IntersectionUpdate(slices.Values(xs))
			maps.DeleteFunc(model, func(i int, _ bool) bool { return !idx[i] })
		case op == 7:
			xs, idx := some()
			s.DifferenceUpdate(slices.Values(xs))
			maps.DeleteFunc(model, func(i int, _ bool) bool { return idx[i] })
		case op == 8:
			xs, idx := some()
			s.SymmetricDifferenceUpdate(slices.Values(xs))
			for i := range idx {
				if model[i] {
					delete(model, i)
				} else {
					model[i] = true
				}
			}
		case op == 9:
			checkSetAlgebra(t, step, &s, model, w, some)
		case op == 10:
			c := s.Clone()
			s.Clear()
			if s.Len() != 0 || !c.Equal(setOf(model, w)) {
				t.Fatalf("step %d: Clone or Clear", step)
			}
			s.Update(c.All())
		}
		if s.Len() != len(model) {
			t.Fatalf("step %d: Len = %d, model %d", step, s.Len(), len(model))
		}
		for j, o := range w.objs {
			if s.Contains(o) != model[j] {
				t.Fatalf("step %d: Contains(%d) = %v, model %v", step, j, !model[j], model[j])
			}
		}
	}
}

// setOf yields the objects of a model set.
func setOf(model map[int]bool, w *world) iter.Seq[*node] {
	return func(yield func(*node) bool) {
		for i := range model {
			if !yield(w.objs[i]) {
				return
			}
		}
	}
}

// checkSetAlgebra compares the operations that build new sets or answer
// questions with the model's answers, against a random other set.
func checkSetAlgebra(t *testing.T, step int, s *WeakSet[node], model map[int]bool, w *world, some func() ([]*node, map[int]bool)) {
	t.Helper()
	xs, idx := some()
	other := slices.Values(xs)
	union, inter, diff, sym := maps.Clone(model), map[int]bool{}, map[int]bool{}, map[int]bool{}
	maps.Copy(union, idx)
	subset, superset, disjoint := true, true, true
	for i := range model {
		if idx[i] {
			inter[i], disjoint = true, false
		} else {
			diff[i], sym[i], subset = true, true, false
		}
	}
	for i := range idx {
		if !model[i] {
			sym[i], superset = true, false
		}
	}
	for name, c := range map[string]struct {
		got  *WeakSet[node]
		want map[int]bool
	}{
		"Union":               {s.Union(other), union},
		"Intersection":        {s.Intersection(other), inter},
		"Difference":          {s.Difference(other), diff},
		"SymmetricDifference": {s.SymmetricDifference(other), sym},
	} {
		if c.got.Len() != len(c.want) || !c.got.Equal(setOf(c.want, w)) {
			t.Fatalf("step %d: %s has %d elements, want %v", step, name, c.got.Len(), c.want)
		}
	}
	if s.IsSubset(other) != subset || s.IsSuperset(other) != superset ||
		s.IsDisjoint(other) != disjoint || s.Equal(other) != (subset && superset) {
		t.Fatalf("step %d: IsSubset/IsSuperset/IsDisjoint/Equal disagree with the model", step)
	}
}
