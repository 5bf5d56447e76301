// Command memepipe collects, cleans and scores meme-coin data on schedules.
//
// main only wires the process to the CLI: the commands live one group per
// file in this directory (run.go, runs.go, configcmd.go, version.go), so
// later commands (sim, raw, serve ...) are new files, not edits here.
package main

import "os"

func main() {
	args := os.Args[1:]
	// As a Lambda function's bootstrap the binary is started with no
	// arguments; the runtime API in the environment says it is one.
	if len(args) == 0 && lambdaRuntime() {
		args = []string{"lambda"}
	}
	os.Exit(execute(args, os.Stdout, os.Stderr))
}
