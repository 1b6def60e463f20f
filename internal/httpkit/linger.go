package httpkit

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// A body over its limit is refused (413) before it is read. The server then
// closes the connection; if it closed it at once, the bytes the client is
// still sending would arrive at a closed socket, the kernel would answer
// them with a reset, and a client that did not wait for "100 Continue"
// (curl with a small body, Go's client, every browser) would see the reset
// and never read the 413. So a connection whose request was refused for
// its size is closed lingering: the answer is written, the write side shut
// (the client reads the answer to its end), and what the client still sends
// is read and discarded — up to lingerBytes, for at most lingerTime — before
// the socket is closed.
const (
	lingerBytes = 64 << 20
	lingerTime  = 30 * time.Second
)

// Listener wraps ln so that connections refused for a body over the limit
// are closed lingering (see above). Serve the app on it: app.Listener(httpkit.Listener(ln)).
func Listener(ln net.Listener) net.Listener { return &lingerListener{ln} }

type lingerListener struct{ net.Listener }

func (l *lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

// Linger asks for a lingering close.
func (c *lingerConn) Linger() { c.linger.Store(true) }

func (c *lingerConn) Close() error {
	if c.linger.Load() {
		if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
			_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
			_, _ = io.CopyN(io.Discard, c.Conn, lingerBytes)
		}
	}
	return c.Conn.Close()
}

// LingerOnClose marks the request's connection for a lingering close, when
// it was accepted by Listener.
func LingerOnClose(c *fiber.Ctx) {
	if lc, ok := c.Context().Conn().(interface{ Linger() }); ok {
		lc.Linger()
	}
}
