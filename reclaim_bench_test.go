package weakref

import (
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkLenLatency measures what Len costs the other users of a map: a
// reader goroutine times each Load on a map of 3,000,000 entries while
// the benchmark, in each op, replaces a tenth of the values (the old ones
// die), runs runtime.GC, and then, with mode=gc+Len, calls Len, whose
// first call after a collection sweeps the whole map. mode=gc is the same
// without Len: the collector and the stores alone.
//
// It reports the reader's p99, p99.9 and maximum Load latency, and the
// total time per op spent in Loads slower than 1 ms.
//
//	go test -run '^$' -bench BenchmarkLenLatency -benchtime 20x -count 6
func BenchmarkLenLatency(b *testing.B) {
	const n = 3_000_000
	for _, withLen := range []bool{false, true} {
		name := "mode=gc"
		if withLen {
			name = "mode=gc+Len"
		}
		b.Run(name, func(b *testing.B) {
			var m WeakValueMap[int, obj16]
			live := make([]*obj16, n)
			for i := range live {
				live[i] = new(obj16)
				m.Store(i, live[i])
			}
			runtime.GC()
			m.Len()
			var h latencies
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i += stride {
					select {
					case <-stop:
						return
					default:
					}
					start := time.Now()
					m.Load(i % n)
					h.add(time.Since(start))
				}
			}()
			r := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				for range n / 10 {
					k := r.IntN(n)
					live[k] = new(obj16)
					m.Store(k, live[k])
				}
				runtime.GC()
				if withLen {
					m.Len()
				}
			}
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(h.quantile(0.99)), "p99-ns")
			b.ReportMetric(float64(h.quantile(0.999)), "p99.9-ns")
			b.ReportMetric(float64(h.max), "max-ns")
			b.ReportMetric(float64(h.slow)/float64(b.N)/1e6, "slow-ms/op")
			runtime.KeepAlive(live)
		})
	}
}

// latencies is a histogram of durations with 16 buckets per power of
// two, so that quantiles are within about 6%, plus the exact maximum and
// the total time of the samples over 1 ms.
type latencies struct {
	counts [64 * 16]uint64
	n      uint64
	max    time.Duration
	slow   time.Duration
}

func (h *latencies) add(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
	if d > time.Millisecond {
		h.slow += d
	}
}

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 1))
	e := bits.Len64(v) - 1 // v is in [2^e, 2^(e+1))
	if e < 4 {
		return int(v)
	}
	return e*16 + int(v>>(e-4)&15)
}

// quantile returns the lower bound of the bucket holding quantile q.
func (h *latencies) quantile(q float64) time.Duration {
	want := uint64(q * float64(h.n))
	seen := uint64(0)
	for i, c := range h.counts {
		seen += c
		if seen > want {
			if i < 16 {
				return time.Duration(i)
			}
			e := i / 16
			return time.Duration(uint64(16+i%16) << (e - 4))
		}
	}
	return h.max
}
