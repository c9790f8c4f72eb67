package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"

	"github.com/goweakref/weakref"
)

type churnConfig struct {
	n, rounds, size int
}

// A blob is one cached object: a slice header and its payload, together
// the configured size.
type blob struct {
	payload []byte
}

// A cache is what the churn run fills: a strong map or a WeakValueMap.
type cache interface {
	store(key int, b *blob)
	len() int
}

type strongCache struct {
	mu sync.Mutex
	m  map[int]*blob
}

func (c *strongCache) store(k int, b *blob) {
	c.mu.Lock()
	c.m[k] = b
	c.mu.Unlock()
}

func (c *strongCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

type weakCache struct {
	m weakref.WeakValueMap[int, blob]
}

func (c *weakCache) store(k int, b *blob) { c.m.Store(k, b) }
func (c *weakCache) len() int             { return c.m.Len() }

// A sample is one row half: a cache's entries, and the live heap above
// the run's start (the objects in use plus what the cache keeps), after a
// collection.
type sample struct {
	entries int
	heap    uint64
}

// churnDemo runs the same churn through both caches, one after the other
// so that each heap figure is its cache's alone, and prints them side by
// side.
func churnDemo(out, progress io.Writer, cfg churnConfig) {
	fmt.Fprintf(out, "4. Churn: %d rounds of %d new %d-byte objects; each round keeps only its own in use\n",
		cfg.rounds, cfg.n, cfg.size)
	strong := churn("strong map", &strongCache{m: map[int]*blob{}}, cfg, progress)
	weak := churn("WeakValueMap", &weakCache{}, cfg, progress)

	fmt.Fprintf(out, "   %5s  %14s %10s  %14s %10s\n", "round", "strong entries", "heap", "weak entries", "heap")
	for i := range strong {
		fmt.Fprintf(out, "   %5d  %14d %10s  %14d %10s\n", i+1,
			strong[i].entries, mib(strong[i].heap), weak[i].entries, mib(weak[i].heap))
	}
	last := len(strong) - 1
	fmt.Fprintf(out, "   the strong cache grew to %d entries (%s); the weak cache stayed at %d (%s)\n",
		strong[last].entries, mib(strong[last].heap), weak[last].entries, mib(weak[last].heap))
}

// churn runs cfg.rounds rounds through c and samples it after each.
func churn(name string, c cache, cfg churnConfig, progress io.Writer) []sample {
	runtime.GC()
	base := liveHeap()
	var samples []sample
	var inUse []*blob
	key := 0
	for r := range cfg.rounds {
		inUse = make([]*blob, cfg.n) // the previous round's objects go out of use
		for i := range inUse {
			inUse[i] = &blob{payload: make([]byte, max(cfg.size-24, 0))}
			c.store(key, inUse[i])
			key++
			if i%(cfg.n/10+1) == 0 {
				fmt.Fprintf(progress, "\r   %-12s round %d/%d: %3d%%", name, r+1, cfg.rounds, 100*i/cfg.n)
			}
		}
		runtime.GC()
		samples = append(samples, sample{c.len(), sub(liveHeap(), base)})
	}
	fmt.Fprintf(progress, "\r   %-12s done%28s\n", name, "")
	runtime.KeepAlive(inUse)
	runtime.KeepAlive(c)
	return samples
}

// liveHeap returns the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
