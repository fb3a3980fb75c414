package bench

import "syscall"

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (linux/in.h): with a source address, the port is
// chosen at connect() time for the whole 4-tuple instead of at bind() time, which is both faster
// with tens of thousands of sockets and does not reserve the port for every destination.
const ipBindAddressNoPort = 24

// bindNoPort is a net.Dialer.Control setting IP_BIND_ADDRESS_NO_PORT; failure is not fatal.
func bindNoPort(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
}

// openFileLimit returns the soft RLIMIT_NOFILE (Go raises it to the hard limit at start).
func openFileLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	return rl.Cur, true
}
