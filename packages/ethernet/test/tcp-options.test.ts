import {
  decodeTcpOptions,
  type TcpOption,
  tcpOptionNodes,
  tcpOptionsLength,
  walkTcpOptions,
  writeTcpOptions,
} from '@cnikit/ethernet';
import { formatBytes, parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertRejectsOnlyWithDecodeError } from './fixtures/decode-property.js';
import { arbOptions } from './fixtures/l4-arbitraries.js';
import { fixtureBytes, l4Fixtures } from './fixtures/l4-helpers.js';

function roundTrip(bytes: Uint8Array): Uint8Array {
  const opts = decodeTcpOptions(bytes, 0, bytes.length);
  const out = new Uint8Array(tcpOptionsLength(opts));
  writeTcpOptions(opts, out, 0);
  return out;
}

describe('TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018)', () => {
  it('decodes the accecn_handshake.pcap frame 3 options: NOPs, timestamps, experimental, trailing EOLs', () => {
    const b = parseBytes(
      '01:01:08:0a:06:af:3c:f2:a5:e4:de:c4:fe:0d:ac:c0:00:00:00:ff:ff:ff:ff:ff:ff:00:00:00',
    );
    const opts = decodeTcpOptions(b, 0, b.length);
    expect(opts).toEqual([
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'timestamps', tsval: 112147698, tsecr: 2783239876 },
      // Experiment 0xACC0: AccECN counters EE0B, ECEB, EE1B (tshark: 0, 16777215, 16777215).
      { kind: 'accecn', order: 0, counters: [0, 0xffffff, 0xffffff], experimental: 254 },
      { kind: 'eol' },
      { kind: 'eol' },
      { kind: 'eol' },
    ]);
    expect(roundTrip(b)).toEqual(b);
    // tshark: three tcp.options.eol, one experimental with exid 0xacc0.
    const nodes = tcpOptionNodes(b, 0, b.length);
    expect(nodes.filter((n) => n.field === 'tcp.options.eol')).toHaveLength(3);
    const exp = nodes.find((n) => n.field === 'tcp.options.experimental');
    expect(exp?.children?.find((c) => c.field === 'tcp.options.experimental.exid')?.value).toBe(0xacc0);
  });

  it('decodes SACK blocks (ssh.pcap frame 48) and keeps non-zero bytes after EOL raw (beep-oobr.pcap)', () => {
    const sack = parseBytes('01:01:05:0a:f3:52:05:fa:f3:52:05:fb');
    expect(decodeTcpOptions(sack, 0, sack.length)[2]).toEqual({
      kind: 'sack',
      blocks: [{ left: 0xf35205fa, right: 0xf35205fb }],
    });
    const padded = parseBytes('00:30:30:30');
    expect(decodeTcpOptions(padded, 0, 4)).toEqual([
      { kind: 'eol' },
      { kind: 'padding', data: parseBytes('30:30:30') },
    ]);
    expect(roundTrip(padded)).toEqual(padded);
    // tshark shows just the one EOL and stops at the non-zero padding.
    expect(tcpOptionNodes(padded, 0, 4).map((n) => n.field)).toEqual(['tcp.options.eol']);
  });

  it('keeps a known kind with a length its RFC does not allow as unknown, raw', () => {
    const b = parseBytes('02:03:05:08:05:01:02:03');
    expect(decodeTcpOptions(b, 0, b.length)).toEqual([
      { kind: 'unknown', code: 2, data: parseBytes('05') },
      { kind: 'unknown', code: 8, data: parseBytes('01:02:03') },
    ]);
    expect(roundTrip(b)).toEqual(b);
  });

  it('throws bad-option for a length below 2, beyond the header, or missing (offsets absolute)', () => {
    const at = 20;
    const cases: [string, number][] = [
      ['01:02:01:00', at + 2],
      ['01:01:08:00', at + 3],
      ['02:05:05:b4', at + 1],
      ['01:01:01:13', at + 3],
    ];
    for (const [hex, offset] of cases) {
      const buf = new Uint8Array(at + 4);
      buf.set(parseBytes(hex), at);
      expect(() => walkTcpOptions(buf, at, at + 4), hex).toThrow(
        expect.objectContaining({ code: 'bad-option', layer: 'tcp', offset }),
      );
    }
    // Cut short in an ICMP quote, an option running off the end just ends the walk where it starts.
    const quoted = new Uint8Array(at + 4);
    quoted.set(parseBytes('01:02:05:b4'), at);
    expect(walkTcpOptions(quoted, at, at + 4, true)).toBe(at + 1);
    quoted.set(parseBytes('01:01:01:13'), at);
    expect(walkTcpOptions(quoted, at, at + 4, true)).toBe(at + 3);
  });

  it('decode(write(options)) deep-equals the options', () => {
    fc.assert(
      fc.property(arbOptions, (opts: TcpOption[]) => {
        const out = new Uint8Array(tcpOptionsLength(opts));
        expect(writeTcpOptions(opts, out, 0)).toBe(out.length);
        expect(decodeTcpOptions(out, 0, out.length)).toEqual(opts);
      }),
    );
  });

  it('returns or throws DecodeError on 100,000 random option areas, and rewrites accepted ones byte-exact; corpus option areas decode', () => {
    // The option areas of the corpus TCP headers (l4-corpus.json, tshark's decode) that have options.
    const valid = l4Fixtures
      .filter((f) => f.proto === 'tcp' && !f.quoted)
      .map((f) => fixtureBytes(f))
      .map((b) => b.subarray(20, (b[12] >> 4) * 4))
      .filter((o) => o.length > 0);
    const counts = assertRejectsOnlyWithDecodeError({
      random: fc.uint8Array({ maxLength: 40, size: 'max' }),
      valid,
      decode: (b) => {
        const opts = decodeTcpOptions(b, 0, b.length);
        tcpOptionNodes(b, 0, b.length);
        const out = new Uint8Array(tcpOptionsLength(opts));
        writeTcpOptions(opts, out, 0);
        if (formatBytes(out) !== formatBytes(b)) throw new Error(`rewritten as ${formatBytes(out)}`);
      },
    });
    console.log(`tcp options property: ${JSON.stringify(counts)}, ${valid.length} corpus option areas`);
  });
});
