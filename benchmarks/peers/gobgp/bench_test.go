package gobgppeer

import (
	"bytes"
	"testing"

	"github.com/osrg/gobgp/pkg/packet/bgp"
)

// Every benchmark reports the routes it counted and the field sum of one operation as metrics
// ("routes", "sum"); benchmarks/run.mjs checks them against the Node side's values for the same
// bytes before it uses the timings.

func decodeOne(b *testing.B, frame []byte) {
	var sum uint64
	var routes int
	for i := 0; i < b.N; i++ {
		m, err := bgp.ParseBGPMessage(frame)
		if err != nil {
			b.Fatal(err)
		}
		sum, routes = updateSum(m)
	}
	b.ReportMetric(float64(routes), "routes")
	b.ReportMetric(float64(sum), "sum")
}

// Case (a): ParseBGPMessage on the 1,000-prefix IPv4 UPDATE, then every value and prefix read.
func BenchmarkGobgpDecodeUpdate1000Ipv4(b *testing.B) {
	decodeOne(b, readFrame(b, "bgp-update-1000-ipv4"))
}

// Case (b): the same with 1,000 IPv6 /48s in MP_REACH_NLRI.
func BenchmarkGobgpDecodeUpdate1000Ipv6Mp(b *testing.B) {
	decodeOne(b, readFrame(b, "bgp-update-1000-ipv6-mp"))
}

// Case (c): Serialize the parsed (a) message, every operation; GoBGP has no write-into-a-buffer
// API, so each Serialize returns a new slice. The bytes must equal the frame.
func BenchmarkGobgpEncodeUpdate1000Ipv4(b *testing.B) {
	frame := readFrame(b, "bgp-update-1000-ipv4")
	m, err := bgp.ParseBGPMessage(frame)
	if err != nil {
		b.Fatal(err)
	}
	sum, routes := updateSum(m)
	var out []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err = m.Serialize()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !bytes.Equal(out, frame) {
		b.Fatal("Serialize did not give back the frame's bytes")
	}
	b.ReportMetric(float64(routes), "routes")
	b.ReportMetric(float64(sum), "sum")
	b.ReportMetric(float64(len(out)), "bytes")
}

// Case (d): ParseBGPMessage on each of the 10,000 UPDATEs of $CNIKIT_BGP_UPDATES, every value
// and prefix read, routes counted. One operation is the whole file.
func BenchmarkGobgpDecodeMillionRoutes(b *testing.B) {
	msgs := readUpdates(b)
	var sum uint64
	var routes int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sum, routes = 0, 0
		for _, frame := range msgs {
			m, err := bgp.ParseBGPMessage(frame)
			if err != nil {
				b.Fatal(err)
			}
			s, r := updateSum(m)
			sum = (sum + s) % sumModulus
			routes += r
		}
	}
	b.ReportMetric(float64(routes), "routes")
	b.ReportMetric(float64(sum), "sum")
}
