package gopacketpeer

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// outerVXLAN stops the outer parser at the VXLAN header: a DecodingLayerParser holds one decoder
// per layer type, so the inner Ethernet/IPv4/UDP need a second parser or they overwrite the outer.
type outerVXLAN struct{ layers.VXLAN }

func (*outerVXLAN) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// VXLAN decap: every field of outer Ethernet / IPv4 / UDP / VXLAN and inner Ethernet / IPv4 / UDP.
func BenchmarkDecodeVxlan(b *testing.B) {
	frame := readFrame(b, "vxlan-eth-ipv4-udp")
	var oEth, iEth layers.Ethernet
	var oIP, iIP layers.IPv4
	var oUDP, iUDP layers.UDP
	var vx outerVXLAN
	var payload gopacket.Payload
	outer := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &oEth, &oIP, &oUDP, &vx)
	inner := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &iEth, &iIP, &iUDP, &payload)
	decodedOuter := make([]gopacket.LayerType, 0, 4)
	decodedInner := make([]gopacket.LayerType, 0, 4)
	var sink uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := outer.DecodeLayers(frame, &decodedOuter); err != nil {
			b.Fatal(err)
		}
		if err := inner.DecodeLayers(vx.Payload, &decodedInner); err != nil {
			b.Fatal(err)
		}
		sink += sumEthernet(&oEth) + sumIPv4(&oIP) + sumUDP(&oUDP) + sumVXLAN(&vx.VXLAN) +
			sumEthernet(&iEth) + sumIPv4(&iIP) + sumUDP(&iUDP)
	}
	if len(decodedOuter) != 4 || len(decodedInner) != 4 || vx.VNI != 42 || sink == 0 {
		b.Fatal("decoded", decodedOuter, decodedInner)
	}
}
