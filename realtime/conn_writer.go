package realtime

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connWriter is the socket side shared by the WebSocket and SSE transports: fast non-blocking
// writes that keep what the socket did not take, blocking writes with the full timeout for the
// slow path, and an abort that makes a blocked write fail at once.
type connWriter struct {
	conn         net.Conn
	writeTimeout time.Duration
	raw          *rawWriter // non-blocking writes on TCP; nil on TLS and elsewhere
	aborted      atomic.Bool
	closeOnce    sync.Once
	pending      []byte // what a fast write could not finish; owned by the current writer
}

func newConnWriter(c net.Conn, writeTimeout time.Duration) connWriter {
	return connWriter{conn: c, writeTimeout: writeTimeout, raw: newRawWriter(c)}
}

// send writes b. With fast, it returns errWouldBlock and keeps the rest when the socket is full.
func (w *connWriter) send(b []byte, fast bool) error {
	var n int
	var err error
	switch {
	case fast && w.raw != nil:
		n, err = w.raw.write(b)
		if err == nil && n < len(b) {
			err = errWouldBlock
		}
	case fast:
		n, err = w.write(b, fastWriteTimeout)
		if n < len(b) && isTimeout(err) && !w.aborted.Load() {
			err = errWouldBlock
		}
	default:
		_, err = w.write(b, w.writeTimeout)
	}
	if err == errWouldBlock {
		w.pending = append(w.pending[:0], b[n:]...)
	}
	return err
}

func (w *connWriter) flushPending() error {
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.write(w.pending, w.writeTimeout)
	w.pending = nil
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (w *connWriter) write(b []byte, timeout time.Duration) (int, error) {
	if err := w.conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return 0, err
	}
	if w.aborted.Load() { // abortWrites may have run before the deadline above was set
		_ = w.conn.SetWriteDeadline(time.Now())
	}
	return w.conn.Write(b)
}

// goodbye writes a final frame (close frame, or SSE close event) and half-closes, so that the
// read side closes the socket when the client answers or after closeWait; it reports whether it
// did. A partial frame still pending means the stream cannot take another frame. In fast mode
// (a pool worker) the frame goes out with a non-blocking write: a deadline as short as
// fastWriteTimeout could expire before the write is even tried on a loaded machine.
func (w *connWriter) goodbye(frame []byte, fast bool) bool {
	if len(w.pending) > 0 && !fast {
		if w.flushPending() != nil {
			return false
		}
	}
	if len(w.pending) > 0 {
		return false
	}
	if err := w.send(frame, fast); err != nil {
		w.pending = nil // no room for the goodbye: the socket is full; just close
		return false
	}
	if cw, ok := w.conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		return w.conn.SetReadDeadline(time.Now().Add(closeWait)) == nil
	}
	return false
}

// closeWait is how long a closed connection waits for the client to answer the goodbye.
const closeWait = 2 * time.Second

func (w *connWriter) closeConn() { w.closeOnce.Do(func() { _ = w.conn.Close() }) }

func (w *connWriter) abortWrites() {
	w.aborted.Store(true)
	_ = w.conn.SetWriteDeadline(time.Now())
}

var writeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func getWriteBuf() *[]byte { return writeBufPool.Get().(*[]byte) }

func putWriteBuf(bp *[]byte, b []byte) {
	if cap(b) <= 1<<20 {
		*bp = b[:0]
		writeBufPool.Put(bp)
	}
}
