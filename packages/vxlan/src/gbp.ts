import { checkUint } from '@cnikit/wire';
import { MAX_VNI } from './constants.js';
import { VxlanFlag, type VxlanHeader, type VxlanPacket, writeVxlan } from './vxlan-header.js';

/**
 * VXLAN Group Based Policy (draft-smith-vxlan-group-policy; Linux `ip link … vxlan gbp`):
 *
 * ```
 *  |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
 *  |          VXLAN Network Identifier (VNI)       |   Reserved    |
 * ```
 *
 * G: Group Policy ID present; D: don't learn the inner source MAC; A: policy already applied.
 */
export interface VxlanGbpHeader {
  vni: number;
  groupPolicyId: number;
  dontLearn?: boolean;
  policyApplied?: boolean;
}

/** The GBP reading of a VXLAN header view, or undefined when its G flag is clear. */
export function readGbp(v: VxlanPacket): Required<VxlanGbpHeader> | undefined {
  if (!v.hasGroupPolicy) return undefined;
  return {
    vni: v.vni,
    groupPolicyId: v.groupPolicyId,
    dontLearn: v.dontLearn,
    policyApplied: v.policyApplied,
  };
}

/** The plain VXLAN header a GBP header is written as (G and I set). */
export function gbpToVxlanHeader(h: VxlanGbpHeader): VxlanHeader {
  checkUint('vni', h.vni, MAX_VNI, 'vxlan');
  checkUint('groupPolicyId', h.groupPolicyId, 0xffff, 'vxlan');
  let flags = VxlanFlag.Instance | VxlanFlag.GroupPolicy;
  if (h.dontLearn) flags |= VxlanFlag.DontLearn;
  if (h.policyApplied) flags |= VxlanFlag.PolicyApplied;
  return { flags, groupPolicyId: h.groupPolicyId, vni: h.vni, reserved8: 0 };
}

export function writeVxlanGbp(h: VxlanGbpHeader, out: Uint8Array, offset = 0): number {
  return writeVxlan(gbpToVxlanHeader(h), out, offset);
}
