//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// peerOpen reports whether an idle connection is still fit for a request:
// a non-blocking peek finds nothing to read. End of stream (the backend
// closed it), an error, or bytes nobody asked for all make it unfit. It
// costs one system call, so it is done only on connections that sat idle.
func peerOpen(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	var b [1]byte
	cerr := rc.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
	})
	return cerr == nil && open
}
