import { ethernetDissectors } from '@cnikit/ethernet';
import {
  composeDissectors,
  DecodeError,
  dissect,
  findField,
  formatTree,
  LINK_TABLE,
  parseBytes,
  walkNodes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const registry = composeDissectors(ethernetDissectors);
const frame = (text: string) => parseBytes(text.replace(/\s+/g, ''));
const IPV4_UDP = '4500001c 00000000 4011 0000 0a000001 0a000002 0035 1f90 0008 0000';

describe('ethernetDissectors', () => {
  it('binds every table key of the package to a layer it provides', () => {
    const keys = (table: string) =>
      ethernetDissectors.bindings
        .filter((b) => b.table === table)
        .map((b) => `${b.key}→${b.layer}`)
        .sort();
    expect(keys('link')).toEqual(['101→raw', '1→eth', '228→ip', '229→ipv6']);
    expect(keys('ethertype')).toEqual([
      '2048→ip',
      '2054→arp',
      '33024→vlan',
      '34525→ipv6',
      '34984→ieee8021ad',
    ]);
    expect(keys('ip.proto')).toEqual(['17→udp', '1→icmp', '2→igmp', '41→ipv6', '4→ip', '58→icmpv6', '6→tcp']);
    expect(keys('ip.version')).toEqual(['4→ip', '6→ipv6']);
    for (const b of ethernetDissectors.bindings)
      expect(Object.keys(ethernetDissectors.layers)).toContain(b.layer);
  });

  it('dissects a stacked-tag UDP frame layer by layer, with Wireshark field names', () => {
    const f = frame(`ffffffffffff 020000000001 88a8 00c8 8100 0064 0800 ${IPV4_UDP} abcd`);
    const { layers, malformed } = dissect(registry, f);
    expect(malformed).toBeUndefined();
    expect(layers.map((l) => l.field)).toEqual(['eth', 'ieee8021ad', 'vlan', 'ip', 'udp']);
    expect(findField(layers, 'vlan.id')?.value).toBe(100);
    expect(findField(layers, 'ieee8021ad.id')?.value).toBe(200);
    expect(findField(layers, 'ip.src')?.value).toBe('10.0.0.1');
    expect(findField(layers, 'udp.dstport')?.value).toBe(8080);
    expect(formatTree(layers)).toContain('User Datagram Protocol');
  });

  it('starts from the raw-IP link types', () => {
    const f = frame(IPV4_UDP);
    for (const linkType of [101, 228]) {
      const { layers } = dissect(registry, f, { table: LINK_TABLE, key: linkType });
      expect(layers.map((l) => l.field).filter((n) => n !== 'raw')).toEqual(['ip', 'udp']);
    }
  });

  it('keeps the layers before a malformed one and names where it broke', () => {
    const f = frame(`ffffffffffff 020000000001 0800 ${IPV4_UDP}`).subarray(0, 30);
    const { layers, malformed } = dissect(registry, f);
    expect(layers.map((l) => l.field)).toEqual(['eth']);
    expect(malformed).toBeInstanceOf(DecodeError);
    expect([malformed?.layer, malformed?.offset]).toEqual(['ip', 14]);
  });

  it('returns for any bytes, with every node inside them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.constantFrom(1, 101, 228, 229), (bytes, linkType) => {
        const { layers, malformed } = dissect(registry, bytes, { table: LINK_TABLE, key: linkType });
        if (malformed !== undefined && !(malformed instanceof DecodeError)) return false;
        for (const n of walkNodes(layers))
          if (n.offset < 0 || n.offset + n.length > bytes.length) return false;
        return true;
      }),
      { numRuns: 20_000 },
    );
  });
});
