import { readU16, readU32 } from '@cnikit/wire';
import { AS_TRANS, AsPathSegmentType } from './constants.js';

export interface AsPathSegment {
  /** 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET. */
  readonly type: number;
  readonly asns: readonly number[];
}

/** Why an AS_PATH's bytes are malformed (RFC 7606 §7.2), or undefined when they are well formed. */
export function asPathProblem(
  b: Uint8Array,
  start: number,
  end: number,
  asSize: number,
  confedAllowed: boolean,
): string | undefined {
  let at = start;
  while (at < end) {
    if (at + 2 > end) return 'segment header cut short';
    const type = b[at];
    const count = b[at + 1];
    if (type < 1 || type > 4) return `segment type ${type}`;
    if (!confedAllowed && type > 2) return 'confederation segment in AS4_PATH';
    if (count === 0) return 'empty segment';
    at += 2 + count * asSize;
    if (at > end) return 'segment overruns the attribute';
  }
  return undefined;
}

/** Reads well-formed segments (check with asPathProblem first). */
export function decodeAsPath(b: Uint8Array, start: number, end: number, asSize: number): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  let at = start;
  while (at < end) {
    const type = b[at];
    const count = b[at + 1];
    at += 2;
    const asns: number[] = new Array(count);
    for (let i = 0; i < count; i++, at += asSize) asns[i] = asSize === 4 ? readU32(b, at) : readU16(b, at);
    out.push({ type, asns });
  }
  return out;
}

/** RFC 4271 §9.1.2.2 path length: an AS_SET counts 1, confederation segments 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AsSequence) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AsSet) n += 1;
  }
  return n;
}

/**
 * The AS path a 4-octet speaker reconstructs from a 2-octet peer's AS_PATH and AS4_PATH (RFC 6793
 * §4.2.3). `aggregatorAsn`: when an AGGREGATOR is present with an AS other than AS_TRANS and an
 * AS4_AGGREGATOR too, AS4_PATH is ignored.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[] | undefined,
  aggregator?: { readonly asn: number; readonly hasAs4Aggregator: boolean },
): AsPathSegment[] {
  if (!as4Path) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  if (aggregator?.hasAs4Aggregator && aggregator.asn !== AS_TRANS) return mergeAs4Path(asPath, undefined);
  const total = asPathLength(asPath);
  const total4 = asPathLength(as4Path);
  if (total < total4) return mergeAs4Path(asPath, undefined);
  // Keep the leading (total - total4) ASes of AS_PATH (confederation segments kept whole), then AS4_PATH.
  let keep = total - total4;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (s.type === AsPathSegmentType.AsConfedSequence || s.type === AsPathSegmentType.AsConfedSet) {
      out.push({ type: s.type, asns: [...s.asns] });
      continue;
    }
    if (keep === 0) break;
    if (s.type === AsPathSegmentType.AsSet) {
      out.push({ type: s.type, asns: [...s.asns] });
      keep -= 1;
    } else {
      const n = Math.min(keep, s.asns.length);
      out.push({ type: s.type, asns: s.asns.slice(0, n) });
      keep -= n;
    }
  }
  for (const s of as4Path) out.push({ type: s.type, asns: [...s.asns] });
  return out;
}

/** `65001 65002 {65003,65004} (65005)` as Wireshark and BIRD print paths. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const list = s.asns.join(
        s.type === AsPathSegmentType.AsSet || s.type === AsPathSegmentType.AsConfedSet ? ',' : ' ',
      );
      if (s.type === AsPathSegmentType.AsSet) return `{${list}}`;
      if (s.type === AsPathSegmentType.AsConfedSequence) return `(${list})`;
      if (s.type === AsPathSegmentType.AsConfedSet) return `[${list}]`;
      return list;
    })
    .join(' ');
}
