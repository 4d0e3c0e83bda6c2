package app

import "net"

// dataEndpoint tells the admin API the data plane's scheme and port, for
// the servers of an exported OpenAPI document.
func (s *Server) dataEndpoint() (string, int) {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	if s.dataLn == nil {
		return scheme, 0
	}
	if a, ok := s.dataLn.Addr().(*net.TCPAddr); ok {
		return scheme, a.Port
	}
	return scheme, 0
}
