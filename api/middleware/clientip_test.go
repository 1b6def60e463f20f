package middleware

import (
	"net"
	"net/netip"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestClientIP(t *testing.T) {
	p := Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::ffff:192.168.1.1/128").Masked()}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer, header ignored", "203.0.113.1", []string{"198.51.100.1"}, "203.0.113.1"},
		{"trusted peer, no header", "10.1.2.3", nil, "10.1.2.3"},
		{"trusted peer, one hop", "10.1.2.3", []string{"198.51.100.1"}, "198.51.100.1"},
		{"forged first entry", "10.1.2.3", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "10.1.2.3", []string{"1.2.3.4, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"headers repeated", "10.1.2.3", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"garbage behind a proxy", "10.1.2.3", []string{"nonsense, 10.9.9.9"}, "10.9.9.9"},
		{"all trusted", "10.1.2.3", []string{"10.8.8.8"}, "10.8.8.8"},
		{"v6 client", "10.1.2.3", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fc fasthttp.RequestCtx
			fc.Init(&fasthttp.Request{}, net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(tc.peer), 4000)), nil)
			for _, v := range tc.xff {
				fc.Request.Header.Add("X-Forwarded-For", v)
			}
			app := fiber.New()
			c := app.AcquireCtx(&fc)
			defer app.ReleaseCtx(c)
			if got := p.ClientIP(c); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}
