// Command memepipe collects, cleans and scores meme-coin data on schedules.
package main

import "os"

func main() {
	os.Exit(0)
}
