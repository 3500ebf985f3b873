//go:build race

package main

// raceDetector is on: it keeps shadow memory of its own, several times
// the program's, so resident memory says nothing about serve's bounds.
const raceDetector = true
