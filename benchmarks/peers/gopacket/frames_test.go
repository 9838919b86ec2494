// Package gopacketpeer benchmarks gopacket on the same frames the Node benchmarks use.
// The frames are built here with gopacket's SerializeLayers (FixLengths + ComputeChecksums), so
// their lengths and checksums come from an independent implementation, and written once to
// ../../frames/*.hex (CNIKIT_WRITE_FRAMES=1 go test -run TestWriteFrames). Both sides read the hex.
package gopacketpeer

import (
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

const framesDir = "../../frames"

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func seq(n int, first byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}

// udpLayers: case (a), Ethernet / IPv4 / UDP with a 32-byte payload.
func udpLayers(payload []byte) []gopacket.SerializableLayer {
	eth := &layers.Ethernet{DstMAC: mac("02:42:0a:f4:02:07"), SrcMAC: mac("02:42:0a:f4:01:05"), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, TOS: 0xb8, Id: 0x1c46, Flags: layers.IPv4DontFragment, TTL: 64,
		Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 244, 1, 5), DstIP: net.IPv4(10, 244, 2, 7)}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 8080}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return []gopacket.SerializableLayer{eth, ip, udp, gopacket.Payload(payload)}
}

// tcpLayers: case (b), Ethernet / 802.1Q / IPv6 + hop-by-hop / TCP SYN with Linux's option set.
func tcpLayers() []gopacket.SerializableLayer {
	eth := &layers.Ethernet{DstMAC: mac("02:42:0a:f4:02:07"), SrcMAC: mac("02:42:0a:f4:01:05"), EthernetType: layers.EthernetTypeDot1Q}
	vlan := &layers.Dot1Q{Priority: 5, VLANIdentifier: 100, Type: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, TrafficClass: 0x28, FlowLabel: 0x12345, NextHeader: layers.IPProtocolIPv6HopByHop,
		HopLimit: 64, SrcIP: net.ParseIP("fd00:10:244:1::5"), DstIP: net.ParseIP("fd00:10:244:2::7")}
	// Hop-by-hop as raw bytes: next header TCP, length 0 (8 bytes), Router Alert (MLD), PadN(0).
	hopByHop := gopacket.Payload{6, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00}
	tcp := &layers.TCP{SrcPort: 43210, DstPort: 443, Seq: 0x1a2b3c4d, SYN: true, Window: 64800,
		Options: []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0x00, 0x9a, 0x3c, 0x21, 0, 0, 0, 0}},
			{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return []gopacket.SerializableLayer{eth, vlan, ip, hopByHop, tcp}
}

// vxlanOuterLayers: Ethernet / IPv4 / UDP 4789 / VXLAN (VNI 42) around an inner frame.
func vxlanOuterLayers(inner []byte) []gopacket.SerializableLayer {
	eth := &layers.Ethernet{DstMAC: mac("52:54:00:00:00:02"), SrcMAC: mac("52:54:00:00:00:01"), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, Id: 0x2a2a, Flags: layers.IPv4DontFragment, TTL: 64,
		Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(192, 168, 0, 1), DstIP: net.IPv4(192, 168, 0, 2)}
	udp := &layers.UDP{SrcPort: 51000, DstPort: 4789}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	vx := &layers.VXLAN{ValidIDFlag: true, VNI: 42}
	return []gopacket.SerializableLayer{eth, ip, udp, vx, gopacket.Payload(inner)}
}

// vxlanInnerFrame: the 64-byte inner frame, Ethernet / IPv4 / UDP with a 22-byte payload.
func vxlanInnerFrame() []byte {
	return serialize(udpLayers(seq(22, 0x40))...)
}

func serialize(l ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, serializeOpts, l...); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func frames() map[string][]byte {
	return map[string][]byte{
		"eth-ipv4-udp":       serialize(udpLayers(seq(32, 0))...),
		"eth-vlan-ipv6-tcp":  serialize(tcpLayers()...),
		"vxlan-inner":        vxlanInnerFrame(),
		"vxlan-eth-ipv4-udp": serialize(vxlanOuterLayers(vxlanInnerFrame())...),
	}
}

func readFrame(tb testing.TB, name string) []byte {
	text, err := os.ReadFile(filepath.Join(framesDir, name+".hex"))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestWriteFrames(t *testing.T) {
	if os.Getenv("CNIKIT_WRITE_FRAMES") != "1" {
		t.Skip("set CNIKIT_WRITE_FRAMES=1 to rewrite ../../frames/*.hex")
	}
	for name, b := range frames() {
		if err := os.WriteFile(filepath.Join(framesDir, name+".hex"), []byte(hex.EncodeToString(b)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFramesAreCurrent(t *testing.T) {
	for name, want := range frames() {
		if got := readFrame(t, name); hex.EncodeToString(got) != hex.EncodeToString(want) {
			t.Errorf("%s.hex differs from the layers here; rerun with CNIKIT_WRITE_FRAMES=1", name)
		}
	}
}
