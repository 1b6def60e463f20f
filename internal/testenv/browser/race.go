//go:build race

package browser

// raceEnabled says whether the test binary runs with the race detector.
const raceEnabled = true
