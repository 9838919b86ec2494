import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { readHostU32 } from './host-order.js';
import { formatAddress, splitPrefix } from './ip-text.js';
import type { NetlinkMessage } from './message.js';
import { AF_INET, AF_INET6 } from './netlink-constants.js';
import * as C from './rtnetlink-constants.js';

/** A policy routing rule (RTM_NEWRULE, struct fib_rule_hdr + FRA_*). */
export interface Rule {
  family: number;
  dstLength: number;
  srcLength: number;
  tos: number;
  table: number;
  /** FR_ACT_* (1 to table, 2 goto, 3 nop, 6 blackhole, 7 unreachable, 8 prohibit). */
  action: number;
  /** FIB_RULE_* flags (2 = invert, `not`). */
  flags: number;
  priority?: number;
  src?: string;
  dst?: string;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  goto?: number;
  protocol?: number;
}

export interface RuleSpec {
  family?: 4 | 6;
  priority?: number;
  /** Main (254) unless told. */
  table?: number;
  src?: string;
  dst?: string;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  /** FR_ACT_TO_TBL (1) unless told. */
  action?: number;
  invert?: boolean;
  tos?: number;
}

export const FIB_RULE_HDR_LEN = 12;

export function writeRuleRequest(b: MessageBuilder, r: RuleSpec, forDelete = false): void {
  const src = r.src ? splitPrefix(r.src) : undefined;
  const dst = r.dst ? splitPrefix(r.dst) : undefined;
  const family = src?.family ?? dst?.family ?? (r.family === 6 ? AF_INET6 : AF_INET);
  const table = r.table ?? (forDelete ? 0 : C.RT_TABLE_MAIN);
  const at = b.reserve(FIB_RULE_HDR_LEN);
  b.u8At(at, family);
  b.u8At(at + 1, dst?.length ?? 0);
  b.u8At(at + 2, src?.length ?? 0);
  b.u8At(at + 3, r.tos ?? 0);
  b.u8At(at + 4, table < 256 ? table : 0);
  b.u8At(at + 7, r.action ?? (forDelete && r.table === undefined ? 0 : 1));
  b.u32At(at + 8, r.invert ? 2 : 0);
  if (table >= 256) b.u32(C.FRA_TABLE, table);
  if (r.priority !== undefined) b.u32(C.FRA_PRIORITY, r.priority);
  if (src) b.bytes(C.FRA_SRC, src.bytes);
  if (dst) b.bytes(C.FRA_DST, dst.bytes);
  if (r.iifname !== undefined) b.string(C.FRA_IIFNAME, r.iifname);
  if (r.oifname !== undefined) b.string(C.FRA_OIFNAME, r.oifname);
  if (r.fwmark !== undefined) b.u32(C.FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) b.u32(C.FRA_FWMASK, r.fwmask);
}

export function decodeRule(m: NetlinkMessage): Rule {
  const p = m.payloadStart;
  if (m.end - p < FIB_RULE_HDR_LEN)
    throw new DecodeError('truncated', 'rtnetlink.rule', p, 'fib_rule_hdr needs 12 bytes');
  const b = m.buf;
  const r: Rule = {
    family: b[p],
    dstLength: b[p + 1],
    srcLength: b[p + 2],
    tos: b[p + 3],
    table: b[p + 4],
    action: b[p + 7],
    flags: readHostU32(b, p + 8),
  };
  const c = new AttributeCursor(b, p + FIB_RULE_HDR_LEN, m.end, 'rtnetlink.rule');
  while (c.next()) {
    switch (c.type) {
      case C.FRA_PRIORITY:
        r.priority = c.u32();
        break;
      case C.FRA_TABLE:
        r.table = c.u32();
        break;
      case C.FRA_SRC:
        r.src = `${formatAddress(b, c.valueStart, c.valueEnd)}/${r.srcLength}`;
        break;
      case C.FRA_DST:
        r.dst = `${formatAddress(b, c.valueStart, c.valueEnd)}/${r.dstLength}`;
        break;
      case C.FRA_IIFNAME:
        r.iifname = c.string();
        break;
      case C.FRA_OIFNAME:
        r.oifname = c.string();
        break;
      case C.FRA_FWMARK:
        r.fwmark = c.u32();
        break;
      case C.FRA_FWMASK:
        r.fwmask = c.u32();
        break;
      case C.FRA_GOTO:
        r.goto = c.u32();
        break;
      case C.FRA_PROTOCOL:
        r.protocol = c.u8();
        break;
    }
  }
  return r;
}
