package middleware

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the addresses of the reverse proxies (an ingress controller, a
// load balancer) whose X-Forwarded-For is believed (REDRESS_TRUSTED_PROXIES).
//
// Behind a proxy every request arrives from the proxy's address, so a
// throttle counting by that address would count every client as one: one
// attacker's failures would back off the owner of every account. Fiber's own
// ProxyHeader reads the header's first address, which the client writes
// itself; ClientIP instead walks the header from the right, skipping the
// trusted proxies' own entries, and takes the first address a trusted proxy
// saw: the only one nobody outside can forge.
type Proxies []netip.Prefix

// Trusts says whether addr is one of the proxies.
func (p Proxies) Trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, pre := range p {
		if pre.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client behind c: the peer's own address
// unless the peer is a trusted proxy, and then the right-most address of
// X-Forwarded-For that is not a trusted proxy. A malformed entry ends the
// walk: the last trusted hop stands for the client (a proxy wrote it, not the
// client).
func (p Proxies) ClientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.IP()
	}
	peer = peer.Unmap()
	if len(p) == 0 || !p.Trusts(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(v), ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = hop.Unmap()
		if !p.Trusts(client) {
			break
		}
	}
	return client.String()
}
