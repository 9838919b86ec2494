package gopacketpeer

import (
	"github.com/google/gopacket/layers"
)

// Each sum touches every decoded field of a layer, the way the Node cases do, so the compiler
// cannot drop any read. Byte strings (MACs, addresses, payloads) count their length and first byte.

func sumBytes(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(len(b)) + uint64(b[0])
}

func sumEthernet(e *layers.Ethernet) uint64 {
	return sumBytes(e.DstMAC) + sumBytes(e.SrcMAC) + uint64(e.EthernetType)
}

func sumIPv4(ip *layers.IPv4) uint64 {
	return uint64(ip.Version) + uint64(ip.IHL) + uint64(ip.TOS) + uint64(ip.Length) + uint64(ip.Id) +
		uint64(ip.Flags) + uint64(ip.FragOffset) + uint64(ip.TTL) + uint64(ip.Protocol) +
		uint64(ip.Checksum) + sumBytes(ip.SrcIP) + sumBytes(ip.DstIP) + uint64(len(ip.Options)) + sumBytes(ip.Padding)
}

func sumUDP(u *layers.UDP) uint64 {
	return uint64(u.SrcPort) + uint64(u.DstPort) + uint64(u.Length) + uint64(u.Checksum) + sumBytes(u.Payload)
}

func sumDot1Q(v *layers.Dot1Q) uint64 {
	return uint64(v.Priority) + b2u(v.DropEligible) + uint64(v.VLANIdentifier) + uint64(v.Type)
}

func sumIPv6(ip *layers.IPv6) uint64 {
	s := uint64(ip.Version) + uint64(ip.TrafficClass) + uint64(ip.FlowLabel) + uint64(ip.Length) +
		uint64(ip.NextHeader) + uint64(ip.HopLimit) + sumBytes(ip.SrcIP) + sumBytes(ip.DstIP)
	if h := ip.HopByHop; h != nil {
		s += uint64(h.NextHeader) + uint64(h.HeaderLength)
		for _, o := range h.Options {
			s += uint64(o.OptionType) + uint64(o.OptionLength) + sumBytes(o.OptionData)
		}
	}
	return s
}

func sumTCP(t *layers.TCP) uint64 {
	s := uint64(t.SrcPort) + uint64(t.DstPort) + uint64(t.Seq) + uint64(t.Ack) + uint64(t.DataOffset) +
		b2u(t.FIN) + b2u(t.SYN) + b2u(t.RST) + b2u(t.PSH) + b2u(t.ACK) + b2u(t.URG) + b2u(t.ECE) +
		b2u(t.CWR) + b2u(t.NS) + uint64(t.Window) + uint64(t.Checksum) + uint64(t.Urgent) + sumBytes(t.Payload)
	for _, o := range t.Options {
		s += uint64(o.OptionType) + uint64(o.OptionLength) + sumBytes(o.OptionData)
	}
	return s
}

func sumVXLAN(v *layers.VXLAN) uint64 {
	return b2u(v.ValidIDFlag) + uint64(v.VNI) + b2u(v.GBPExtension) + b2u(v.GBPDontLearn) +
		b2u(v.GBPApplied) + uint64(v.GBPGroupPolicyID)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
