package weakref

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"weak"
)

// obj16 is the 16-byte test object the performance targets are stated
// for: one pointer and one word.
type obj16 struct {
	next *obj16
	a    int
}

var sinkPtr *obj16

// The core benchmarks set each operation beside the raw runtime
// primitive it is built on, in the same run.
func BenchmarkCore(b *testing.B) {
	b.Run("weak.Make/new", func(b *testing.B) {
		b.ReportAllocs()
		keep := make([]*obj16, 0, 1<<20)
		for b.Loop() {
			o := &obj16{}
			keep = append(keep, o)
			_ = weak.Make(o)
		}
		runtime.KeepAlive(keep)
	})
	b.Run("weak.Make+AddCleanup/new", func(b *testing.B) {
		b.ReportAllocs()
		keep := make([]*obj16, 0, 1<<20)
		for b.Loop() {
			o := &obj16{}
			keep = append(keep, o)
			_ = weak.Make(o)
			runtime.AddCleanup(o, func(int) {}, 0)
		}
		runtime.KeepAlive(keep)
	})
	b.Run("NewRef/new", func(b *testing.B) {
		b.ReportAllocs()
		keep := make([]*obj16, 0, 1<<20)
		for b.Loop() {
			o := &obj16{}
			keep = append(keep, o)
			NewRef(o)
		}
		runtime.KeepAlive(keep)
	})
	b.Run("weak.Make/existing", func(b *testing.B) {
		o := &obj16{}
		_ = weak.Make(o)
		b.ReportAllocs()
		for b.Loop() {
			_ = weak.Make(o)
		}
	})
	b.Run("NewRef/existing", func(b *testing.B) {
		o := &obj16{}
		r := NewRef(o)
		b.ReportAllocs()
		for b.Loop() {
			NewRef(o)
		}
		runtime.KeepAlive(r)
	})
	b.Run("NewRefFunc/existing", func(b *testing.B) {
		o := &obj16{}
		cb := func(*Ref[obj16]) {}
		b.ReportAllocs()
		for b.Loop() {
			NewRefFunc(o, cb)
		}
		runtime.KeepAlive(o)
	})
	b.Run("NewFinalize/new", func(b *testing.B) {
		b.ReportAllocs()
		keep := make([]*obj16, 0, 1<<20)
		for b.Loop() {
			o := &obj16{}
			keep = append(keep, o)
			NewFinalize(o, func(int) {}, 0)
		}
		b.StopTimer()
		Shutdown() // do not leave a million finalizers behind
		runtime.KeepAlive(keep)
	})
	b.Run("weak.Pointer.Value", func(b *testing.B) {
		o := &obj16{}
		wp := weak.Make(o)
		for b.Loop() {
			sinkPtr = wp.Value()
		}
	})
	b.Run("Ref.Value", func(b *testing.B) {
		o := &obj16{}
		r := NewRef(o)
		for b.Loop() {
			sinkPtr = r.Value()
		}
	})
}

// valueMap is the behaviour the map benchmarks measure, implemented by the
// library and by the baselines.
type valueMap interface {
	Store(k int, v *obj16)
	Load(k int) (*obj16, bool)
	Range(f func(k int, v *obj16) bool)
}

// strongMap is baseline (a): a plain map under a mutex, holding strong
// pointers.
type strongMap struct {
	mu sync.Mutex
	m  map[int]*obj16
}

func (m *strongMap) Store(k int, v *obj16) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[int]*obj16)
	}
	m.m[k] = v
	m.mu.Unlock()
}

func (m *strongMap) Load(k int) (*obj16, bool) {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	return v, ok
}

func (m *strongMap) Range(f func(int, *obj16) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.m {
		if !f(k, v) {
			return
		}
	}
}

// handWeakMap is baseline (b): what a Go user writes by hand, a map of
// weak pointers under a mutex with a runtime cleanup per entry.
type handWeakMap struct {
	mu sync.Mutex
	m  map[int]weak.Pointer[obj16]
}

func (m *handWeakMap) Store(k int, v *obj16) {
	wp := weak.Make(v)
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[int]weak.Pointer[obj16])
	}
	m.m[k] = wp
	m.mu.Unlock()
	runtime.AddCleanup(v, func(k int) {
		m.mu.Lock()
		if m.m[k] == wp {
			delete(m.m, k)
		}
		m.mu.Unlock()
	}, k)
}

func (m *handWeakMap) Load(k int) (*obj16, bool) {
	m.mu.Lock()
	wp, ok := m.m[k]
	m.mu.Unlock()
	if !ok {
		return nil, false
	}
	v := wp.Value()
	return v, v != nil
}

func (m *handWeakMap) Range(f func(int, *obj16) bool) {
	m.mu.Lock()
	snap := make(map[int]weak.Pointer[obj16], len(m.m))
	for k, wp := range m.m {
		snap[k] = wp
	}
	m.mu.Unlock()
	for k, wp := range snap {
		if v := wp.Value(); v != nil && !f(k, v) {
			return
		}
	}
}

type libValueMap struct{ WeakValueMap[int, obj16] }

func (m *libValueMap) Range(f func(int, *obj16) bool) {
	for k, v := range m.All() {
		if !f(k, v) {
			return
		}
	}
}

