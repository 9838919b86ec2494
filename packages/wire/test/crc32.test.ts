import { crc32, parseBytes, verifyEthernetFcs } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('crc32 (IEEE 802.3)', () => {
  it('gives the standard check value and known vectors', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // zlib.crc32 / Python binascii.crc32 values.
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(Uint8Array.of(0))).toBe(0xd202ef8d);
    expect(crc32(ascii('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });

  it('verifies an Ethernet FCS as tshark 4.0.17 does (eth.check_fcs: good 0x699199d7, bad 0xdeadbeef)', () => {
    // A 60-byte IPv4/UDP frame padded with zeros, then its FCS (eth.fcs 0x699199d7); tshark
    // -o eth.check_fcs:TRUE on it in a pcap with FCS length 4: eth.fcs.status 1 (good).
    const frame = parseBytes(
      '02000000000202000000000108004500001e00010000401166cc0a0000010a00000203e807d0000a0000686900000000' +
        '000000000000000000000000699199d7',
    );
    expect(frame.length).toBe(64);
    expect(verifyEthernetFcs(frame, 0, 60)).toBe(true);
    const bad = frame.slice();
    bad.set([0xde, 0xad, 0xbe, 0xef], 60);
    expect(verifyEthernetFcs(bad, 0, 60)).toBe(false);
  });
});
