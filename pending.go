package weakref

import "fmt"

// badArgument is the panic value for a bad argument other than a nil
// object.
func badArgument(fn, problem string) error {
	return fmt.Errorf("weakref: %s: %s", fn, problem)
}

func reachCheck[K, V any](key *K, val V) {}
