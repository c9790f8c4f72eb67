// Weakdemo shows the weakref package at work: the patterns of Python's
// weakref documentation, then a churn run that sets a strong map cache
// beside a WeakValueMap cache.
//
// Usage:
//
//	go run ./cmd/weakdemo [-n entries] [-rounds r] [-size bytes]
//
// Each churn round creates n objects of the given size, caches them by a
// fresh key in both caches, and keeps only that round's objects in use.
// The strong cache keeps every object it ever saw; the weak cache keeps
// the ones still in use. The table reports, after a collection at the end
// of each round, the entries and the live heap each cache holds.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	var progress io.Writer = io.Discard
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = os.Stderr // a terminal: the progress line rewrites itself
	}
	os.Exit(run(os.Args[1:], os.Stdout, progress))
}

// run is main with its arguments and outputs, so that tests can run it.
// Results go to out, the progress line to progress, errors to os.Stderr.
func run(args []string, out, progress io.Writer) int {
	fs := flag.NewFlagSet("weakdemo", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	n := fs.Int("n", 100_000, "objects created and cached per churn round")
	rounds := fs.Int("rounds", 8, "churn rounds")
	size := fs.Int("size", 256, "bytes per cached object")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *n < 1 || *rounds < 1 || *size < 16 {
		fmt.Fprintln(os.Stderr, "weakdemo: -n and -rounds must be at least 1, -size at least 16")
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "weakdemo: unexpected arguments %q\n", fs.Args())
		return 2
	}

	for _, step := range []func(io.Writer) error{cacheDemo, observerDemo, finalizerDemo} {
		if err := step(out); err != nil {
			fmt.Fprintln(os.Stderr, "weakdemo:", err)
			return 1
		}
		fmt.Fprintln(out)
	}
	churnDemo(out, progress, churnConfig{n: *n, rounds: *rounds, size: *size})
	return 0
}
