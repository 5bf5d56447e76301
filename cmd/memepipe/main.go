// Command memepipe collects, cleans and scores meme-coin data on schedules.
//
// main only wires the process to the CLI: the commands live one group per
// file in this directory (run.go, runs.go, configcmd.go, version.go), so
// later commands (sim, raw, serve ...) are new files, not edits here.
package main

import "os"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
