package weakref

// A shrinker remembers the most entries a Go map has held since it was
// made. A Go map never gives back the memory of deleted entries, so the
// sweeper's set of tables, after a program made and dropped a million
// collections, would keep that memory; shrink copies such a map into one
// sized for what it holds now.
type shrinker struct{ peak int }

// added records that the map now holds n entries.
func (s *shrinker) added(n int) {
	if n > s.peak {
		s.peak = n
	}
}

// shrink returns m, nil once m is empty, or a copy of m sized for its
// entries once they are a quarter of the peak or fewer. At least three
// quarters of the peak were deleted since m was made, so copying adds
// amortized constant time to each deletion. Maps that never held more
// than a few entries are kept, so that storing and deleting one key over
// and over does not allocate.
func shrink[M ~map[K]V, K comparable, V any](m M, s *shrinker) M {
	n := len(m)
	switch {
	case n == 0 && s.peak > 8:
		s.peak = 0
		return nil
	case s.peak < 64 || n > s.peak/4:
		return m
	}
	s.peak = n
	c := make(M, n)
	for k, v := range m {
		c[k] = v
	}
	return c
}
