package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The offline commands (sentiment score, anomaly detect, risk score) read
// one CSV file and write one: these are their file handling and their
// report of the rows they skipped.

// openCSVInput opens path for reading; "-" is stdin.
func (a *app) openCSVInput(path string) (io.ReadCloser, string, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), "stdin", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, path, &exitError{code: exitFailed, err: err}
	}
	return f, path, nil
}

// csvOutput is where an offline command writes: stdout, or a file written
// next to its final name and renamed into place on success, so a failed
// run never leaves half a file where a good one was.
type csvOutput struct {
	io.Writer
	path string
	tmp  *os.File
}

func (a *app) createCSVOutput(path string) (*csvOutput, error) {
	if path == "" || path == "-" {
		return &csvOutput{Writer: a.stdout}, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return &csvOutput{Writer: tmp, path: path, tmp: tmp}, nil
}

// finish renames the file into place when err is nil, else removes it.
func (o *csvOutput) finish(err error) error {
	if o.tmp == nil {
		return err
	}
	if err == nil {
		err = o.tmp.Chmod(0o644)
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
	}
	return err
}

// reportSkipped prints the skipped rows to stderr: the examples the
// reader kept (each names the file and line), then how many more.
func (a *app) reportSkipped(examples []string, skipped int, summary string) {
	for _, e := range examples {
		fmt.Fprintf(a.stderr, "memepipe: skipped %s\n", e)
	}
	if more := skipped - len(examples); more > 0 {
		fmt.Fprintf(a.stderr, "memepipe: ... and %d more bad rows\n", more)
	}
	if summary != "" {
		fmt.Fprintf(a.stderr, "memepipe: %s\n", summary)
	}
}
