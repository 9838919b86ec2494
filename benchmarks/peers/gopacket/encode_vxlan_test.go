package gopacketpeer

import (
	"bytes"
	"testing"

	"github.com/google/gopacket"
)

// VXLAN encap: outer Ethernet / IPv4 / UDP 4789 / VXLAN around a 64-byte inner frame, serialized
// into a reused buffer with FixLengths and ComputeChecksums.
func BenchmarkEncapVxlan(b *testing.B) {
	want := readFrame(b, "vxlan-eth-ipv4-udp")
	inner := readFrame(b, "vxlan-inner")
	l := vxlanOuterLayers(inner)
	buf := gopacket.NewSerializeBuffer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := gopacket.SerializeLayers(buf, serializeOpts, l...); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), want) {
		b.Fatal("encapsulated frame differs from vxlan-eth-ipv4-udp.hex")
	}
}
