package gopacketpeer

import (
	"bytes"
	"testing"

	"github.com/google/gopacket"
)

// Case (d): SerializeLayers of Ethernet / IPv4 / UDP / 32-byte payload into a reused buffer,
// lengths and both checksums computed.
func BenchmarkEncodeEthIpv4Udp(b *testing.B) {
	want := readFrame(b, "eth-ipv4-udp")
	l := udpLayers(seq(32, 0))
	buf := gopacket.NewSerializeBuffer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := gopacket.SerializeLayers(buf, serializeOpts, l...); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), want) {
		b.Fatal("encoded frame differs from eth-ipv4-udp.hex")
	}
}
