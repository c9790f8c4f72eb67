package weakref

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Regression: Collect resolves weak pointers to find dead records, and a
// weak pointer resolved while the collector marks keeps its object alive
// through that cycle. Two goroutines calling Collect at once kept each
// other's dead objects alive, so their finalizers had not run when Collect
// returned. Found by TestStress.
func TestConcurrentCollectsDoNotKeepEachOthersObjects(t *testing.T) {
	defer watchdog(t, time.Minute)()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 50 {
				var ran atomic.Int32
				for i := range 20 {
					NewFinalize(newNode(i), func(int) { ran.Add(1) }, i)
				}
				Collect()
				if n := ran.Load(); n != 20 {
					errs <- fmt.Errorf("goroutine %d, round %d: %d of 20 finalizers ran", g, round, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