var valueMaps = []func() valueMap{
	func() valueMap { return new(strongMap) },
	func() valueMap { return new(handWeakMap) },
	func() valueMap { return new(libValueMap) },
}

const benchEntries = 100_000

func BenchmarkValueMap(b *testing.B) {
	for _, mk := range valueMaps {
		name := fmt.Sprintf("%T", mk())
		b.Run("Store/new/"+name, func(b *testing.B) {
			m := mk()
			keep := make([]*obj16, 0, 1<<20)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o := &obj16{}
				keep = append(keep, o)
				m.Store(i, o)
				i++
			}
			runtime.KeepAlive(keep)
		})
		m, objs := filledValueMap(mk)
		b.Run("Load/hit/"+name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				sinkPtr, _ = m.Load(i % benchEntries)
				i += 7919
			}
		})
		b.Run("Load/parallel/"+name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					sinkPtr, _ = m.Load(i % benchEntries)
					i += 7919
				}
			})
		})
		// One op is one entry visited.
		b.Run("Range/"+name, func(b *testing.B) {
			for n := 0; n < b.N; {
				m.Range(func(int, *obj16) bool {
					n++
					return n < b.N
				})
			}
		})
		runtime.KeepAlive(objs)
	}
}

func filledValueMap(mk func() valueMap) (valueMap, []*obj16) {
	m := mk()
	objs := make([]*obj16, benchEntries)
	for i := range objs {
		objs[i] = &obj16{a: i}
		if i > 0 {
			objs[i].next = objs[i-1] // all live for the run anyway
		}
		m.Store(i, objs[i])
	}
	return m, objs
}

// keyMap is the behaviour of weak-key maps and sets that the benchmarks
// measure.
type keyMap interface {
	Store(k *obj16, v int)
	Load(k *obj16) (int, bool)
}

type strongKeyMap struct {
	mu sync.Mutex
	m  map[*obj16]int
}

func (m *strongKeyMap) Store(k *obj16, v int) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[*obj16]int)
	}
	m.m[k] = v
	m.mu.Unlock()
}

func (m *strongKeyMap) Load(k *obj16) (int, bool) {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	return v, ok
}

// handWeakKeyMap is baseline (b) for weak keys: every lookup calls
// weak.Make to find the key's weak pointer.
type handWeakKeyMap struct {
	mu sync.Mutex
	m  map[weak.Pointer[obj16]]int
}

func (m *handWeakKeyMap) Store(k *obj16, v int) {
	wp := weak.Make(k)
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[weak.Pointer[obj16]]int)
	}
	m.m[wp] = v
	m.mu.Unlock()
	runtime.AddCleanup(k, func(wp weak.Pointer[obj16]) {
		m.mu.Lock()
		delete(m.m, wp)
		m.mu.Unlock()
	}, wp)
}

func (m *handWeakKeyMap) Load(k *obj16) (int, bool) {
	wp := weak.Make(k)
	m.mu.Lock()
	v, ok := m.m[wp]
	m.mu.Unlock()
	return v, ok
}

type libKeyMap struct{ WeakKeyMap[obj16, int] }

type libSet struct{ WeakSet[obj16] }

func (s *libSet) Store(k *obj16, _ int) { s.Add(k) }
func (s *libSet) Load(k *obj16) (int, bool) {
	return 0, s.Contains(k)
}

func BenchmarkKeyMap(b *testing.B) {
	for _, mk := range []func() keyMap{
		func() keyMap { return new(strongKeyMap) },
		func() keyMap { return new(handWeakKeyMap) },
		func() keyMap { return new(libKeyMap) },
		func() keyMap { return new(libSet) },
	} {
		name := fmt.Sprintf("%T", mk())
		b.Run("Store/new/"+name, func(b *testing.B) {
			m := mk()
			keep := make([]*obj16, 0, 1<<20)
			b.ReportAllocs()
			for b.Loop() {
				o := &obj16{}
				keep = append(keep, o)
				m.Store(o, 1)
			}
			runtime.KeepAlive(keep)
		})
		m := mk()
		objs := make([]*obj16, benchEntries)
		for i := range objs {
			objs[i] = &obj16{a: i}
			m.Store(objs[i], i)
		}
		b.Run("Load/hit/"+name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				m.Load(objs[i%benchEntries])
				i += 7919
			}
		})
		runtime.KeepAlive(objs)
	}
}

// BenchmarkRefChurn creates and drops callback Refs to one long-lived
// object, reporting the first and the last tenth of the run separately:
// they should cost the same.
func BenchmarkRefChurn(b *testing.B) {
	o := &obj16{}
	cb := func(*Ref[obj16]) {}
	const n = 1_000_000
	for b.Loop() {
		var first, last float64
		for i := range n {
			if i == n/10 {
				first = float64(b.Elapsed().Nanoseconds())
			}
			if i == n-n/10 {
				last = float64(b.Elapsed().Nanoseconds())
			}
			NewRefFunc(o, cb)
		}
		end := float64(b.Elapsed().Nanoseconds())
		b.ReportMetric(first/(n/10), "ns/op-first10%")
		b.ReportMetric((end-last)/(n/10), "ns/op-last10%")
	}
	runtime.KeepAlive(o)
}
