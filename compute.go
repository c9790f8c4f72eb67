package weakref

import "sync"

// flights runs the create functions of LoadOrCompute: at most one per
// missing key among concurrent callers, whose result they all get.
type flights[K comparable, R any] struct {
	mu    sync.Mutex
	calls map[K]*flight[R]
}

// A flight is a create call in progress.
type flight[R any] struct {
	done   chan struct{}
	result R
	ok     bool // set before done is closed; false if create panicked
}

// do returns load's result if it finds one. Otherwise it runs create,
// unless a concurrent caller for key already does, then stores the result
// with store, which returns what is stored and whether it was there
// already. The caller whose create ran and was stored gets loaded false;
// every other caller gets that result with loaded true. If create panics,
// the panic propagates to its caller and the waiting callers compete
// again.
func (f *flights[K, R]) do(key K, load func() (R, bool), create func() R, store func(R) (R, bool)) (actual R, loaded bool) {
	for {
		if v, ok := load(); ok {
			return v, true
		}
		f.mu.Lock()
		if c := f.calls[key]; c != nil {
			f.mu.Unlock()
			<-c.done
			if c.ok {
				return c.result, true
			}
			continue // create panicked: compete again
		}
		if v, ok := load(); ok {
			f.mu.Unlock()
			return v, true
		}
		c := &flight[R]{done: make(chan struct{})}
		if f.calls == nil {
			f.calls = make(map[K]*flight[R])
		}
		f.calls[key] = c
		f.mu.Unlock()
		return f.run(key, c, create, store)
	}
}

func (f *flights[K, R]) run(key K, c *flight[R], create func() R, store func(R) (R, bool)) (actual R, loaded bool) {
	defer func() {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.result, loaded = store(create())
	c.ok = true
	return c.result, loaded
}

// A pair is a key and a value, as Update gathers them.
type pair[K, V any] struct {
	k K
	v V
}
