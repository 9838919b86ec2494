// Package gobgppeer benchmarks GoBGP's packet/bgp codec on the same bytes the Node benchmarks use.
// The UPDATEs of cases (a) and (b) are built here with GoBGP's own constructors and Serialize, so
// their encoding comes from an independent implementation, and written once to
// ../../frames/bgp-*.hex (CNIKIT_WRITE_FRAMES=1 go test -run TestWriteFrames). Both sides read
// the hex. The 10,000 UPDATEs of case (d) are written by the Node side (benchmarks/bgp/updates.mjs)
// to the file named by $CNIKIT_BGP_UPDATES, which both sides then read.
package gobgppeer

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osrg/gobgp/pkg/packet/bgp"
)

const framesDir = "../../frames"

// The six attributes of case (a): ORIGIN, AS_PATH (5 ASNs), NEXT_HOP, MED, COMMUNITIES (3),
// LARGE_COMMUNITY (1). Case (b) carries the same ones, the next hop and prefixes in MP_REACH_NLRI.
func origin() bgp.PathAttributeInterface { return bgp.NewPathAttributeOrigin(0) }
func asPath() bgp.PathAttributeInterface {
	return bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{
		bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, []uint32{65001, 65002, 65003, 65004, 65005}),
	})
}
func med() bgp.PathAttributeInterface { return bgp.NewPathAttributeMultiExitDisc(50) }
func communities() bgp.PathAttributeInterface {
	return bgp.NewPathAttributeCommunities([]uint32{65001<<16 | 1, 65001<<16 | 2, 65001<<16 | 3})
}
func largeCommunities() bgp.PathAttributeInterface {
	return bgp.NewPathAttributeLargeCommunities([]*bgp.LargeCommunity{bgp.NewLargeCommunity(65001, 7, 9)})
}

// update1000Ipv4: case (a), 1,000 IPv4 /24s (10.0.0.0/24, 10.0.1.0/24, …) in the NLRI field.
func update1000Ipv4() *bgp.BGPMessage {
	nlri := make([]*bgp.IPAddrPrefix, 0, 1000)
	for i := 0; i < 1000; i++ {
		nlri = append(nlri, bgp.NewIPAddrPrefix(24, fmt.Sprintf("%d.%d.%d.0", 10+(i>>16), (i>>8)&255, i&255)))
	}
	attrs := []bgp.PathAttributeInterface{origin(), asPath(), bgp.NewPathAttributeNextHop("192.0.2.1"), med(), communities(), largeCommunities()}
	return bgp.NewBGPUpdateMessage(nil, attrs, nlri)
}

// update1000Ipv6: case (b), 1,000 IPv6 /48s (2001:db8:0::/48, 2001:db8:1::/48, …) in MP_REACH_NLRI
// with next hop 2001:db8::1. At 7,100 bytes it needs RFC 8654 extended messages.
func update1000Ipv6() *bgp.BGPMessage {
	nlri := make([]bgp.AddrPrefixInterface, 0, 1000)
	for i := 0; i < 1000; i++ {
		nlri = append(nlri, bgp.NewIPv6AddrPrefix(48, fmt.Sprintf("2001:db8:%x::", i)))
	}
	attrs := []bgp.PathAttributeInterface{origin(), asPath(), med(), communities(),
		bgp.NewPathAttributeMpReachNLRI("2001:db8::1", nlri), largeCommunities()}
	return bgp.NewBGPUpdateMessage(nil, attrs, nil)
}

// serialize writes a message; GoBGP refuses to size one over 4,096 bytes itself, so the header
// length is set from the body first (what it does when it re-serializes a parsed message).
func serialize(m *bgp.BGPMessage) []byte {
	body, err := m.Body.Serialize()
	if err != nil {
		panic(err)
	}
	m.Header.Len = uint16(bgp.BGP_HEADER_LENGTH + len(body))
	b, err := m.Serialize()
	if err != nil {
		panic(err)
	}
	return b
}

func frames() map[string][]byte {
	return map[string][]byte{
		"bgp-update-1000-ipv4":    serialize(update1000Ipv4()),
		"bgp-update-1000-ipv6-mp": serialize(update1000Ipv6()),
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

// readUpdates: the UPDATEs of case (d), back to back, split at their length fields.
func readUpdates(tb testing.TB) [][]byte {
	path := os.Getenv("CNIKIT_BGP_UPDATES")
	if path == "" {
		tb.Skip("CNIKIT_BGP_UPDATES is not set (benchmarks/run.mjs writes the file and sets it)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for len(data) > 0 {
		if len(data) < bgp.BGP_HEADER_LENGTH {
			tb.Fatalf("%s: %d stray bytes at the end", path, len(data))
		}
		n := int(binary.BigEndian.Uint16(data[16:18]))
		if n < bgp.BGP_HEADER_LENGTH || n > len(data) {
			tb.Fatalf("%s: bad message length %d", path, n)
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

func TestWriteFrames(t *testing.T) {
	if os.Getenv("CNIKIT_WRITE_FRAMES") != "1" {
		t.Skip("set CNIKIT_WRITE_FRAMES=1 to rewrite ../../frames/bgp-*.hex")
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
			t.Errorf("%s.hex differs from the messages built here; rerun with CNIKIT_WRITE_FRAMES=1", name)
		}
	}
}
