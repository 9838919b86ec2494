package gobgppeer

import (
	"encoding/binary"

	"github.com/osrg/gobgp/pkg/packet/bgp"
)

// The field sum both sides compute (benchmarks/bgp/sums.mjs says the same in JavaScript), so that
// equal sums show that both decoders read the same values: ORIGIN; per AS_PATH segment its type
// and every ASN; NEXT_HOP, MED and LOCAL_PREF as numbers; every community; each large community's
// three words; MP_REACH_NLRI's next hop as four 32-bit words. Per prefix: the address (IPv4 as
// one word, IPv6 as four, zero-filled) plus the length. Reduced modulo 2^30 per message.
const sumModulus = 1 << 30

func ipWords(ip []byte) uint64 {
	var s uint64
	for i := 0; i+4 <= len(ip); i += 4 {
		s += uint64(binary.BigEndian.Uint32(ip[i:]))
	}
	return s
}

func prefixSum(p bgp.AddrPrefixInterface) uint64 {
	switch q := p.(type) {
	case *bgp.IPAddrPrefix:
		return ipWords(q.Prefix.To4()) + uint64(q.Length)
	case *bgp.IPv6AddrPrefix:
		return ipWords(q.Prefix.To16()) + uint64(q.Length)
	}
	panic("unexpected prefix type")
}

// updateSum walks a parsed UPDATE: every attribute value and every prefix; returns the sum and
// the number of routes announced (NLRI field and MP_REACH_NLRI).
func updateSum(m *bgp.BGPMessage) (sum uint64, routes int) {
	u := m.Body.(*bgp.BGPUpdate)
	for _, a := range u.PathAttributes {
		switch v := a.(type) {
		case *bgp.PathAttributeOrigin:
			sum += uint64(v.Value)
		case *bgp.PathAttributeAsPath:
			for _, seg := range v.Value {
				s := seg.(*bgp.As4PathParam)
				sum += uint64(s.Type)
				for _, as := range s.AS {
					sum += uint64(as)
				}
			}
		case *bgp.PathAttributeNextHop:
			sum += ipWords(v.Value.To4())
		case *bgp.PathAttributeMultiExitDisc:
			sum += uint64(v.Value)
		case *bgp.PathAttributeLocalPref:
			sum += uint64(v.Value)
		case *bgp.PathAttributeCommunities:
			for _, c := range v.Value {
				sum += uint64(c)
			}
		case *bgp.PathAttributeLargeCommunities:
			for _, c := range v.Values {
				sum += uint64(c.ASN) + uint64(c.LocalData1) + uint64(c.LocalData2)
			}
		case *bgp.PathAttributeMpReachNLRI:
			sum += ipWords(v.Nexthop.To16())
			for _, p := range v.Value {
				sum += prefixSum(p)
			}
			routes += len(v.Value)
		default:
			panic("unexpected attribute " + a.GetType().String())
		}
	}
	for _, p := range u.NLRI {
		sum += prefixSum(p)
	}
	routes += len(u.NLRI)
	return sum % sumModulus, routes
}
