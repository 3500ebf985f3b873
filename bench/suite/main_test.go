package main

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func TestMedian(t *testing.T) {
	failed := result{err: errors.New("wrk: killed")}
	tests := []struct {
		name string
		runs []result
		want float64
	}{
		{"one", []result{{rps: 5}}, 5},
		{"three", []result{{rps: 9}, {rps: 1}, {rps: 5}}, 5},
		{"a failure counts lowest", []result{{rps: 9}, failed, {rps: 5}}, 5},
		{"two failures", []result{failed, {rps: 7}, failed}, 0},
	}
	for _, tt := range tests {
		if got := median(tt.runs); got.rps != tt.want {
			t.Errorf("median(%s) = %v; want %v", tt.name, got.rps, tt.want)
		}
	}
}

func TestKibJSON(t *testing.T) {
	b := kibJSON()
	if len(b) != 1024 || !json.Valid(b) {
		t.Errorf("kibJSON() is %d bytes, valid %v; want 1024 bytes of JSON", len(b), json.Valid(b))
	}
}

func TestPeakRSS(t *testing.T) {
	if got := peakRSS(os.Getpid()); got < 1<<20 {
		t.Errorf("peakRSS(self) = %d; want at least 1 MiB", got)
	}
	if got := peakRSS(-1); got != -1 {
		t.Errorf("peakRSS(-1) = %d; want -1", got)
	}
}

func TestPairedRatio(t *testing.T) {
	failed := result{err: errors.New("killed")}
	tests := []struct {
		name string
		a, b []result
		want float64
	}{
		{"round by round", []result{{rps: 10}, {rps: 50}, {rps: 9}}, []result{{rps: 10}, {rps: 100}, {rps: 3}}, 1},
		{"failed rounds left out", []result{{rps: 8}, failed}, []result{{rps: 4}, {rps: 1}}, 2},
		{"nothing left", []result{failed}, []result{{rps: 4}}, 0},
		{"zero baseline", []result{{rps: 4}}, []result{{rps: 0}}, 0},
	}
	for _, tt := range tests {
		if got := pairedRatio(tt.a, tt.b); got != tt.want {
			t.Errorf("pairedRatio(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}
