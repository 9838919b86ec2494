import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { readHostU32 } from './host-order.js';
import { formatAddress, ipBytes, splitPrefix } from './ip-text.js';
import type { NetlinkMessage } from './message.js';
import * as C from './rtnetlink-constants.js';

/** An interface address (RTM_NEWADDR). */
export interface Address {
  /** AF_INET (2) or AF_INET6 (10). */
  family: number;
  index: number;
  prefixLength: number;
  /** IFA_F_* (from IFA_FLAGS when present, which holds all 32 bits). */
  flags: number;
  scope: number;
  /** IFA_ADDRESS: the address, or the peer's on a point-to-point link. */
  address?: string;
  /** IFA_LOCAL: the local address (IPv4). */
  local?: string;
  broadcast?: string;
  label?: string;
  /** Seconds; 0xffffffff is forever. */
  validLifetime?: number;
  preferredLifetime?: number;
}

/** What `addresses.add`/`delete` send. */
export interface AddressSpec {
  index: number;
  /** `10.244.1.0/32`, `fd00::1/64`. */
  address: string;
  /** Point-to-point peer (`peer` in `ip addr add … peer …`). */
  peer?: string;
  broadcast?: string;
  label?: string;
  flags?: number;
  scope?: number;
  validLifetime?: number;
  preferredLifetime?: number;
}

export const IFADDRMSG_LEN = 8;

export function writeAddressRequest(b: MessageBuilder, a: AddressSpec): void {
  const p = splitPrefix(a.address);
  const at = b.reserve(IFADDRMSG_LEN);
  b.u8At(at, p.family);
  b.u8At(at + 1, p.length);
  b.u8At(at + 2, (a.flags ?? 0) & 0xff);
  b.u8At(at + 3, a.scope ?? 0);
  b.u32At(at + 4, a.index);
  // As iproute2: IFA_LOCAL is the address, IFA_ADDRESS the peer (or the address again).
  b.bytes(C.IFA_LOCAL, p.bytes);
  b.bytes(C.IFA_ADDRESS, a.peer !== undefined ? ipBytes(a.peer).bytes : p.bytes);
  if (a.broadcast !== undefined) b.bytes(C.IFA_BROADCAST, ipBytes(a.broadcast).bytes);
  if (a.label !== undefined) b.string(C.IFA_LABEL, a.label);
  if (a.flags !== undefined && a.flags > 0xff) b.u32(C.IFA_FLAGS, a.flags);
  if (a.validLifetime !== undefined || a.preferredLifetime !== undefined) {
    const ci = b.attrSpace(C.IFA_CACHEINFO, 16);
    b.u32At(ci, a.preferredLifetime ?? a.validLifetime ?? 0xffffffff);
    b.u32At(ci + 4, a.validLifetime ?? 0xffffffff);
  }
}

export function decodeAddress(m: NetlinkMessage): Address {
  const p = m.payloadStart;
  if (m.end - p < IFADDRMSG_LEN)
    throw new DecodeError('truncated', 'rtnetlink.addr', p, 'ifaddrmsg needs 8 bytes');
  const b = m.buf;
  const a: Address = {
    family: b[p],
    prefixLength: b[p + 1],
    flags: b[p + 2],
    scope: b[p + 3],
    index: readHostU32(b, p + 4),
  };
  const c = new AttributeCursor(b, p + IFADDRMSG_LEN, m.end, 'rtnetlink.addr');
  while (c.next()) {
    switch (c.type) {
      case C.IFA_ADDRESS:
        a.address = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFA_LOCAL:
        a.local = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFA_BROADCAST:
        a.broadcast = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFA_LABEL:
        a.label = c.string();
        break;
      case C.IFA_FLAGS:
        a.flags = c.u32();
        break;
      case C.IFA_CACHEINFO:
        if (c.length >= 8) {
          a.preferredLifetime = readHostU32(b, c.valueStart);
          a.validLifetime = readHostU32(b, c.valueStart + 4);
        }
        break;
    }
  }
  return a;
}
