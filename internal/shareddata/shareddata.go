// Package shareddata locates the real third-party samples and labelled data
// sets that live beside the repository in ../shared/data, for tests,
// benchmarks and the model-training commands.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
)

// Dir returns the shared data folder: $MEMEPIPE_SHARED_DATA if set, else
// ../shared/data from the module root (the folder holding go.mod), found by
// walking up from the working directory.
func Dir() (string, error) {
	if d := os.Getenv("MEMEPIPE_SHARED_DATA"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			data := filepath.Join(d, "..", "shared", "data")
			if _, err := os.Stat(data); err != nil {
				return "", errors.New("shared data not found at " + data + " (set MEMEPIPE_SHARED_DATA)")
			}
			return filepath.Clean(data), nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above " + wd)
		}
	}
}

// TB is the part of testing.TB that Path needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Path joins elem to the shared data folder and fails the test if the file
// is missing: CI always has the data, so a missing file is a real failure.
func Path(t TB, elem ...string) string {
	t.Helper()
	d, err := Dir()
	if err != nil {
		t.Fatalf("%v", err)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data file: %v", err)
	}
	return p
}
