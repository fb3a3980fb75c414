//go:build !linux

package bench

import "syscall"

var bindNoPort func(network, address string, c syscall.RawConn) error

func openFileLimit() (uint64, bool) { return 0, false }
