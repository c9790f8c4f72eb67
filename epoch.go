package weakref

import (
	"runtime/metrics"
	"sync"
)

// gcCycles returns the number of garbage collections completed so far.
//
// Objects die only in a collection, so a shard that has swept its dead
// entries need not look again until this number changes. That is how Len
// stays exact right after runtime.GC without a cleanup per entry, and
// checks each entry at most once per collection.
func gcCycles() uint64 {
	gcSample.mu.Lock()
	defer gcSample.mu.Unlock()
	if gcSample.s[0].Name == "" {
		gcSample.s[0].Name = "/gc/cycles/total:gc-cycles"
	}
	metrics.Read(gcSample.s[:])
	return gcSample.s[0].Value.Uint64()
}

var gcSample struct {
	mu sync.Mutex
	s  [1]metrics.Sample
}
