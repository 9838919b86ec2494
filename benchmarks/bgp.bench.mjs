/**
 * @cnikit/bgp hot path (issue #9, requirement 6 case (a)): decode an UPDATE with 1,000 IPv4 /24
 * NLRI and ORIGIN, AS_PATH (5 ASNs), NEXT_HOP, MED, COMMUNITIES (3) and LARGE_COMMUNITY (1),
 * read every attribute value and walk every prefix. Ours: UpdateView (header and length checks),
 * AttributeCursor and NlriCursor, allocation-free. Reference: a hand-written walk of the same
 * bytes with the same checks a decoder needs (lengths, prefix lengths), the practical limit.
 * The GoBGP peer (ParseBGPMessage) and cases (b)-(d) are not written yet.
 */
import { AttributeCursor, buildUpdate, community, encodeMessage, NlriCursor, UpdateView } from '@cnikit/bgp';
import { FrameRing } from './harness/frames.mjs';

function caseAUpdate() {
  const prefixes = [];
  for (let i = 0; i < 1000; i++) prefixes.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
  return encodeMessage(
    buildUpdate(prefixes, {
      nextHop: '192.0.2.1',
      asPath: [65001, 65002, 65003, 65004, 65005],
      med: 50,
      communities: [community(65001, 1), community(65001, 2), community(65001, 3)],
      largeCommunities: [{ global: 65001, local1: 7, local2: 9 }],
    }),
    { fourOctetAs: true },
  );
}

const SESSION = { fourOctetAs: true };

/** Sums every attribute value field and every prefix (address + length), through our cursors. */
function makeOurs(ring) {
  const view = new UpdateView();
  const attrs = new AttributeCursor();
  const nlri = new NlriCursor();
  let i = 0;
  return () => {
    const k = i++ & ring.mask;
    view.bind(ring.buf, ring.starts[k], ring.ends[k], SESSION);
    const b = view.buf;
    let sum = 0;
    view.attributeCursor(attrs);
    while (attrs.next()) sum += valueSum(b, attrs.type, attrs.valueStart, attrs.valueEnd);
    view.nlriCursor(nlri);
    while (nlri.next()) sum += nlri.ipv4() + nlri.length;
    // Kept to a small integer so that returning it allocates no heap number (both sides do this).
    return sum % 0x40000000;
  };
}

function u32(b, o) {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** The value fields of the six attribute types in the message, as numbers (shared by both sides). */
function valueSum(b, type, v, end) {
  let sum = 0;
  switch (type) {
    case 1:
      return b[v];
    case 2:
      for (let p = v; p < end; ) {
        const count = b[p + 1];
        sum += b[p];
        for (let j = 0; j < count; j++) sum += u32(b, p + 2 + 4 * j);
        p += 2 + 4 * count;
      }
      return sum;
    case 3:
    case 4:
      return u32(b, v);
    case 8:
    case 32:
      for (let p = v; p < end; p += 4) sum += u32(b, p);
      return sum;
    default:
      return 0;
  }
}

/** The hand-written prefix walk: header length, the two length fields, attributes, NLRI. */
function makeLoop(ring) {
  let i = 0;
  return () => {
    const k = i++ & ring.mask;
    const b = ring.buf;
    const start = ring.starts[k];
    const end = start + ((b[start + 16] << 8) | b[start + 17]);
    if (end > ring.ends[k] || b[start + 18] !== 2) throw new Error('not an UPDATE');
    let at = start + 19;
    const wl = (b[at] << 8) | b[at + 1];
    at += 2 + wl;
    const al = (b[at] << 8) | b[at + 1];
    at += 2;
    const attrEnd = at + al;
    if (attrEnd > end) throw new Error('bad attribute length');
    let sum = 0;
    while (at < attrEnd) {
      const flags = b[at];
      const type = b[at + 1];
      const ext = flags & 0x10;
      const len = ext ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
      const v = at + (ext ? 4 : 3);
      if (v + len > attrEnd) throw new Error('attribute overrun');
      sum += valueSum(b, type, v, v + len);
      at = v + len;
    }
    while (at < end) {
      const bits = b[at];
      if (bits > 32) throw new Error('prefix too long');
      const n = (bits + 7) >> 3;
      if (at + 1 + n > end) throw new Error('prefix overrun');
      let a = 0;
      for (let j = 0; j < n; j++) a |= b[at + 1 + j] << (24 - 8 * j);
      sum += (a >>> 0) + bits;
      at += 1 + n;
    }
    return sum % 0x40000000;
  };
}

export const cases = [
  {
    id: 'bgp-update-1000-ipv4',
    title: '(a) UPDATE with 1,000 IPv4 /24 and 6 attributes: read every value, walk every prefix',
    setup() {
      const ring = new FrameRing(caseAUpdate(), 16);
      return { ours: makeOurs(ring), loop: makeLoop(ring) };
    },
    targets: [{ vs: 'loop', max: 2 }, { allocationFree: 'ours' }],
    allocation: ['ours', 'loop'],
  },
];
