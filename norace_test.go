//go:build !race

package weakref

const raceSlowdown = 1
