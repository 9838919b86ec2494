import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module example, run as-is
import { speakers } from './speakers.mjs';

describe('examples/bgp-speakers', () => {
  it('negotiates, prints both OPENs dissected, passes a route and shuts down with a message', async () => {
    const lines: string[] = [];
    await speakers((line: string) => lines.push(...line.split('\n')));
    const text = lines.join('\n');
    expect(lines.slice(0, 4)).toEqual([
      'B ↔ 127.0.0.1: Idle → Connect',
      'B ↔ 127.0.0.1: Connect → OpenSent',
      'B ↔ 127.0.0.1: OpenSent → OpenConfirm',
      'B ↔ 127.0.0.1: OpenConfirm → Established',
    ]);
    // Both OPENs, as the dissector names their fields.
    expect(text).toContain('B sent (');
    expect(text).toContain('A sent (');
    expect(lines.filter((l) => l === 'Border Gateway Protocol - OPEN Message')).toHaveLength(2);
    expect(lines.filter((l) => l.trim() === 'My AS: 65002')).toHaveLength(1);
    expect(lines.filter((l) => l.trim() === 'My AS: 65001')).toHaveLength(1);
    expect(lines.filter((l) => l.trim() === 'Hold Time: 90')).toHaveLength(1);
    expect(lines.filter((l) => l.trim() === 'Hold Time: 30')).toHaveLength(1);
    expect(lines.filter((l) => l.trim() === 'BGP Identifier: 192.0.2.1')).toHaveLength(1);
    expect(text).toContain(
      'negotiated: hold 30 s, keepalive 10 s, 4-octet AS true, families ipv4-unicast ipv6-unicast',
    );
    expect(text).toContain("B's best path to 10.42.0.0/24: via 127.0.0.1, AS path 65001, MED 10, 65001:42");
    expect(text).toContain(
      'B: peer down (NOTIFICATION received): Cease 6/2 "maintenance: back in 10 minutes"',
    );
    expect(text).toContain("B's Loc-RIB now holds 0 routes");
  });
});
