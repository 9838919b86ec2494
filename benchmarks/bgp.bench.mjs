/**
 * @cnikit/bgp hot paths (issue #9, requirement 6), on UPDATEs built by GoBGP
 * (frames/bgp-update-1000-*.hex, see peers/gobgp/frames_test.go) and on 10,000 UPDATEs built by
 * our writer (bgp/updates.mjs):
 *   (a) decode an UPDATE with 1,000 IPv4 /24 NLRI and ORIGIN, AS_PATH (5 ASNs), NEXT_HOP, MED,
 *       COMMUNITIES (3), LARGE_COMMUNITY (1): read every attribute value, walk every prefix;
 *   (b) the same with 1,000 IPv6 /48s in MP_REACH_NLRI (an RFC 8654 extended message);
 *   (c) encode (a) into a caller's buffer;
 *   (d) decode 1,000,000 IPv4 prefixes in 10,000 UPDATEs with varied attributes, counting routes;
 *       peak heap reported.
 * Implementations: `ours` (UpdateView, AttributeCursor with the values read from their offsets,
 * NlriCursor: allocation-free), `ours-decoded` (every attribute through decodeAttributeValue into
 * its plain object, as GoBGP decodes them into structs; prefixes still through the cursor), `loop`
 * (a hand-written walk with the checks a decoder needs, the practical limit) and the `gobgp` peer
 * (ParseBGPMessage / Serialize, peers/gobgp), which reports the routes and the field sum it
 * counted so that the runner checks it read the same values (bgp/sums.mjs).
 */
import {
  AttributeCursor,
  buildUpdate,
  community,
  decodeAttributeValue,
  NlriCursor,
  UpdateView,
  writeUpdate,
} from '@cnikit/bgp';
import { decodedValueSum, ipv6WordsSum, MODULUS, rawValueSum } from './bgp/sums.mjs';
import { buildUpdates, MESSAGES, PREFIXES_PER_MESSAGE, writeUpdatesFile } from './bgp/updates.mjs';
import { FrameRing, readFrame } from './harness/frames.mjs';

const SESSION = { fourOctetAs: true };
const SESSION_EXTENDED = { fourOctetAs: true, extendedMessage: true };

// ---------------------------------------------------------------- ours

/** Sums one bound UPDATE through the cursors, the attribute values read from their offsets. */
function oursSum(view, attrs, nlri) {
  const b = view.buf;
  let sum = 0;
  view.attributeCursor(attrs);
  while (attrs.next()) {
    if (attrs.type === 14)
      sum += rawValueSum(b, 14, attrs.valueStart, attrs.valueEnd) + mpReachPrefixSum(attrs, nlri);
    else sum += rawValueSum(b, attrs.type, attrs.valueStart, attrs.valueEnd);
  }
  view.nlriCursor(nlri);
  while (nlri.next()) sum += nlri.ipv4() + nlri.length;
  return (sum % MODULUS) | 0;
}

/** The same with every attribute but MP_REACH_NLRI decoded by decodeAttributeValue. */
function oursDecodedSum(view, attrs, nlri) {
  const b = view.buf;
  let sum = 0;
  view.attributeCursor(attrs);
  while (attrs.next()) {
    if (attrs.type === 14) {
      sum += rawValueSum(b, 14, attrs.valueStart, attrs.valueEnd) + mpReachPrefixSum(attrs, nlri);
    } else {
      const a = decodeAttributeValue(
        b,
        attrs.flags,
        attrs.type,
        attrs.valueStart,
        attrs.valueEnd,
        attrs.at,
        view.session,
      );
      sum += decodedValueSum(a);
    }
  }
  view.nlriCursor(nlri);
  while (nlri.next()) sum += nlri.ipv4() + nlri.length;
  return (sum % MODULUS) | 0;
}

const V6 = new Uint8Array(16);

/** MP_REACH_NLRI's prefixes through an NlriCursor pointed past AFI, SAFI and the next hop. */
function mpReachPrefixSum(attrs, nlri) {
  const b = attrs.buf;
  const v = attrs.valueStart;
  const afi = (b[v] << 8) | b[v + 1];
  nlri.reset(b, v + 5 + b[v + 3], attrs.valueEnd, afi, b[v + 2], false);
  let sum = 0;
  if (afi === 2) {
    while (nlri.next()) {
      nlri.ipv6Into(V6);
      sum += ipv6WordsSum(V6, 0, 16) + nlri.length;
    }
  } else {
    while (nlri.next()) sum += nlri.ipv4() + nlri.length;
  }
  return (sum % MODULUS) | 0;
}

