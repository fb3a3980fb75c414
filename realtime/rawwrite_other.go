//go:build !unix

package realtime

import "net"

type rawWriter struct{}

func newRawWriter(net.Conn) *rawWriter { return nil }

func (*rawWriter) write([]byte) (int, error) { panic("unreachable") }
