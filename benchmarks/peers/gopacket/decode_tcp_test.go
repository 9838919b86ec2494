package gopacketpeer

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Case (b): Ethernet / 802.1Q / IPv6 (gopacket folds hop-by-hop into the IPv6 layer) / TCP.
func BenchmarkDecodeEthVlanIpv6Tcp(b *testing.B) {
	frame := readFrame(b, "eth-vlan-ipv6-tcp")
	var eth layers.Ethernet
	var vlan layers.Dot1Q
	var ip layers.IPv6
	var tcp layers.TCP
	var payload gopacket.Payload
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &vlan, &ip, &tcp, &payload)
	parser.IgnoreUnsupported = true // a SYN carries no payload, so no layer follows TCP
	decoded := make([]gopacket.LayerType, 0, 5)
	var sink uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := parser.DecodeLayers(frame, &decoded); err != nil {
			b.Fatal(err)
		}
		sink += sumEthernet(&eth) + sumDot1Q(&vlan) + sumIPv6(&ip) + sumTCP(&tcp)
	}
	if len(decoded) != 4 || ip.HopByHop == nil || len(tcp.Options) != 5 || sink == 0 {
		b.Fatal("decoded", decoded)
	}
}