// Each implementation is its own function literal, so that none shares V8's feedback with another.
function makeOurs(ring, session) {
  const view = new UpdateView();
  const attrs = new AttributeCursor();
  const nlri = new NlriCursor();
  let i = 0;
  return () => {
    const k = i++ & ring.mask;
    view.bind(ring.buf, ring.starts[k], ring.ends[k], session);
    return oursSum(view, attrs, nlri);
  };
}

function makeOursDecoded(ring, session) {
  const view = new UpdateView();
  const attrs = new AttributeCursor();
  const nlri = new NlriCursor();
  let i = 0;
  return () => {
    const k = i++ & ring.mask;
    view.bind(ring.buf, ring.starts[k], ring.ends[k], session);
    return oursDecodedSum(view, attrs, nlri);
  };
}

// ---------------------------------------------------------------- hand-written loop

/** Walks an NLRI field buf[at, end) of `max`-bit prefixes; returns the sum (routes counted in `count`). */
function loopPrefixes(b, at, end, max, count) {
  let sum = 0;
  while (at < end) {
    const bits = b[at];
    if (bits > max) throw new Error('prefix too long');
    const n = (bits + 7) >> 3;
    if (at + 1 + n > end) throw new Error('prefix overrun');
    if (max === 32) {
      let a = 0;
      for (let j = 0; j < n; j++) a |= b[at + 1 + j] << (24 - 8 * j);
      sum += (a >>> 0) + bits;
    } else {
      sum += ipv6WordsSum(b, at + 1, n) + bits;
    }
    count[0]++;
    at += 1 + n;
  }
  return (sum % MODULUS) | 0;
}

/** One UPDATE at buf[start, limit) by hand: header, the two length fields, attributes, NLRI. */
function loopUpdate(b, start, limit, maxLength, count) {
  const end = start + ((b[start + 16] << 8) | b[start + 17]);
  if (end > limit || end - start > maxLength || b[start + 18] !== 2) throw new Error('not an UPDATE');
  for (let j = 0; j < 16; j++) if (b[start + j] !== 255) throw new Error('bad marker');
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
    sum += rawValueSum(b, type, v, v + len);
    if (type === 14) {
      const afi = (b[v] << 8) | b[v + 1];
      sum += loopPrefixes(b, v + 5 + b[v + 3], v + len, afi === 2 ? 128 : 32, count);
    }
    at = v + len;
  }
  return ((sum + loopPrefixes(b, at, end, 32, count)) % MODULUS) | 0;
}

function makeLoop(ring, maxLength) {
  const count = [0];
  let i = 0;
  return () => {
    const k = i++ & ring.mask;
    return loopUpdate(ring.buf, ring.starts[k], ring.ends[k], maxLength, count) % MODULUS;
  };
}

// ---------------------------------------------------------------- (c) writers

const CASE_A_PREFIXES = Array.from(
  { length: 1000 },
  (_, i) => `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`,
);
const CASE_A_ATTRIBUTES = {
  nextHop: '192.0.2.1',
  asPath: [65001, 65002, 65003, 65004, 65005],
  med: 50,
  communities: [community(65001, 1), community(65001, 2), community(65001, 3)],
  largeCommunities: [{ global: 65001, local1: 7, local2: 9 }],
};

/** What the hand-written writer takes: the same values as plain numbers. */
function loopInput() {
  const addresses = new Uint32Array(1000);
  for (let i = 0; i < 1000; i++)
    addresses[i] = ((10 + (i >> 16)) << 24) | (((i >> 8) & 255) << 16) | ((i & 255) << 8);
  return {
    nextHop: 0xc0000201,
    asPath: Uint32Array.of(...CASE_A_ATTRIBUTES.asPath),
    med: 50,
    communities: Uint32Array.of(...CASE_A_ATTRIBUTES.communities),
    large: Uint32Array.of(65001, 7, 9),
    addresses,
    length: 24,
  };
}

function put32(out, o, x) {
  out[o] = x >>> 24;
  out[o + 1] = (x >>> 16) & 255;
  out[o + 2] = (x >>> 8) & 255;
  out[o + 3] = x & 255;
}

