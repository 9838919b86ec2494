import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import { errnoName } from './errno.js';
import { readHostI32 } from './host-order.js';
import type { NetlinkMessage } from './message.js';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from './netlink-constants.js';

/** The policy the kernel says an attribute broke (NLMSGERR_ATTR_POLICY, enum netlink_policy_type_attr). */
export interface ExtAckPolicy {
  type?: number;
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
  policyIndex?: number;
  maxType?: number;
  mask?: number;
}

/** Extended acknowledgement attributes (NETLINK_EXT_ACK). */
export interface ExtAck {
  /** The kernel's text, e.g. "Unknown device type". */
  message?: string;
  /** Byte offset, in the request, of the attribute that was refused. */
  offset?: number;
  policy?: ExtAckPolicy;
  /** A missing attribute's type (and the nest it was missing in). */
  missingType?: number;
  missingNest?: number;
  cookie?: Uint8Array;
}

/** An NLMSG_ERROR (or NLMSG_DONE) payload: 0 is an acknowledgement, else -errno. */
export interface ErrorPayload {
  /** 0 or a negative errno. */
  error: number;
  extAck: ExtAck;
}

const POLICY_FIELDS: Record<number, keyof ExtAckPolicy> = {
  1: 'type',
  2: 'minValue',
  3: 'maxValue',
  4: 'minValue',
  5: 'maxValue',
  6: 'minLength',
  7: 'maxLength',
  8: 'policyIndex',
  9: 'maxType',
  12: 'mask',
};

function readExtAck(msg: NetlinkMessage, tlvStart: number): ExtAck {
  const ack: ExtAck = {};
  const c = new AttributeCursor(msg.buf, tlvStart, msg.end, 'netlink.ext_ack');
  while (c.next()) {
    switch (c.type) {
      case NLMSGERR_ATTR_MSG:
        ack.message = c.string();
        break;
      case NLMSGERR_ATTR_OFFS:
        ack.offset = c.u32();
        break;
      case NLMSGERR_ATTR_COOKIE:
        ack.cookie = c.value.slice();
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        ack.missingType = c.u32();
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        ack.missingNest = c.u32();
        break;
      case NLMSGERR_ATTR_POLICY: {
        const policy: ExtAckPolicy = {};
        const p = c.nested();
        while (p.next()) {
          const field = POLICY_FIELDS[p.type];
          if (field) policy[field] = p.type === 2 || p.type === 3 ? signed(p) : p.uint();
        }
        ack.policy = policy;
        break;
      }
    }
  }
  return ack;
}

function signed(c: AttributeCursor): number {
  if (c.length === 8) {
    const u = c.u64();
    return u >= 2 ** 63 ? u - 2 ** 64 : u;
  }
  return c.i32();
}

/** Decodes an NLMSG_ERROR message's payload (struct nlmsgerr + extended-ack TLVs). */
export function decodeErrorMessage(msg: NetlinkMessage): ErrorPayload {
  const p = msg.payloadStart;
  if (msg.end - p < 4)
    throw new DecodeError('truncated', 'netlink.error', p, 'NLMSG_ERROR without its error code');
  const error = readHostI32(msg.buf, p);
  let extAck: ExtAck = {};
  if (msg.flags & NLM_F_ACK_TLVS) {
    // The echoed request: its header only when capped (or an ack), else the whole message.
    if (msg.end - p < 4 + NLMSG_HDRLEN) {
      throw new DecodeError('truncated', 'netlink.error', p + 4, 'NLMSG_ERROR without the request header');
    }
    const echoedLen = msg.flags & NLM_F_CAPPED || error === 0 ? NLMSG_HDRLEN : readHostI32(msg.buf, p + 4);
    const tlv = p + 4 + ((echoedLen + 3) & ~3);
    if (echoedLen < NLMSG_HDRLEN || tlv > msg.end) {
      throw new DecodeError(
        'bad-length',
        'netlink.error',
        p + 4,
        `echoed request length ${echoedLen} does not fit`,
      );
    }
    extAck = readExtAck(msg, tlv);
  }
  return { error, extAck };
}

/** Decodes an NLMSG_DONE payload (int error, then extended-ack TLVs when flagged); empty means 0. */
export function decodeDoneMessage(msg: NetlinkMessage): ErrorPayload {
  const p = msg.payloadStart;
  if (msg.end - p < 4) return { error: 0, extAck: {} };
  const error = readHostI32(msg.buf, p);
  return { error, extAck: msg.flags & NLM_F_ACK_TLVS ? readExtAck(msg, p + 4) : {} };
}

/**
 * The kernel refused a request: `code` is the errno name (`EEXIST`, `ENODEV`, …), `extAck` holds
 * its extended-ack text/offset/policy, `request` the bytes that failed and `operation` their name.
 */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  readonly code: string;
  constructor(
    readonly errno: number,
    readonly extAck: ExtAck = {},
    readonly request?: Uint8Array,
    readonly operation?: string,
  ) {
    const code = errnoName(errno);
    super(
      `${operation ? `${operation}: ` : ''}${code}${extAck.message ? `: ${extAck.message}` : ''}` +
        (extAck.offset !== undefined ? ` (attribute at byte ${extAck.offset})` : ''),
    );
    this.code = code;
  }
}

/** A dump changed while it was read (NLM_F_DUMP_INTR) and was not retried: what arrived may be inconsistent. */
export class DumpInterruptedError extends Error {
  override readonly name = 'DumpInterruptedError';
  readonly code = 'EDUMPINTR';
  constructor(
    readonly operation: string,
    readonly attempts: number,
  ) {
    super(
      `${operation}: the dump was interrupted by a concurrent change (NLM_F_DUMP_INTR) ${attempts} time(s)`,
    );
  }
}

/** A socket was used after `close()`. */
export class NetlinkClosedError extends Error {
  override readonly name = 'NetlinkClosedError';
  readonly code = 'ECLOSED';
  constructor(what = 'netlink socket') {
    super(`${what} is closed`);
  }
}

/** A system call of the addon failed (open of a namespace path, socket, setns, ENOBUFS on receive…). */
export class NetlinkSystemError extends Error {
  override readonly name = 'NetlinkSystemError';
  constructor(
    readonly code: string,
    readonly syscall: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }

  static from(e: unknown): NetlinkSystemError | unknown {
    if (e instanceof Error && typeof (e as { syscall?: unknown }).syscall === 'string') {
      const x = e as Error & { code: string; syscall: string; path?: string };
      return new NetlinkSystemError(x.code, x.syscall, x.message, x.path);
    }
    return e;
  }
}
