//go:build race

package weakref

// raceSlowdown divides the operation counts of the leak tests: the race
// detector makes each operation about ten times slower.
const raceSlowdown = 5