/** (c) by hand: header, the six attributes, the /24s; no range checks (ours checks every field). */
function loopWrite(m, out, o) {
  const start = o;
  out.fill(255, o, o + 16);
  out[o + 18] = 2;
  o += 19;
  out[o++] = 0;
  out[o++] = 0;
  const lengthAt = o;
  o += 2;
  out[o++] = 0x40;
  out[o++] = 1;
  out[o++] = 1;
  out[o++] = 0;
  out[o++] = 0x40;
  out[o++] = 2;
  out[o++] = 2 + 4 * m.asPath.length;
  out[o++] = 2;
  out[o++] = m.asPath.length;
  for (let j = 0; j < m.asPath.length; j++, o += 4) put32(out, o, m.asPath[j]);
  out[o++] = 0x40;
  out[o++] = 3;
  out[o++] = 4;
  put32(out, o, m.nextHop);
  o += 4;
  out[o++] = 0x80;
  out[o++] = 4;
  out[o++] = 4;
  put32(out, o, m.med);
  o += 4;
  out[o++] = 0xc0;
  out[o++] = 8;
  out[o++] = 4 * m.communities.length;
  for (let j = 0; j < m.communities.length; j++, o += 4) put32(out, o, m.communities[j]);
  out[o++] = 0xc0;
  out[o++] = 32;
  out[o++] = 4 * m.large.length;
  for (let j = 0; j < m.large.length; j++, o += 4) put32(out, o, m.large[j]);
  const al = o - lengthAt - 2;
  out[lengthAt] = al >> 8;
  out[lengthAt + 1] = al & 255;
  const bytes = (m.length + 7) >> 3;
  for (let j = 0; j < m.addresses.length; j++) {
    out[o++] = m.length;
    const a = m.addresses[j];
    for (let q = 0; q < bytes; q++) out[o++] = (a >>> (24 - 8 * q)) & 255;
  }
  const total = o - start;
  out[start + 16] = total >> 8;
  out[start + 17] = total & 255;
  return total;
}

const OUTPUT_SLOTS = 16;
const SLOT = 4096 + 5;

/** Writes (a) into the next of 16 slots of one output buffer; returns length + last byte. */
function makeOursWriter(message) {
  const out = new Uint8Array(SLOT * OUTPUT_SLOTS);
  let i = 0;
  const op = () => {
    const at = (i++ & (OUTPUT_SLOTS - 1)) * SLOT;
    const n = writeUpdate(message, out, at, SESSION);
    return n + out[at + n - 1];
  };
  op.out = out;
  return op;
}

function makeLoopWriter(input) {
  const out = new Uint8Array(SLOT * OUTPUT_SLOTS);
  let i = 0;
  const op = () => {
    const at = (i++ & (OUTPUT_SLOTS - 1)) * SLOT;
    const n = loopWrite(input, out, at);
    return n + out[at + n - 1];
  };
  op.out = out;
  return op;
}

// ---------------------------------------------------------------- (d) 10,000 UPDATEs

const PROBE_EVERY = 100;

function makeManyOurs(input, probe) {
  const view = new UpdateView();
  const attrs = new AttributeCursor();
  const nlri = new NlriCursor();
  const { buf, starts } = input;
  return () => {
    let sum = 0;
    let routes = 0;
    for (let k = 0; k < MESSAGES; k++) {
      view.bind(buf, starts[k], starts[k + 1], SESSION);
      view.attributeCursor(attrs);
      let s = 0;
      while (attrs.next()) {
        const a = decodeAttributeValue(
          buf,
          attrs.flags,
          attrs.type,
          attrs.valueStart,
          attrs.valueEnd,
          attrs.at,
          SESSION,
        );
        s += decodedValueSum(a);
      }
      view.nlriCursor(nlri);
      while (nlri.next()) {
        s += nlri.ipv4() + nlri.length;
        routes++;
      }
      sum = (sum + (s % MODULUS)) % MODULUS;
      if (k % PROBE_EVERY === 0) probe();
    }
    if (routes !== MESSAGES * PREFIXES_PER_MESSAGE) throw new Error(`counted ${routes} routes`);
    return sum;
  };
}

function makeManyLoop(input) {
  const { buf, starts } = input;
  const count = [0];
  return () => {
    let sum = 0;
    count[0] = 0;
    for (let k = 0; k < MESSAGES; k++) {
      sum = (sum + (loopUpdate(buf, starts[k], starts[k + 1], 4096, count) % MODULUS)) % MODULUS;
    }
    if (count[0] !== MESSAGES * PREFIXES_PER_MESSAGE) throw new Error(`counted ${count[0]} routes`);
    return sum;
  };
}

/** Routes and field sum of a ring's frame, through `ours` on a copy: what the GoBGP peer must report. */
function frameCheck(ring, session) {
  const view = UpdateView.parse(ring.copies[0], 0, ring.frame.length, session);
  const nlri = new NlriCursor();
  let routes = 0;
  for (view.nlriCursor(nlri); nlri.next(); ) routes++;
  const attrs = new AttributeCursor();
  for (view.attributeCursor(attrs); attrs.next(); ) {
    if (attrs.type !== 14) continue;
    const v = attrs.valueStart;
    nlri.reset(attrs.buf, v + 5 + attrs.buf[v + 3], attrs.valueEnd, 2, 1, false);
    while (nlri.next()) routes++;
  }
  return { routes, sum: frameSum(view) };
}

