import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module example, run as-is
import { walkthrough } from './walkthrough.mjs';

describe('examples/vxlan-walkthrough', () => {
  const lines: string[] = [];
  walkthrough((line: string) => lines.push(...line.split('\n')));
  const text = lines.join('\n');

  it('floods the ARP request to both other nodes and shows the outer layers', () => {
    expect(text).toContain('Step 2: VTEP A: flood to 192.168.50.2, 192.168.50.3 (all-zeros FDB entry)');
    expect(lines).toContain('    VXLAN Network Identifier (VNI): 42');
    expect(lines).toContain('    Destination Port: 4789');
    // the VXLAN header sits at byte 42 of the outer frame: flags word, then the VNI at 46
    expect(
      lines.some((l) => /^002a {2}08 00 +vxlan\.flags = 0x0800, VXLAN Network ID \(VNI\)$/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /^002e {2}00 00 2a +vxlan\.vni = 42$/.test(l))).toBe(true);
  });

  it('learns pod A on both remotes and delivers the ping unchanged', () => {
    expect(text).toContain(
      'VTEP 192.168.50.2: delivered=true learned=learned 0a:58:0a:f4:00:05 → 192.168.50.1',
    );
    expect(text).toContain(
      'VTEP 192.168.50.3: delivered=true learned=learned 0a:58:0a:f4:00:05 → 192.168.50.1',
    );
    expect(text).toContain('inner frame identical to what pod A sent: true');
  });

  it('sends the reply unicast and ends with VTEP A having learned pod B', () => {
    expect(text).toContain('VTEP B: unicast to 192.168.50.1');
    expect(text).toContain('VTEP A: delivered=true learned=learned; FDB of VTEP A:');
    expect(lines).toContain('  00:00:00:00:00:00 dst 192.168.50.2 192.168.50.3 permanent');
    expect(lines).toContain('  0a:58:0a:f4:00:07 dst 192.168.50.2');
    expect(text).not.toContain('!!');
  });
});
