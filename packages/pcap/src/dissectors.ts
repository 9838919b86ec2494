import type { DissectorSet } from '@cnikit/wire';
import { pcapLinkFields } from './link-fields.js';
import { dissectLoop, dissectNull, nullBindings } from './null-loopback.js';
import { dissectSll, sllBindings } from './sll.js';
import { dissectSll2, sll2Bindings } from './sll2.js';

/**
 * Link layers of capture files that @cnikit/ethernet does not cover: Linux cooked v1/v2 and BSD
 * loopback, bound in table `link` by LINKTYPE. They hand over to `ethertype` (NULL/LOOP map the
 * AF_* family to the IPv4/IPv6 EtherType). Compose with `ethernetDissectors` for the IP layers.
 */
export const pcapLinkDissectors: DissectorSet = {
  layers: { sll: dissectSll, sll2: dissectSll2, null: dissectNull, loop: dissectLoop },
  bindings: [...sllBindings, ...sll2Bindings, ...nullBindings],
  fields: pcapLinkFields,
};
