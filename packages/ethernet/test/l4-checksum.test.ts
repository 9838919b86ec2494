import { Icmpv4Message, TcpSegment, UdpDatagram } from '@cnikit/ethernet';
import { readU16, updateChecksum, writeU16 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureIp, l4Fixtures } from './fixtures/l4-helpers.js';

/** tshark's verdict with UDP/TCP checksum validation on: 1 good, 0 bad, 3 not present. */
const VERDICT: Record<string, string> = { '1': 'good', '0': 'bad', '3': 'none' };
const checked = l4Fixtures.filter((f) => !f.quoted && f.proto !== 'icmp' && f.checkedStatus !== null);

describe('UDP/TCP checksums agree with tshark on real captures', () => {
  it('has good and bad (offloaded) checksums over IPv4 and IPv6', () => {
    const verdicts = new Set(checked.map((f) => `${f.proto}/${f.ip?.family}/${f.checkedStatus}`));
    for (const v of ['udp/4/1', 'udp/6/1', 'tcp/4/1', 'tcp/6/1', 'tcp/4/0', 'udp/4/3'])
      expect(verdicts).toContain(v);
  });
  for (const f of checked) {
    it(`${f.capture} frame ${f.frame} (${f.proto}, IPv${f.ip?.family}): ${VERDICT[f.checkedStatus ?? '']}`, () => {
      const b = fixtureBytes(f);
      const ip = fixtureIp(f);
      const view = f.proto === 'udp' ? UdpDatagram.parse(b) : TcpSegment.parse(b);
      expect(view.checksumStatus(ip)).toBe(VERDICT[f.checkedStatus ?? '']);
      if (f.checkedStatus === '1') expect(view.computeChecksum(ip)).toBe(view.checksum);
      if (f.checkedStatus === '0') expect(view.computeChecksum(ip)).not.toBe(view.checksum);
    });
  }
});

describe('incremental update (RFC 1624) agrees with a full recompute', () => {
  const good = l4Fixtures.filter(
    (f) => f.checkedStatus === '1' || (f.proto === 'icmp' && f.fields['icmp.checksum.status'][0] === '1'),
  );
  it('on random 16-bit edits of real UDP, TCP and ICMP messages', () => {
    expect(good.length).toBeGreaterThan(50);
    fc.assert(
      fc.property(fc.constantFrom(...good), fc.nat(), fc.nat(0xffff), (f, where, word) => {
        const b = fixtureBytes(f);
        const field = f.proto === 'udp' ? 6 : f.proto === 'tcp' ? 16 : 2;
        // An aligned word that decides no layout: ports/seq/ack/window/urgent, type/code, or payload.
        const fixed =
          f.proto === 'udp' ? [0, 2] : f.proto === 'tcp' ? [0, 2, 4, 6, 8, 10, 14, 18] : [0, 4, 6];
        const bodyStart = f.proto === 'tcp' ? TcpSegment.parse(b).headerLength : 8;
        const words = [...fixed];
        for (let i = bodyStart; i + 1 < b.length; i += 2) words.push(i);
        const at = words[where % words.length];
        const before = readU16(b, field);
        const next = updateChecksum(before, readU16(b, at), word);
        writeU16(b, at, word);
        if (f.proto === 'icmp') {
          const m = Icmpv4Message.parse(b);
          expect(next).toBe(m.computeChecksum());
          writeU16(b, field, next);
          expect(m.checksumValid()).toBe(true);
        } else {
          const ip = fixtureIp(f);
          const view = f.proto === 'udp' ? UdpDatagram.parse(b) : TcpSegment.parse(b);
          const full = view.computeChecksum(ip);
          // One's-complement zero has two forms; UDP sends 0 as 0xffff (RFC 768).
          expect(next === full || (next === 0 && full === 0xffff) || (next === 0xffff && full === 0)).toBe(
            true,
          );
          writeU16(b, field, next === 0 && f.proto === 'udp' ? 0xffff : next);
          expect(view.checksumStatus(ip)).toBe('good');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
