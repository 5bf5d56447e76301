package command

import "syscall"

// dieWithParent makes the kernel SIGKILL the program when the memepipe
// process that started it dies (SIGKILL, out of memory), so an orphan does
// not go on working while the attempt is retried elsewhere: a Temporal
// worker killed mid-task must not leave its command appending to a file
// next to the retry's. (The signal fires when the forking OS thread exits;
// Go does not end threads that did not lock themselves, so in practice it
// is the process.)
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
