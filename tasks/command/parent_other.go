//go:build !linux

package command

import "syscall"

// dieWithParent: only Linux can tie a child's life to its parent's.
func dieWithParent(a *syscall.SysProcAttr) {}
