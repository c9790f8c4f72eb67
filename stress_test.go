package weakref

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// watchdog fails the test with every goroutine's stack if done is not
// called in time, so that a deadlock fails instead of hanging.
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

// stressDuration is how long TestStress runs: zero (a fixed, short number
// of operations) unless WEAKREF_STRESS names a duration, such as
//
//	WEAKREF_STRESS=10m go test -run TestStress -timeout 0 -v
func stressDuration(t *testing.T) time.Duration {
	s := os.Getenv("WEAKREF_STRESS")
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("WEAKREF_STRESS=%q: %v", s, err)
	}
	return d
}

// The shared state of a stress run.
type stress struct {
	vm WeakValueMap[int, node]
	km WeakKeyMap[node, int]
	ws WeakSet[node]

	ops, callbacks, finalizers, reentries atomic.Int64
	retries                               atomic.Int64 // batches that needed another Collect
}

// collectTries bounds the collections a batch may need before every due
// callback and finalizer has run; see batch.
const collectTries = 5

// TestStress runs goroutines on every core that store, load, delete and
// iterate the three collections, and create Refs, Proxies and finalizers
// whose callbacks re-enter the package, while another goroutine forces a
// collection every millisecond. It checks as it goes that every value
// returned is alive and belongs to its key and that no Len is negative,
// and after every batch that each callback and finalizer of the batch ran
// exactly once. A watchdog turns a deadlock into a failure with stacks.
func TestStress(t *testing.T) {
	long := stressDuration(t)
	defer watchdog(t, 2*time.Minute+2*long)()
	workers := max(4, 2*runtime.GOMAXPROCS(0))
	const batches, batchOps = 4, 500 // per worker, in the short mode

	var s stress
	var gcs atomic.Int64
	stop := make(chan struct{})
	var gcDone sync.WaitGroup
	gcDone.Add(1)
	go func() {
		defer gcDone.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.GC()
				gcs.Add(1)
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for b := 0; b < batches || time.Since(start) < long; b++ {
				if err := s.batch(r, batchOps); err != nil {
					errs <- fmt.Errorf("worker %d, batch %d: %w", g, b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	gcDone.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d workers, %v: %d operations, %d callbacks, %d finalizers, %d re-entrant calls, %d collections forced, %d batches needed a second Collect",
		workers, time.Since(start).Round(time.Millisecond), s.ops.Load(), s.callbacks.Load(),
		s.finalizers.Load(), s.reentries.Load(), gcs.Load(), s.retries.Load())
}

// batch runs n random operations, then drops the objects it made, calls
// Collect, and checks that every callback and finalizer it registered ran
// exactly once. The objects with callbacks are private to the batch, so
// that nothing else can hold them when Collect runs.
func (s *stress) batch(r *rand.Rand, n int) error {
	held := make([]*node, 8) // objects also stored in the collections
	var private []*node      // objects with callbacks and finalizers
	var refs []*Ref[node]    // callbacks run only while their Ref lives
	var proxies []*Proxy[node]
	ran := make([]atomic.Int32, n) // callbacks and finalizers per op
	want := make([]int32, n)
	for i := range n {
		s.ops.Add(1)
		if err := s.op(r, i, held, &private, &refs, &proxies, ran, want); err != nil {
			return fmt.Errorf("op %d: %w", i, err)
		}
	}
	recs := make(map[int]*record[node], len(private)) // by op, for diagnostics
	for _, o := range private {
		recs[o.b] = existingRecord(o)
	}
	private = nil
	runtime.KeepAlive(private)
	// The long mode saw, about once in 80,000 batches, a dropped object
	// still alive after Collect, its record registered and unfired. Go does
	// not promise that a collection reclaims every unreachable object (the
	// registers of a goroutine preempted during the scan, for one, are
	// scanned conservatively, and a stale pointer keeps an object for the
	// cycle). So a batch gets up to collectTries collections; a callback
	// lost or run twice fails however many it gets.
	for try := 1; ; try++ {
		Collect()
		late := -1
		for i := range n {
			got := ran[i].Load()
			if got > want[i] {
				return fmt.Errorf("op %d: callbacks and finalizers ran %d times, want %d", i, got, want[i])
			}
			if got < want[i] && late < 0 {
				late = i
			}
		}
		if late < 0 {
			break
		}
		if try == collectTries {
			return fmt.Errorf("op %d: callbacks and finalizers ran %d times after %d collections, want %d; %s",
				late, ran[late].Load(), try, want[late], describeRecord(recs[-late-1]))
		}
		s.retries.Add(1)
	}
	runtime.KeepAlive(refs)
	runtime.KeepAlive(proxies)
	runtime.KeepAlive(held)
	return nil
}

// op runs operation i. Every value the collections return must be alive
// and belong to its key: a node stored under key k has a == k.
func (s *stress) op(r *rand.Rand, i int, held []*node, private *[]*node, refs *[]*Ref[node],
	proxies *[]*Proxy[node], ran []atomic.Int32, want []int32) error {
	k := r.IntN(64)
	slot := r.IntN(len(held))
	switch r.IntN(9) {
	case 0:
		held[slot] = newNode(k) // the old one may now die
		s.vm.Store(k, held[slot])
		s.km.Store(held[slot], k)
		s.ws.Add(held[slot])
	case 1:
		if v, ok := s.vm.Load(k); ok && v.a != k {
			return fmt.Errorf("Load(%d) returned a node of key %d", k, v.a)
		}
		if o := held[slot]; o != nil {
			if v, ok := s.km.Load(o); ok && v != o.a {
				return fmt.Errorf("WeakKeyMap value %d for key %d", v, o.a)
			}
		}
	case 2:
		s.vm.Delete(k)
		if o := held[slot]; o != nil {
			s.km.Delete(o)
			s.ws.Remove(o)
		}
	case 3:
		for k, v := range s.vm.All() {
			if v == nil || v.a != k {
				return fmt.Errorf("iteration yielded %d -> %v", k, v)
			}
			if r.IntN(8) == 0 {
				s.vm.Delete(k)
			}
		}
		for k, v := range s.km.All() {
			if k == nil || k.a != v {
				return fmt.Errorf("key iteration yielded a wrong pair")
			}
		}
	case 4:
		v, _ := s.vm.LoadOrCompute(k, func() *node { return newNode(k) })
		if v.a != k {
			return fmt.Errorf("LoadOrCompute(%d) returned key %d", k, v.a)
		}
	case 5:
		if s.vm.Len() < 0 || s.km.Len() < 0 || s.ws.Len() < 0 {
			return fmt.Errorf("negative Len")
		}
		for x := range s.ws.All() {
			if x == nil {
				return fmt.Errorf("set yielded nil")
			}
		}
	case 6:
		// A callback that stores into the collection and makes new Refs.
		o := newNode(k)
		o.b = -i - 1 // the op that made it, for diagnostics
		*private = append(*private, o)
		want[i] = 2
		*refs = append(*refs, NewRefFunc(o, func(*Ref[node]) {
			ran[i].Add(1)
			s.callbacks.Add(1)
			s.reenter(k)
		}))
		*proxies = append(*proxies, NewProxyFunc(o, func(*Proxy[node]) {
			ran[i].Add(1)
			s.callbacks.Add(1)
		}))
	case 7:
		// A finalizer that re-enters.
		o := newNode(k)
		o.b = -i - 1
		*private = append(*private, o)
		want[i] = 1
		NewFinalize(o, func(k int) {
			ran[i].Add(1)
			s.finalizers.Add(1)
			s.reenter(k)
		}, k)
	case 8:
		if o := held[slot]; o != nil {
			if v := NewRef(o).Value(); v != o {
				return fmt.Errorf("NewRef of a live object returned %v", v)
			}
			if p, err := NewProxy(o).Value(); err != nil || p != o {
				return fmt.Errorf("NewProxy of a live object: %v, %v", p, err)
			}
		}
	}
	return nil
}

// reenter is what callbacks and finalizers do: store into the collections
// and create references, from a runtime goroutine or Collect's.
func (s *stress) reenter(k int) {
	s.reentries.Add(1)
	o := newNode(k)
	s.vm.Store(k, o)
	s.ws.Add(o)
	NewRefFunc(o, func(*Ref[node]) {})
	GetWeakRefCount(o)
	runtime.KeepAlive(o)
}

// describeRecord says what became of a record whose hooks did not run.
func describeRecord(r *record[node]) string {
	if r == nil {
		return "no record"
	}
	registered := false
	for _, x := range allRecords() {
		registered = registered || x == anyRecord(r)
	}
	return fmt.Sprintf("object collected %v, registered (unclaimed) %v, %d hooks left",
		r.collected(), registered, len(r.hooks))
}
