//go:build unix

package realtime

import (
	"net"
	"syscall"
)

// rawWriter writes without blocking and without deadline timers: it returns what the socket
// took at once. The fast path of the writer pool uses it on TCP connections.
type rawWriter struct{ rc syscall.RawConn }

func newRawWriter(c net.Conn) *rawWriter {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &rawWriter{rc: rc}
}

// write writes as much of b as the socket buffer takes now. n < len(b) with a nil error means the
// socket is full.
func (w *rawWriter) write(b []byte) (n int, err error) {
	var werr error
	err = w.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, e := syscall.Write(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			switch e {
			case nil:
				continue
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
			default:
				werr = e
			}
			break
		}
		return true // never wait for the poller: a full socket is the slow path's business
	})
	if err == nil {
		err = werr
	}
	return n, err
}
