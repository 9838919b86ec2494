import type { DissectorSet } from '@cnikit/wire';
import { VxlanPort } from './constants.js';
import { dissectVxlanGpe } from './dissect-gpe.js';
import { dissectVxlan } from './dissect-vxlan.js';
import { vxlanFields } from './field-descriptions.js';

export { dissectVxlanGpe } from './dissect-gpe.js';
export { dissectVxlan } from './dissect-vxlan.js';

/**
 * Dissectors with VXLAN bound to each of `ports` and VXLAN-GPE to each of `gpePorts` in the
 * `udp.port` table, e.g. `vxlanDissectorsForPorts([4789, 8472])` for flannel's port as well.
 */
export function vxlanDissectorsForPorts(
  ports: readonly number[],
  gpePorts: readonly number[] = [VxlanPort.GPE],
): DissectorSet {
  return {
    layers: { vxlan: dissectVxlan, vxlan_gpe: dissectVxlanGpe },
    fields: vxlanFields,
    bindings: [
      ...ports.map((key) => ({ table: 'udp.port', key, layer: 'vxlan' })),
      ...gpePorts.map((key) => ({ table: 'udp.port', key, layer: 'vxlan_gpe' })),
    ],
  };
}

/** VXLAN on UDP 4789 and VXLAN-GPE on 4790, as Wireshark binds them by default. */
export const vxlanDissectors: DissectorSet = /* @__PURE__ */ vxlanDissectorsForPorts([VxlanPort.IANA]);
