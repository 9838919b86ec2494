/**
 * The writers' contract (issue #11, bug 5) for this package: each works with only its required
 * fields, writes a left-out field as its default (the same bytes as giving it), and answers an
 * out-of-range value with a RangeError naming the field.
 */
import { encodeEncapsulated, encodeVxlan, encodeVxlanGpe, VxlanFlag, writeVxlanGbp } from '@cnikit/vxlan';
import { parseIpv4, parseMac } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

const INNER = new Uint8Array(60).fill(0x11);

describe('vxlan writers called with only their required fields', () => {
  it('encodeVxlan({ vni }) equals the header with I set and zero reserved fields', () => {
    expect(encodeVxlan({ vni: 42 })).toEqual(
      encodeVxlan({ vni: 42, flags: VxlanFlag.Instance, groupPolicyId: 0, reserved8: 0 }),
    );
    expect([...encodeVxlan({ vni: 42 })]).toEqual([0x08, 0, 0, 0, 0, 0, 42, 0]);
  });

  it('writeVxlanGbp({ vni, groupPolicyId }) leaves D and A clear', () => {
    const a = new Uint8Array(8);
    const b = new Uint8Array(8);
    writeVxlanGbp({ vni: 7, groupPolicyId: 0x1234 }, a);
    writeVxlanGbp({ vni: 7, groupPolicyId: 0x1234, dontLearn: false, policyApplied: false }, b);
    expect(a).toEqual(b);
    expect([...a]).toEqual([0x88, 0, 0x12, 0x34, 0, 0, 7, 0]);
  });

  it('encodeVxlanGpe({ vni, nextProtocol }) equals version 0, I and P set', () => {
    expect(encodeVxlanGpe({ vni: 9, nextProtocol: 3 })).toEqual(
      encodeVxlanGpe({ vni: 9, nextProtocol: 3, version: 0, flags: 0x0c, reserved16: 0, reserved8: 0 }),
    );
  });

  it('encodeEncapsulated takes text addresses and defaults the rest', () => {
    const text = encodeEncapsulated(INNER, {
      srcMac: '02:00:00:00:00:01',
      dstMac: '02:00:00:00:00:02',
      src: '10.0.0.1',
      dst: '10.0.0.2',
      vni: 1,
    });
    const bytes = encodeEncapsulated(INNER, {
      srcMac: parseMac('02:00:00:00:00:01'),
      dstMac: parseMac('02:00:00:00:00:02'),
      src: parseIpv4('10.0.0.1'),
      dst: parseIpv4('10.0.0.2'),
      vni: 1,
    });
    expect(text).toEqual(bytes);
    expect(text.length).toBe(50 + INNER.length);
  });

  it('out of range: a RangeError naming the field', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => encodeVxlan({ vni: 1 << 24 }), /vni/],
      [() => writeVxlanGbp({ vni: 1, groupPolicyId: 0x10000 }, new Uint8Array(8)), /groupPolicyId/],
      [() => encodeVxlanGpe({ vni: 1, nextProtocol: 256 }), /nextProtocol/],
      [
        () =>
          encodeEncapsulated(INNER, {
            srcMac: 'x',
            dstMac: '02:00:00:00:00:02',
            src: '10.0.0.1',
            dst: '10.0.0.2',
            vni: 1,
          }),
        /srcMac|MAC/,
      ],
    ];
    for (const [call, field] of bad) {
      expect(call, String(call)).toThrow(RangeError);
      expect(call, String(call)).toThrow(field);
    }
  });
});
