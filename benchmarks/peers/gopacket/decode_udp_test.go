package gopacketpeer

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Case (a): DecodingLayerParser over Ethernet / IPv4 / UDP / Payload, then every field read.
func BenchmarkDecodeEthIpv4Udp(b *testing.B) {
	frame := readFrame(b, "eth-ipv4-udp")
	var eth layers.Ethernet
	var ip layers.IPv4
	var udp layers.UDP
	var payload gopacket.Payload
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip, &udp, &payload)
	decoded := make([]gopacket.LayerType, 0, 4)
	var sink uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := parser.DecodeLayers(frame, &decoded); err != nil {
			b.Fatal(err)
		}
		sink += sumEthernet(&eth) + sumIPv4(&ip) + sumUDP(&udp)
	}
	if len(decoded) != 4 || sink == 0 {
		b.Fatal("decoded", decoded)
	}
}
