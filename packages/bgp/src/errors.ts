import { DecodeError, type DecodeErrorCode } from '@cnikit/wire';

/**
 * What RFC 7606 tells a receiver to do about a malformed message: reset the session, disable the
 * AFI/SAFI, treat the UPDATE's routes as withdrawn, or drop the one attribute.
 */
export type ErrorAction = 'session-reset' | 'afisafi-disable' | 'treat-as-withdraw' | 'attribute-discard';

/** The NOTIFICATION RFC 4271 §6 says to send for an error. */
export interface NotificationFor {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

const NO_DATA = new Uint8Array(0);

/**
 * A DecodeError from a BGP decoder, with the NOTIFICATION (RFC 4271 §6) and the RFC 7606 action.
 * `attributeType` is set for errors inside one path attribute.
 */
export class BgpDecodeError extends DecodeError {
  constructor(
    code: DecodeErrorCode,
    offset: number,
    reason: string,
    readonly notification: NotificationFor,
    readonly action: ErrorAction,
    readonly attributeType?: number,
  ) {
    super(code, 'bgp', offset, reason);
  }
}

export function bgpError(
  code: DecodeErrorCode,
  offset: number,
  reason: string,
  notifyCode: number,
  notifySubcode: number,
  action: ErrorAction,
  data: Uint8Array = NO_DATA,
  attributeType?: number,
): BgpDecodeError {
  return new BgpDecodeError(
    code,
    offset,
    reason,
    { code: notifyCode, subcode: notifySubcode, data },
    action,
    attributeType,
  );
}

/** A message-level error that tears the session down (RFC 4271 §6.1–6.3). */
export function sessionError(
  code: DecodeErrorCode,
  offset: number,
  reason: string,
  notifyCode: number,
  notifySubcode: number,
  data: Uint8Array = NO_DATA,
): BgpDecodeError {
  return bgpError(code, offset, reason, notifyCode, notifySubcode, 'session-reset', data);
}