/** frameCheck's sum: a walk of its own (not oursSum, whose feedback only the timed op should shape). */
function frameSum(view) {
  const b = view.buf;
  let sum = 0;
  const nlri = new NlriCursor();
  for (const attrs = view.attributeCursor(); attrs.next(); ) {
    sum += rawValueSum(b, attrs.type, attrs.valueStart, attrs.valueEnd);
    if (attrs.type === 14) sum += mpReachPrefixSum(attrs, nlri);
  }
  for (view.nlriCursor(nlri); nlri.next(); ) sum += nlri.ipv4() + nlri.length;
  return sum % MODULUS;
}

/** Cases (a) and (b): one UPDATE frame (named by `id`) decoded by ours, ours-decoded, the loop and GoBGP. */
function decodeCase({ id, title, session, loopBufferSize, gobgp }) {
  return {
    id,
    title,
    setup() {
      const ring = new FrameRing(readFrame(id), 16);
      this.check = frameCheck(ring, session);
      return {
        ours: makeOurs(ring, session),
        'ours-decoded': makeOursDecoded(ring, session),
        loop: makeLoop(ring, loopBufferSize),
      };
    },
    peerCheck() {
      return this.check;
    },
    peer: { gobgp },
    targets: [
      { vs: 'loop', max: 2 },
      { vs: 'gobgp', max: 1 / 3 },
      { vs: 'gobgp', max: 1 / 3, of: 'ours-decoded' },
      { allocationFree: 'ours' },
    ],
    allocation: ['ours', 'ours-decoded', 'loop'],
    allocationOpsPerChunk: 10_000,
  };
}

let updatesFile;

export const cases = [
  decodeCase({
    id: 'bgp-update-1000-ipv4',
    title: '(a) UPDATE, 1,000 IPv4 /24 + 6 attributes: every value, every prefix',
    session: SESSION,
    loopBufferSize: 4096,
    gobgp: 'BenchmarkGobgpDecodeUpdate1000Ipv4',
  }),
  decodeCase({
    id: 'bgp-update-1000-ipv6-mp',
    title: '(b) UPDATE, 1,000 IPv6 /48 in MP_REACH + 5 attributes: every value, every prefix',
    session: SESSION_EXTENDED,
    loopBufferSize: 65535,
    gobgp: 'BenchmarkGobgpDecodeUpdate1000Ipv6Mp',
  }),
  {
    id: 'bgp-update-1000-ipv4-encode',
    title: "(c) encode (a) into a caller's buffer",
    setup() {
      const message = buildUpdate(CASE_A_PREFIXES, CASE_A_ATTRIBUTES);
      const input = loopInput();
      this.frame = readFrame('bgp-update-1000-ipv4');
      this.check = { ...frameCheck(new FrameRing(this.frame, 1), SESSION), bytes: this.frame.length };
      this.ops = {
        ours: makeOursWriter(message),
        loop: makeLoopWriter(input),
      };
      return this.ops;
    },
    verify() {
      for (const [name, op] of Object.entries(this.ops)) {
        const got = op.out.subarray(0, this.frame.length);
        if (!got.every((x, j) => x === this.frame[j]))
          throw new Error(`${name} did not write the frame's bytes`);
      }
    },
    peerCheck() {
      return this.check;
    },
    peer: { gobgp: 'BenchmarkGobgpEncodeUpdate1000Ipv4' },
    targets: [{ vs: 'loop', max: 2 }, { vs: 'gobgp', max: 1 / 3 }, { allocationFree: 'ours' }],
    allocation: ['ours', 'loop'],
    allocationOpsPerChunk: 10_000,
  },
  {
    id: 'bgp-1m-routes',
    title: '(d) 1,000,000 IPv4 prefixes in 10,000 UPDATEs, varied attributes: count routes',
    rounds: 11,
    agreeOps: 1,
    setup({ probe }) {
      const input = buildUpdates();
      updatesFile = writeUpdatesFile(input.buf);
      const ours = makeManyOurs(input, probe);
      const view = new UpdateView();
      let routes = 0;
      for (let k = 0; k < MESSAGES; k++) {
        const nlri = view.bind(input.buf, input.starts[k], input.starts[k + 1], SESSION).nlriCursor();
        while (nlri.next()) routes++;
      }
      this.check = { routes, sum: ours() };
      return { ours, loop: makeManyLoop(input) };
    },
    peerCheck() {
      return this.check;
    },
    peerEnv() {
      return { CNIKIT_BGP_UPDATES: updatesFile.path };
    },
    teardown() {
      updatesFile?.remove();
    },
    peer: { gobgp: 'BenchmarkGobgpDecodeMillionRoutes' },
    heap: { impl: 'ours', ops: 3 },
    targets: [{ maxMs: 1000 }, { peakHeapMiB: 64 }, { vs: 'loop', max: 2 }, { vs: 'gobgp', max: 1 / 3 }],
  },
];
