/**
 * VxlanDecapsulator.tryBind/decode (issue #11, API friction): the non-throwing form of `bind`
 * that also decodes the inner frame, so mixed traffic needs no try/catch and no hand-off.
 */
import { encodeEthernet, encodeIpv6, encodeTcp, FrameDecoder } from '@cnikit/ethernet';
import { encodeEncapsulated, VxlanDecapsulator } from '@cnikit/vxlan';
import { DecodeError, formatAddress, parseIpv6 } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { corpusPackets, corpusPresent } from '../../../test/support/corpus.js';

const A6 = parseIpv6('fd00::1');
const B6 = parseIpv6('fd00::2');
const inner = encodeEthernet({
  dst: '0a:58:0a:f4:02:03',
  src: '0a:58:0a:f4:01:02',
  etherType: 0x86dd,
  payload: encodeIpv6({
    hopLimit: 64,
    protocol: 6,
    src: A6,
    dst: B6,
    payload: encodeTcp({ srcPort: 1234, dstPort: 443, window: 100 }, { ip: { family: 6, src: A6, dst: B6 } }),
  }),
});
const outer = { srcMac: '52:54:00:00:00:01', dstMac: '52:54:00:00:00:02', vni: 0xabcdef } as const;

function threw(d: VxlanDecapsulator, frame: Uint8Array): unknown {
  try {
    d.bind(frame);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('VxlanDecapsulator.decode and tryBind', () => {
  it('decodes the inner frame of an IPv6-over-IPv4 and an IPv4-over-IPv6 tunnel', () => {
    const d = new VxlanDecapsulator();
    const v4 = encodeEncapsulated(inner, { ...outer, src: '192.0.2.1', dst: '192.0.2.2' });
    expect(d.decode(v4)).toBe(true);
    expect(d.error).toBeUndefined();
    expect(d.vni).toBe(0xabcdef);
    expect(d.layers).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'ipv6', 'tcp']);
    expect([formatAddress(d.innerFrame.ipv6.src), d.innerFrame.tcp.dstPort]).toEqual(['fd00::1', 443]);
    const v6 = encodeEncapsulated(inner, { ...outer, src: '2001:db8::1', dst: '2001:db8::2' });
    expect(d.decode(v6)).toBe(true);
    expect(d.layers.slice(0, 4)).toEqual(['eth', 'ipv6', 'udp', 'vxlan']);
    expect(formatAddress(d.ipv6View.src)).toBe('2001:db8::1');
    // tryBind alone leaves the inner frame undecoded: only the outer layers are listed.
    expect(d.tryBind(v4)).toBe(true);
    expect(d.layers).toEqual(['eth', 'ip', 'udp', 'vxlan']);
  });

  it('returns false with the error bind would throw, for every cut of a VXLAN frame and for plain traffic', () => {
    const d = new VxlanDecapsulator();
    const frame = encodeEncapsulated(inner, { ...outer, src: '192.0.2.1', dst: '192.0.2.2' });
    let rejected = 0;
    for (let n = 0; n <= frame.length; n++) {
      const cut = frame.subarray(0, n);
      const error = threw(new VxlanDecapsulator(), cut);
      expect(d.tryBind(cut), `${n} bytes`).toBe(error === undefined);
      expect(d.decode(cut), `${n} bytes`).toBe(error === undefined);
      if (error !== undefined) {
        rejected++;
        expect(DecodeError.is(error)).toBe(true);
        expect(d.error?.toJSON()).toStrictEqual((error as DecodeError).toJSON());
      } else expect(d.error).toBeUndefined();
    }
    expect(rejected).toBe(frame.length);
    expect(d.decode(inner)).toBe(false);
    expect(d.error?.code).toBe('unsupported');
  });

  it.skipIf(!corpusPresent() && process.env.CI !== 'true')(
    'vxlan.pcap: decode equals bind plus a FrameDecoder on the inner bytes, frame by frame',
    () => {
      const d = new VxlanDecapsulator();
      const check = new VxlanDecapsulator();
      const fd = new FrameDecoder();
      let decoded = 0;
      for (const p of corpusPackets('vxlan.pcap')) {
        const ok = d.decode(p.data);
        expect(ok).toBe(threw(check, p.data) === undefined);
        if (!ok) continue;
        decoded++;
        fd.decode(p.data, check.inner.start, check.inner.end);
        expect(d.innerFrame.layers.slice(0, d.innerFrame.layerCount)).toEqual(
          fd.layers.slice(0, fd.layerCount),
        );
        expect([d.innerFrame.payloadStart, d.innerFrame.payloadEnd]).toEqual([
          fd.payloadStart,
          fd.payloadEnd,
        ]);
      }
      expect(decoded).toBe(10); // the 10 frames tshark shows as VXLAN (vxlan.pcap has 10)
    },
  );
});
