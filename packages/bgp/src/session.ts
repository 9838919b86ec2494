/** An address family: AFI and SAFI. */
export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/** Which way ADD-PATH path identifiers flow for a family (RFC 7911 §4). */
export type AddPathDirection = 'receive' | 'send' | 'both';

/**
 * What was negotiated on a session, which decides how UPDATEs are read and written. Decoders use
 * the `receive` side of ADD-PATH, writers the `send` side. Absent fields: 4-octet AS on, no
 * ADD-PATH, no extended messages, eBGP.
 */
export interface BgpSession {
  /** Both sides sent capability 65 (RFC 6793): AS numbers in AS_PATH and AGGREGATOR are 4 octets. */
  readonly fourOctetAs?: boolean;
  readonly addPath?: readonly (AfiSafi & { readonly direction: AddPathDirection })[];
  /** Both sides sent capability 6 (RFC 8654): messages up to 65,535 octets. */
  readonly extendedMessage?: boolean;
  /** The peer is in our AS: RFC 7606 treats some errors differently. */
  readonly ibgp?: boolean;
}

export const DEFAULT_SESSION: BgpSession = Object.freeze({});

/** Whether path identifiers are present on `afi`/`safi` in the given direction. */
export function hasAddPath(session: BgpSession, afi: number, safi: number, reading: boolean): boolean {
  const list = session.addPath;
  if (!list) return false;
  for (const a of list) {
    if (a.afi === afi && a.safi === safi) {
      return a.direction === 'both' || a.direction === (reading ? 'receive' : 'send');
    }
  }
  return false;
}

export function fourOctetAs(session: BgpSession): boolean {
  return session.fourOctetAs !== false;
}
