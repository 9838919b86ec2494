import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bgp4mpSubtype,
  type BgpSession,
  bgpDissectors,
  decodeMessage,
  type MrtRecord,
  readMrtFile,
  type UpdateMessage,
} from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors, TcpReassembly } from '@cnikit/pcap';
import { composeDissectors, formatIpv4, formatIpv6, LINK_TABLE, readU32 } from '@cnikit/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapturedPacket, readCapture } from '../../../../test/support/capture-reader.js';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../../test/support/corpus.js';
import { announceKernelTestBlocker, kernelTestBlocker, sleep } from '../../../../test/support/netns.js';
import { ADDR, BIG, GOBGP_ROUTES, GOBGP_WITHDRAWALS, type LiveLab, startLiveLab } from './live-lab.js';
import {
  birdTable,
  compareTables,
  frrEvpnTable,
  frrPrefixPaths,
  gobgpTable,
  type RouteFacts,
  type RouteTable,
  replay,
  sessionFlow,
  type TcpFlow,
  tcpFlows,
} from './live-routes.js';

// BIRD 2, GoBGP and FRR in namespaces of their own (see live-lab.ts), three sessions between them,
// announcing and withdrawing IPv4, IPv6 and EVPN routes; tcpdump records every session. Our
// dissection of each capture is compared with tshark's field for field, and the routes we decode
// from each session's byte stream with what the receiving daemon says it holds (and, for GoBGP's
// session to BIRD, with the Adj-RIB-Out GoBGP says it sent).
const BGPD = '/usr/lib/frr/bgpd';
const blocker =
  kernelTestBlocker(['bird', 'birdc', 'gobgpd', 'gobgp', 'vtysh', 'tshark']) ??
  (existsSync(BGPD) ? undefined : `${BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP captures of BIRD, GoBGP and FRR sessions');

type View = Map<string, Partial<RouteFacts>>;
/** Sender>receiver: the receiver's table; `gobgp>bird sent` is GoBGP's Adj-RIB-Out (what it says it sent). */
type Direction =
  | 'bird>gobgp'
  | 'gobgp>bird'
  | 'gobgp>bird sent'
  | 'gobgp>frr'
  | 'frr>gobgp'
  | 'bird>frr'
  | 'frr>bird';
const SESSION_OF: Record<
  Direction,
  { sender: string; receiver: string; receiverAs: number; ibgp: boolean; capture: Link }
> = {
  'bird>gobgp': {
    sender: ADDR.birdS1,
    receiver: ADDR.gobgpS1,
    receiverAs: 65002,
    ibgp: false,
    capture: 's1',
  },
  'gobgp>bird': {
    sender: ADDR.gobgpS1,
    receiver: ADDR.birdS1,
    receiverAs: 65001,
    ibgp: false,
    capture: 's1',
  },
  'gobgp>bird sent': {
    sender: ADDR.gobgpS1,
    receiver: ADDR.birdS1,
    receiverAs: 65001,
    ibgp: false,
    capture: 's1',
  },
  'gobgp>frr': { sender: ADDR.gobgpS2, receiver: ADDR.frrS2, receiverAs: 65002, ibgp: true, capture: 's2' },
  'frr>gobgp': { sender: ADDR.frrS2, receiver: ADDR.gobgpS2, receiverAs: 65002, ibgp: true, capture: 's2' },
  'bird>frr': { sender: ADDR.birdS3, receiver: ADDR.frrS3, receiverAs: 65002, ibgp: false, capture: 's3' },
  'frr>bird': { sender: ADDR.frrS3, receiver: ADDR.birdS3, receiverAs: 65001, ibgp: false, capture: 's3' },
};
type Link = 's1' | 's2' | 's3';
const LINKS: Link[] = ['s1', 's2', 's3'];

const big = Array.from({ length: BIG }, (_, i) => `ipv4 10.${100 + (i >> 8)}.${i & 255}.0/24`);
const RD = 'evpn 65002:100';
/** The prefixes (path identifiers aside) each receiver must hold, after the announcements and after the withdrawals. */
const EXPECTED: Record<Direction, [string[], string[]]> = {
  'bird>gobgp': [
    [...big, 'ipv4 172.16.1.0/24', 'ipv4 172.16.2.0/24'],
    [...big, 'ipv4 172.16.1.0/24'],
  ],
  'gobgp>bird': [['ipv4 172.20.1.0/24', 'ipv4 172.20.2.0/24'], ['ipv4 172.20.1.0/24']],
  'gobgp>bird sent': [['ipv4 172.20.1.0/24', 'ipv4 172.20.2.0/24'], ['ipv4 172.20.1.0/24']],
  'gobgp>frr': [
    [
      'ipv6 fd20:1::/48',
      'ipv6 fd20:1::/48',
      'ipv6 fd20:2::/48',
      `${RD} [2]:[0]:[02:00:00:00:00:01]:[10.2.0.2]`,
      `${RD} [2]:[0]:[02:00:00:00:00:02]:[10.2.0.3]`,
      `${RD} [3]:[0]:[10.1.0.2]`,
    ],
    [
      'ipv6 fd20:1::/48',
      'ipv6 fd20:1::/48',
      `${RD} [2]:[0]:[02:00:00:00:00:01]:[10.2.0.2]`,
      `${RD} [3]:[0]:[10.1.0.2]`,
    ],
  ],
  'frr>gobgp': [
    ['ipv6 fd10:1::/48', 'ipv6 fd10:2::/48', 'ipv6 fd30:1::/48', 'ipv6 fd30:2::/48'],
    ['ipv6 fd10:1::/48', 'ipv6 fd30:1::/48'],
  ],
  'bird>frr': [['ipv6 fd10:1::/48', 'ipv6 fd10:2::/48'], ['ipv6 fd10:1::/48']],
  'frr>bird': [
    ['ipv6 fd20:1::/48', 'ipv6 fd20:2::/48', 'ipv6 fd30:1::/48', 'ipv6 fd30:2::/48'],
    ['ipv6 fd20:1::/48', 'ipv6 fd30:1::/48'],
  ],
};

const ipText = (ip: Uint8Array) => (ip.length === 4 ? formatIpv4(readU32(ip, 0)) : formatIpv6(ip, 0));
/** How the IPv6 UPDATEs GoBGP received from FRR are read: path identifiers on IPv6 unicast. */
const ADDPATH_SESSION: BgpSession = { addPath: [{ afi: 2, safi: 1, direction: 'receive' }] };

/** An UPDATE with nothing in it (IPv4 End-of-RIB) or only an empty MP_UNREACH (RFC 4724 §2). */
function isEndOfRib(u: UpdateMessage): boolean {
  if (u.nlri.length > 0 || u.withdrawn.length > 0) return false;
  return (
    u.attributes.length === 0 ||
    (u.attributes.length === 1 &&
      u.attributes[0].kind === 'mp-unreach' &&
      u.attributes[0].withdrawn.length === 0)
  );
}

const prefixesOf = (view: View) => [...view.keys()].map((k) => k.replace(/#\d+$/, '')).sort();

/** GoBGP's adj-in shows no path identifiers: our table keyed the same way (one path per prefix). */
function withoutPathIds(table: RouteTable): RouteTable {
  const out: RouteTable = new Map();
  for (const [k, v] of table) {
    const key = k.replace(/#\d+$/, '#0');
    if (out.has(key)) throw new Error(`${key}: several paths`);
    out.set(key, { ...v, pathId: 0 });
  }
  return out;
}

/** Each packet's time in a classic pcap file (tcpdump's, microseconds), in nanoseconds. */
function pcapTimestamps(file: Uint8Array): bigint[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const le = view.getUint32(0, true) === 0xa1b2c3d4;
  const out: bigint[] = [];
  for (let at = 24; at + 16 <= file.length; at += 16 + view.getUint32(at + 8, le)) {
    out.push(BigInt(view.getUint32(at, le)) * 1_000_000_000n + BigInt(view.getUint32(at + 4, le)) * 1000n);
  }
  return out;
}

/** Every layer but ours is left out of the comparison (the Ethernet tests cover them). */
const NOT_OURS = new Set(['data', 'eth', 'ip', 'ipv6', 'tcp']);

function tsharkDecode(file: string): TsharkLayers[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'json', '--no-duplicate-keys'], {
    encoding: 'utf8',
    maxBuffer: 512 << 20,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { _source: { layers: TsharkLayers } }[]).map((p) => p._source.layers);
}

const MESSAGE_TYPES: Record<string, string> = {
  '1': 'OPEN',
  '2': 'UPDATE',
  '3': 'NOTIFICATION',
  '4': 'KEEPALIVE',
  '5': 'ROUTE-REFRESH',
};

interface Snapshot {
  views: Record<Direction, View>;
  /** Packets in each capture file when the views were taken. */
  packets: Record<Link, number>;
}

describe.skipIf(blocker !== undefined)('BGP sessions between BIRD 2, GoBGP and FRR, captured', () => {
  let live: LiveLab;
  const snapshots: Snapshot[] = [];
  const captured = {} as Record<Link, CapturedPacket[]>;
  const flows = {} as Record<Link, TcpFlow[]>;

  const frrUnicast = (peer: string, ibgp: boolean): View => {
    const table = JSON.parse(live.vtysh('show bgp ipv6 unicast json')) as {
      routes?: Record<string, { peerId: string }[]>;
    };
    const out: View = new Map();
    for (const [prefix, paths] of Object.entries(table.routes ?? {})) {
      if (!paths.some((p) => p.peerId === peer)) continue;
      for (const [k, v] of frrPrefixPaths(
        live.vtysh(`show bgp ipv6 unicast ${prefix} json`),
        'ipv6',
        peer,
        ibgp,
      ))
        out.set(k, v);
    }
    return out;
  };
  const views = (): Record<Direction, View> => ({
    'bird>gobgp': gobgpTable(live.gobgp(`neighbor ${ADDR.birdS1} adj-in -a ipv4 -j`), 'ipv4'),
    'gobgp>bird': birdTable(live.birdc('show route all protocol gobgp'), false),
    'gobgp>bird sent': gobgpTable(live.gobgp(`neighbor ${ADDR.birdS1} adj-out -a ipv4 -j`), 'ipv4'),
    'gobgp>frr': new Map([
      ...frrUnicast(ADDR.gobgpS2, true),
      ...frrEvpnTable(live.vtysh('show bgp l2vpn evpn route detail json'), ADDR.gobgpS2),
    ]),
    'frr>gobgp': gobgpTable(live.gobgp(`neighbor ${ADDR.frrS2} adj-in -a ipv6 -j`), 'ipv6'),
    'bird>frr': frrUnicast(ADDR.birdS3, false),
    'frr>bird': birdTable(live.birdc('show route all protocol frr'), false),
  });
  const converged = async (stage: 0 | 1): Promise<Snapshot> => {
    const end = Date.now() + 45_000;
    let last: Record<Direction, View> | undefined;
    for (;;) {
      try {
        last = views();
        const wrong = (Object.keys(EXPECTED) as Direction[]).filter(
          (d) =>
            JSON.stringify(prefixesOf(last?.[d] ?? new Map())) !==
            JSON.stringify([...EXPECTED[d][stage]].sort()),
        );
        if (wrong.length === 0) break;
        if (Date.now() > end) {
          const got = wrong.map(
            (d) =>
              `${d}: ${prefixesOf(last?.[d] ?? new Map())
                .slice(0, 8)
                .join(', ')}`,
          );
          const frrLog = readFileSync(join(live.lab.dir, 'frr.log'), 'utf8')
            .split('\n')
            .filter((l) => /DENIED|fd03::1|fd10/.test(l))
            .slice(-20);
          throw new Error(
            `stage ${stage} not reached:\n${got.join('\n')}\n${live.gobgp('neighbor')}\nFRR log:\n${frrLog.join('\n')}`,
          );
        }
      } catch (e) {
        if (Date.now() > end) throw e;
      }
      await sleep(500);
    }
    // Every message the views rest on is in the files (tcpdump -U writes each packet at once).
    await sleep(300);
    const packets = {} as Record<Link, number>;
    for (const l of LINKS) packets[l] = [...readCapture(readFileSync(live.captures[l].file))].length;
    return { views: views(), packets };
  };

  beforeAll(async () => {
    live = await startLiveLab();
    try {
      for (const r of GOBGP_ROUTES) live.gobgp(`global rib ${r}`);
      snapshots.push(await converged(0));
      live.birdc('disable s4b');
      live.birdc('disable s6b');
      for (const r of GOBGP_WITHDRAWALS) live.gobgp(`global rib ${r}`);
      live.vtysh('configure terminal\nrouter bgp 65002\naddress-family ipv6 unicast\nno network fd30:2::/48');
      snapshots.push(await converged(1));
      // A ROUTE-REFRESH (FRR asks GoBGP), then a NOTIFICATION with a shutdown communication (BIRD to GoBGP).
      live.vtysh(`clear bgp ipv6 unicast ${ADDR.gobgpS2} soft in`);
      await sleep(1000);
      live.birdc(`'disable gobgp "live capture test ends"'`);
      await sleep(1000);
      for (const l of LINKS) {
        captured[l] = await live.captures[l].stop();
        flows[l] = tcpFlows(captured[l]);
      }
    } catch (e) {
      live.lab.cleanup();
      throw e;
    }
  }, 150_000);

  afterAll(() => {
    const dir = live?.lab.dir;
    live?.lab.cleanup();
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  it('our dissection of every captured BGP frame equals tshark’s, field by field (0 mismatches)', () => {
    const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);
    const mismatches: (FieldMismatch & { frame: string })[] = [];
    const byField = new Map<string, number>();
    /** Values compared in frames whose messages are all of one type, by that type. */
    const byType: Record<string, number> = {};
    const messages: Record<string, number> = {};
    const weReject: Record<string, string> = {};
    const continuedFrames: string[] = [];
    const tsharkMalformed: string[] = [];
    /** Frames where one side shows a bgp layer and the other does not. */
    const layerDiffs: string[] = [];
    let compared = 0;
    let frames = 0;
    let reassembled = 0;
    for (const l of LINKS) {
      const theirs = tsharkDecode(live.captures[l].file);
      expect(theirs.length).toBe(captured[l].length);
      const continued = new Set(flows[l].flatMap((f) => f.continued));
      const repeated = new Set(flows[l].flatMap((f) => f.repeated));
      const times = pcapTimestamps(readFileSync(live.captures[l].file));
      // Each link's TCP streams reassembled as tshark does by default (messages across segments).
      const reassembly = new TcpReassembly(registry);
      for (const p of captured[l]) {
        const layers = theirs[p.index];
        const fields = flattenTshark(layers);
        const ours = reassembly.dissect(p.data, {
          first: { table: LINK_TABLE, key: p.linkType },
          number: p.index + 1,
          frame: { timestamp: times[p.index] },
        });
        if (ours.reassembled) reassembled++;
        const key = `${l}#${p.index + 1}`;
        if (continued.has(p.index)) continuedFrames.push(key);
        const hasBgp = ours.layers.some((x) => x.field === 'bgp') || ours.malformed?.layer === 'bgp';
        if (hasBgp !== 'bgp' in layers)
          layerDiffs.push(`${key}: bgp ${hasBgp ? 'ours only' : "tshark's only"}`);
        if (!hasBgp) continue;
        expect(repeated.has(p.index), `${key} is a retransmission`).toBe(false);
        frames++;
        if (tsharkFlagsMalformed(layers, fields)) tsharkMalformed.push(key);
        if (ours.malformed?.layer === 'bgp') {
          weReject[key] = ours.malformed.message;
          continue;
        }
        const mine = flattenDissection(ours.layers, NOT_OURS);
        const result = compareFields(mine, fields, {
          allowMissing: new Set(),
          theirsStopEarly: false,
          skip: (field) => field.startsWith('tcp.'),
          comparedByField: byField,
        });
        compared += result.compared;
        const types = [...new Set(mine.get('bgp.type') ?? [])];
        for (const t of mine.get('bgp.type') ?? [])
          messages[MESSAGE_TYPES[t]] = (messages[MESSAGE_TYPES[t]] ?? 0) + 1;
        const type = types.length === 1 ? MESSAGE_TYPES[types[0]] : 'mixed';
        byType[type] = (byType[type] ?? 0) + result.compared;
        for (const m of result.mismatches) mismatches.push({ ...m, frame: key });
      }
    }
    console.log(
      `live bgp vs tshark: ${frames} frames, ${compared} values compared over ${byField.size} fields; by message type ${JSON.stringify(byType)}; messages ${JSON.stringify(messages)}; ${continuedFrames.length} frames continue a message, ${reassembled} complete a reassembled one; ${Object.keys(weReject).length} rejected; ${mismatches.length} mismatches`,
    );
    console.log(`fields compared: ${[...byField].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    expect(mismatches.slice(0, 30)).toEqual([]);
    expect(tsharkMalformed).toEqual([]);
    expect(layerDiffs).toEqual([]);
    expect(weReject).toEqual({});
    // Messages did span segments, and every one of the 5,000+ prefixes was compared once reassembled.
    expect(continuedFrames.length).toBeGreaterThan(0);
    expect(reassembled).toBeGreaterThan(0);
    expect(byField.get('bgp.nlri_prefix') ?? 0).toBeGreaterThanOrEqual(BIG + 2);
    for (const t of ['OPEN', 'UPDATE', 'KEEPALIVE', 'NOTIFICATION', 'ROUTE-REFRESH'])
      expect(messages[t] ?? 0, t).toBeGreaterThan(0);
    // Floors: each of the 5,002 IPv4 prefixes alone gives two values (length, prefix).
    expect(compared).toBeGreaterThanOrEqual(12_000);
    // OPEN fields, wherever the OPEN shares its segment with a KEEPALIVE: 7 OPENs of ~35 values.
    const openValues = [...byField]
      .filter(([k]) => /^bgp\.(open|cap)\./.test(k))
      .reduce((a, [, v]) => a + v, 0);
    expect(openValues).toBeGreaterThanOrEqual(150);
    expect(byType.UPDATE).toBeGreaterThanOrEqual(10_000);
    for (const field of [
      'bgp.open.myas',
      'bgp.cap.4as',
      'bgp.cap.ap.sendreceive',
      'bgp.nlri_prefix',
      'bgp.withdrawn_prefix',
      'bgp.mp_reach_nlri_ipv6_prefix',
      'bgp.mp_unreach_nlri_ipv6_prefix',
      'bgp.nlri_path_id',
      'bgp.update.path_attribute.multi_exit_disc',
      'bgp.update.path_attribute.local_pref',
      'bgp.update.path_attribute.community_as',
      'bgp.large_communities.ga',
      'bgp.evpn.nlri.mac_addr',
      'bgp.evpn.nlri.vni',
      'bgp.ext_com.tunnel_type',
      'bgp.update.path_attribute.pmsi.tunnel.type',
      'bgp.route_refresh.afi',
      'bgp.notify.communication',
    ])
      expect(byField.get(field) ?? 0, field).toBeGreaterThan(0);
  });

  it('the BGP4MP files BIRD and GoBGP wrote read back to the messages captured on the wire', async () => {
    const records = async (file: string) => {
      const out: MrtRecord[] = [];
      for await (const r of readMrtFile(join(live.lab.dir, file))) out.push(r);
      return out;
    };
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    /** The messages `sender` sent `receiver` on the connection that carried the session, as hex. */
    const onWire = (link: Link, sender: string, receiver: string) => {
      return sessionFlow(flows[link], sender, receiver).messages.map((m) => hex(m.bytes));
    };
    const fromPeer = (list: MrtRecord[], peer: string) =>
      list.filter(
        (r): r is Extract<MrtRecord, { kind: 'bgp4mp-message' }> =>
          r.kind === 'bgp4mp-message' && ipText(r.peerIp) === peer,
      );
    const summary: Record<string, number> = {};

    // BIRD: every message it received on each session (BGP4MP_MESSAGE_AS4), the same bytes as on the wire.
    const bird = await records('bird.mrt');
    for (const [link, peer] of [
      ['s1', ADDR.gobgpS1],
      ['s3', ADDR.frrS3],
    ] as const) {
      const local = link === 's1' ? ADDR.birdS1 : ADDR.birdS3;
      const dumped = fromPeer(bird, peer);
      const wire = onWire(link, peer, local);
      // BIRD writes what comes before Established (OPEN, KEEPALIVE) as BGP4MP_MESSAGE, the rest as _AS4.
      const kinds = new Set(
        dumped.map((r) =>
          r.subtype === Bgp4mpSubtype.MessageAs4
            ? `AS4 ${ipText(r.localIp)}`
            : `${r.subtype} ${r.message[18]}`,
        ),
      );
      expect(kinds).toEqual(
        new Set([`AS4 ${local}`, `${Bgp4mpSubtype.Message} 1`, `${Bgp4mpSubtype.Message} 4`]),
      );
      // The session's messages, in order, among those of every connection BIRD dumped.
      const all = dumped.map((r) => hex(r.message));
      const at = all.findIndex((_, i) => all.slice(i, i + wire.length).join() === wire.join());
      expect(at, `${peer}: the captured messages in BIRD's dump`).toBeGreaterThanOrEqual(0);
      summary[`bird from ${peer}`] = wire.length;
    }
    const states = bird.filter((r) => r.kind === 'bgp4mp-state-change');
    // Both sessions reach Established (6), and the one shut down at the end leaves it.
    expect(
      states.filter((r) => r.kind === 'bgp4mp-state-change' && r.newState === 6).length,
    ).toBeGreaterThanOrEqual(2);

    // GoBGP: the UPDATEs it received (End-of-RIB markers aside), with ADD-PATH subtypes from FRR.
    const gobgp = await records('gobgp.mrt');
    for (const [link, peer, local, subtype] of [
      ['s1', ADDR.birdS1, ADDR.gobgpS1, Bgp4mpSubtype.MessageAs4],
      ['s2', ADDR.frrS2, ADDR.gobgpS2, Bgp4mpSubtype.MessageAs4AddPath],
    ] as const) {
      const dumped = fromPeer(gobgp, peer);
      const wire = onWire(link, peer, local).filter((m) => m.slice(36, 38) === '02');
      const endOfRib = wire.filter((m) => !dumped.some((r) => hex(r.message) === m));
      for (const m of endOfRib) {
        const u = decodeMessage(Buffer.from(m, 'hex'), ADDPATH_SESSION);
        expect(u.type === 'update' && isEndOfRib(u), `${peer}: ${m}`).toBe(true);
      }
      expect(dumped.map((r) => hex(r.message))).toEqual(wire.filter((m) => !endOfRib.includes(m)));
      expect(new Set(dumped.map((r) => `${r.subtype} ${ipText(r.localIp)}`))).toEqual(
        new Set([`${subtype} ${local}`]),
      );
      // Decoded with the session the subtype implies, every prefix the daemon was sent is there.
      const session = subtype === Bgp4mpSubtype.MessageAs4AddPath ? ADDPATH_SESSION : {};
      let prefixes = 0;
      for (const r of dumped) {
        const u = decodeMessage(r.message, session);
        if (u.type !== 'update') continue;
        prefixes += u.nlri.length;
        for (const a of u.attributes) if (a.kind === 'mp-reach') prefixes += a.nlri.length;
      }
      summary[`gobgp from ${peer}: updates`] = dumped.length;
      summary[`gobgp from ${peer}: prefixes`] = prefixes;
    }
    console.log(`BGP4MP read back: ${JSON.stringify(summary)}`);
    expect(summary[`gobgp from ${ADDR.birdS1}: prefixes`]).toBeGreaterThanOrEqual(BIG + 2);
  });

  it('the routes we decode from each session equal what the receiving daemon holds, field by field', () => {
    const counted = new Map<string, number>();
    const problems: string[] = [];
    const routes: Record<string, number> = {};
    const looped: string[] = [];
    for (const [stage, snap] of snapshots.entries()) {
      for (const d of Object.keys(SESSION_OF) as Direction[]) {
        const s = SESSION_OF[d];
        const ours = replay(flows[s.capture], s.sender, s.receiver, s.ibgp, snap.packets[s.capture]).table;
        // FRR sends BIRD's own routes back to it; BIRD drops them, its AS being in the path (RFC 4271 §9.1.2).
        for (const [k, v] of ours) {
          if (!v.asPath.split(' ').includes(String(s.receiverAs))) continue;
          ours.delete(k);
          looped.push(`${d}@${stage} ${k}`);
        }
        const theirs = snap.views[d];
        const table = d === 'frr>gobgp' || d === 'bird>gobgp' ? withoutPathIds(ours) : ours;
        routes[`${d}@${stage}`] = theirs.size;
        for (const p of compareTables(table, theirs, counted)) problems.push(`${d} stage ${stage}: ${p}`);
      }
    }
    const total = [...counted.values()].reduce((a, b) => a + b, 0);
    console.log(
      `daemon agreement: ${total} values over ${JSON.stringify(routes)} routes; by field ${JSON.stringify(Object.fromEntries(counted))}`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(looped).toEqual([
      'frr>bird@0 ipv6 fd10:1::/48#0',
      'frr>bird@0 ipv6 fd10:2::/48#0',
      'frr>bird@1 ipv6 fd10:1::/48#0',
    ]);
    // Each receiver's routes in both stages, every field each daemon shows.
    expect(routes).toMatchObject({
      'bird>gobgp@0': BIG + 2,
      'bird>gobgp@1': BIG + 1,
      'gobgp>bird sent@0': 2,
      'gobgp>frr@0': 6,
    });
    for (const field of ['nextHop', 'asPath', 'med', 'communities', 'largeCommunities', 'origin'])
      expect(counted.get(field) ?? 0, field).toBeGreaterThanOrEqual(2 * BIG);
    for (const field of ['localPref', 'pathId', 'extendedCommunities', 'vni', 'pmsi'])
      expect(counted.get(field) ?? 0, field).toBeGreaterThan(0);
  });
});
