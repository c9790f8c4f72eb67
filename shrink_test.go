package weakref

import "testing"

// shrink copies a map that has fallen to a quarter of its peak, drops an
// empty one, and leaves small maps alone.
func TestShrink(t *testing.T) {
	var s shrinker
	m := map[int]int{}
	for i := range 1000 {
		m[i] = i
		s.added(len(m))
	}
	for i := range 749 {
		delete(m, i)
		if c := shrink(m, &s); len(c) != len(m) {
			t.Fatalf("shrink lost entries")
		}
	}
	if s.peak != 1000 {
		t.Fatalf("peak %d before shrinking, want 1000", s.peak)
	}
	delete(m, 749)
	m = shrink(m, &s) // 250 left: a quarter of the peak
	if s.peak != 250 || len(m) != 250 || m[999] != 999 {
		t.Fatalf("after shrinking: peak %d, %d entries", s.peak, len(m))
	}
	for k := range m {
		delete(m, k)
	}
	if m = shrink(m, &s); m != nil || s.peak != 0 {
		t.Fatal("an empty map was kept")
	}

	small := map[int]int{1: 1}
	var ss shrinker
	ss.added(1)
	delete(small, 1)
	if shrink(small, &ss) == nil {
		t.Fatal("a map that never held more than a few entries was dropped")
	}
}
