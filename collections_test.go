package weakref

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"
)

// world is the objects a differential test holds. The model refers to
// them by index, never by pointer, so it keeps nothing alive; dropping
// index i and collecting kills the object.
type world struct {
	objs []*node
}

//go:noinline
func newWorld(n int) *world {
	w := &world{objs: make([]*node, n)}
	for i := range w.objs {
		w.objs[i] = newNode(i)
	}
	return w
}

// The differential tests run random operations on a collection and on a
// plain map-under-mutex model, dropping objects and collecting between
// operations, and compare every answer.
func TestWeakValueMapDifferential(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			w := newWorld(16)
			var m WeakValueMap[int, node]
			model := map[int]int{} // key -> object index
			for step := range 400 {
				k, i := r.IntN(12), r.IntN(len(w.objs))
				obj := w.objs[i]
				op := r.IntN(9)
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
					w.objs[i] = nil
					runtime.GC()
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
				}
				checkValueMap(t, step, &m, model, w)
			}
		})
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
			r := rand.New(rand.NewPCG(seed, 2))
			w := newWorld(16)
			var m WeakKeyMap[node, int]
			var s WeakSet[node]
			model := map[int]int{} // object index -> value
			for step := range 400 {
				i, v := r.IntN(len(w.objs)), r.IntN(100)
				obj := w.objs[i]
				switch op := r.IntN(7); {
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
					w.objs[i] = nil
					runtime.GC()
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
		})
	}
}

// watchdog fails the test with every goroutine's stack if done is not
// closed in time, so that a deadlock fails instead of hanging.
func watchdog(t *testing.T, limit time.Duration) (done func()) {
	t.Helper()
	stop := make(chan struct{})
	go func() {
		select {
		case <-stop:
		case <-time.After(limit):
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			panic(fmt.Sprintf("%s: deadlock: not done after %v", t.Name(), limit))
		}
	}()
	return func() { close(stop) }
}

// Four goroutines store, load, delete and iterate while another forces
// collections. Every value returned must be alive and belong to its key.
func TestCollectionsStress(t *testing.T) {
	defer watchdog(t, 2*time.Minute)()
	var vm WeakValueMap[int, node]
	var km WeakKeyMap[node, int]
	var ws WeakSet[node]
	const workers, ops = 4, 3000
	stop := make(chan struct{})
	var gcs sync.WaitGroup
	gcs.Add(1)
	go func() {
		defer gcs.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- stressWorker(g, ops, &vm, &km, &ws)
		}()
	}
	wg.Wait()
	close(stop)
	gcs.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if vm.Len() < 0 || km.Len() < 0 || ws.Len() < 0 {
		t.Fatal("negative Len")
	}
}

func stressWorker(g, ops int, vm *WeakValueMap[int, node], km *WeakKeyMap[node, int], ws *WeakSet[node]) error {
	r := rand.New(rand.NewPCG(uint64(g), 3))
	held := make([]*node, 8)
	for i := range ops {
		k := r.IntN(64)
		slot := r.IntN(len(held))
		switch r.IntN(6) {
		case 0:
			held[slot] = newNode(k) // the old one may now die
			vm.Store(k, held[slot])
			km.Store(held[slot], k)
			ws.Add(held[slot])
		case 1:
			if v, ok := vm.Load(k); ok && v.a != k {
				return fmt.Errorf("op %d: Load(%d) returned a node of key %d", i, k, v.a)
			}
			if o := held[slot]; o != nil {
				if v, ok := km.Load(o); ok && v != o.a {
					return fmt.Errorf("op %d: WeakKeyMap value %d for key %d", i, v, o.a)
				}
			}
		case 2:
			vm.Delete(k)
			if o := held[slot]; o != nil {
				km.Delete(o)
				ws.Remove(o)
			}
		case 3:
			for k, v := range vm.All() {
				if v == nil || v.a != k {
					return fmt.Errorf("op %d: iteration yielded %d -> %v", i, k, v)
				}
			}
			for k, v := range km.All() {
				if k == nil || k.a != v {
					return fmt.Errorf("op %d: key iteration yielded a wrong pair", i)
				}
			}
		case 4:
			v, _ := vm.LoadOrCompute(k, func() *node { return newNode(k) })
			if v.a != k {
				return fmt.Errorf("op %d: LoadOrCompute(%d) returned key %d", i, k, v.a)
			}
		case 5:
			if vm.Len() < 0 || km.Len() < 0 || ws.Len() < 0 {
				return fmt.Errorf("op %d: negative Len", i)
			}
			for x := range ws.All() {
				if x == nil {
					return fmt.Errorf("op %d: set yielded nil", i)
				}
			}
		}
	}
	return nil
}
