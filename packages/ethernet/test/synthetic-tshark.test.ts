import { writeFileSync } from 'node:fs';
import { ethernetDissectors } from '@cnikit/ethernet';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  type FieldValues,
  flattenDissection,
  flattenTshark,
  LINK_TRAILER_FIELDS,
  missingFields,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { NO_REASSEMBLY_PREFS } from '../../../test/support/unreassembled.js';
import { type SyntheticFrame, syntheticFrames } from './fixtures/synthetic-frames.js';
import { haveTshark, pcapFile, tsharkDecode } from './fixtures/synthetic-pcap.js';
import { tsharkOnlyFields } from './fixtures/tshark-only.js';

const CI = process.env.CI === 'true';
const TSHARK = haveTshark();
if (!TSHARK) {
  const banner = '!'.repeat(78);
  console.warn(
    `\n${banner}\n!!! ${CI ? 'FAILING' : 'SKIPPING'} synthetic-frame tshark agreement: tshark is not installed ` +
      `(apt-get install tshark; see scripts/install-peers.sh)\n${banner}\n`,
  );
}

/**
 * Preferences for the field-agreement pass. SACK edges are then raw, as we show them (tshark's
 * default makes them relative to a stream our stateless dissector never sees); stream analysis is
 * off because each frame stands alone.
 */
const AGREEMENT_PREFS = [
  '-o',
  'tcp.relative_sequence_numbers:FALSE',
  '-o',
  'tcp.analyze_sequence_numbers:FALSE',
  // We do not reassemble IP: a first fragment's transport header is dissected, as tshark does then.
  ...NO_REASSEMBLY_PREFS,
];

/** The second pass: every checksum tshark can check, checked. */
const CHECKSUM_PREFS = [
  ...AGREEMENT_PREFS,
  '-o',
  'ip.check_checksum:TRUE',
  '-o',
  'udp.check_checksum:TRUE',
  '-o',
  'tcp.check_checksum:TRUE',
];

/**
 * Fields we emit that tshark's JSON lacks in a frame, each with its reason. Empty: anything we emit
 * that tshark does not is a mismatch.
 */
const ALLOW_MISSING = new Set<string>([]);

/**
 * Known disagreements left out of the assertion, `frame name → field`, each with its reason. Every
 * entry is a bug too large to fix in place; it is reported, not hidden.
 */
const KNOWN_MISMATCHES: readonly { frame: RegExp; field: string; reason: string }[] = [];

/** One field per case the corpus lacks: each must have been compared with tshark at least once. */
const SENTINELS = [
  'vlan.dei',
  'ieee8021ad.id',
  'eth.len',
  'arp.isgratuitous',
  'arp.isannouncement',
  'arp.isprobe',
  'ip.empty_rt',
  'ip.rec_rt',
  'ip.src_rt',
  'ip.cur_rt',
  'ip.options.route',
  'ip.options.source_route',
  'ip.opt.time_stamp',
  'ip.opt.time_stamp_addr',
  'ip.opt.overflow',
  'ip.opt.ra',
  'tcp.options.sack.count',
  'tcp.options.sack_le',
  'tcp.options.wscale.multiplier',
  'tcp.options.unknown.payload',
  'tcp.options.md5.digest',
  'tcp.options.experimental.exid',
  'tcp.options.eol',
  'tcp.options.mptcp.sendtrunchmac',
  'tcp.options.mptcp.sendhmac',
  'tcp.options.mptcp.checksum',
  'tcp.options.mptcp.ipv6',
  'tcp.options.mptcp.port',
  'tcp.options.mptcp.ipver',
  'mptcp.rm_addr.count',
  'tcp.options.mptcp.backup.flag',
  'tcp.options.mptcp.rst_reason',
  'tcp.options.tfo.cookie',
  'tcp.options.acc_ecn.ee1b',
  'tcp.flags.ae',
  'tcp.urgent_pointer',
  'icmp.mtu',
  'icmp.pointer',
  'icmp.redir_gw',
  'icmp.originate_timestamp',
  'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s',
  'icmpv6.nd.na.flag.o',
  'icmpv6.rd.na.destination_address',
  'icmpv6.mtu',
  'icmpv6.pointer',
  'icmpv6.opt.src_linkaddr',
  'icmpv6.opt.rdnss',
  'icmpv6.opt.mtu',
  'icmpv6.opt.dnssl',
  'icmpv6.opt.route_info.flag.route_preference',
  'icmpv6.opt.pref64.prefix',
  'icmpv6.opt.advertisement_interval',
  'icmpv6.opt.home_agent_lifetime',
  'icmpv6.ni.query.subject_fqdn',
  'icmpv6.ni.query.subject_ipv4',
  'icmpv6.ni.reply.node_name',
  'icmpv6.ni.reply.node_address',
  'icmpv6.ni.flag.g',
  'icmpv6.ext.echo.req.local',
  'icmpv6.ext.echo.rsp.state',
  'ipv6.routing.src.addr',
  'ipv6.routing.srh.addr',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'ipv6.opt.unknown',
  'ipv6.opt.experimental',
  'ah.spi',
  'eth.trailer',
  'eth.fcs',
  'vlan.trailer',
  'ieee8021ah.trailer',
  'igmp.saddr',
  'igmp.aux_data',
  'igmp.max_resp.exp',
  'igmp.group_type',
  'igmp.reply.pending',
  'igmp.access_key',
  'igmp.identifier',
  'igmp.data',
  'igmp.mtrace.q_id',
];

interface Report {
  frames: number;
  fields: number;
  unmatched: number;
  reordered: number;
  byField: Map<string, number>;
  mismatches: (FieldMismatch & { frame: string })[];
  allowed: (FieldMismatch & { frame: string; reason: string })[];
  weThrow: string[];
  tsharkMalformed: string[];
  /**
   * Fields of our layers tshark shows in a frame more often than we do (valueless nodes counted,
   * as tshark writes its FT_NONE fields as ""): field → frames, and the first such frame.
   */
  onlyTshark: Map<string, { frames: number; example: string }>;
}

/**
 * Fields tshark shows in our layers of a synthetic frame more often than we do, each with its
 * reason (as corpus-coverage.test.ts does for the corpus). A field missing from here fails the
 * test, and so does an entry no frame needs any more. Our nodes without a value count (tshark
 * writes its FT_NONE fields as ""): `tcp.options.tfo.request`, `icmp.ext`, `ipv6.opt.pad1` and
 * the NDP `icmpv6.opt.reserved`/`padding`/`redirected_packet` are emitted so, and were once
 * printed here as never emitted only because valueless nodes were not counted.
 */
const NOT_EMITTED: Record<string, string> = {
  'eth.padding_bad': 'expert note: padding bytes that are not zero (shown as eth.trailer)',
  'ipv6.routing.deprecated': 'expert note on routing header type 0',
  'tcp.options.mss.absent': 'expert note: a SYN without MSS',
  'tcp.options.wscale.shift.invalid': 'expert note: a window scale shift above 14',
  'tcp.reset_cause': 'heuristic: tshark reads the payload of an RST as a text reason',
  'icmpv6.data': 'the body of an unknown NDP option: we show its type and length, tshark also its bytes',
  'icmpv6.undecoded.option': 'expert note on an unknown NDP option',
  'tcp.options.ao.keyid': 'TCP-AO (RFC 5925, kind 29): we show kind, length and bytes, not its fields',
  'tcp.options.ao.rnextkeyid': 'as tcp.options.ao.keyid',
  'tcp.options.ao.mac': 'as tcp.options.ao.keyid',
  'tcp.options.scps.vector': 'SCPS capabilities (kind 20): we show kind, length and bytes, not its fields',
  'tcp.options.scps.binding': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.bets': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.snack1': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.snack2': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.compress': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.nlts': 'as tcp.options.scps.vector',
  'tcp.options.scpsflags.reserved': 'as tcp.options.scps.vector',
  'icmp.ext': 'the RFC 4884 extension structure after an ICMPv6 extended echo request is not dissected',
  'mptcp.master': 'conversation state: MPTCP connection analysis (which subflow came first)',
  'mptcp.analysis.subflows': 'conversation state: MPTCP connection analysis',
  'mptcp.connection.unsupported_algorithm': 'expert note from the connection state',
  'mptcp.dss.dsn': 'conversation state: the DSN relative to the initial data sequence number',
  'mptcp.dss.infinite_mapping': 'derived: a DSS mapping with data-level length 0, which we show',
  'mptcp.expected_token': 'derived: tshark hashes the key (RFC 8684 §3.1), it is not on the wire',
  'mptcp.expected_idsn': 'derived, as mptcp.expected_token',
};

function compareAll(frames: readonly SyntheticFrame[], tshark: readonly TsharkLayers[]): Report {
  const registry = composeDissectors(ethernetDissectors);
  const report: Report = {
    frames: 0,
    fields: 0,
    unmatched: 0,
    reordered: 0,
    byField: new Map(),
    mismatches: [],
    allowed: [],
    weThrow: [],
    tsharkMalformed: [],
    onlyTshark: new Map(),
  };
  frames.forEach((frame, i) => {
    const theirLayers = tshark[i];
    if (!theirLayers) throw new Error(`tshark has no frame ${i + 1} (${frame.name})`);
    const theirs = flattenTshark(theirLayers);
    if (tsharkFlagsMalformed(theirLayers, theirs)) report.tsharkMalformed.push(`#${i + 1} ${frame.name}`);
    const ours = dissect(registry, frame.data, { table: LINK_TABLE, key: 1 });
    if (ours.malformed) report.weThrow.push(`#${i + 1} ${frame.name}: ${ours.malformed.message}`);
    const oursFlat = flattenDissection(ours.layers);
    for (const field of tsharkOnlyFields(ours.layers, theirLayers)) {
      const seen = report.onlyTshark.get(field) ?? { frames: 0, example: `#${i + 1} ${frame.name}` };
      seen.frames++;
      report.onlyTshark.set(field, seen);
    }
    const result = compareFields(oursFlat, theirs, {
      allowMissing: ALLOW_MISSING,
      theirsStopEarly: false,
      comparedByField: report.byField,
    });
    report.frames++;
    report.fields += result.compared;
    report.unmatched += result.unmatched;
    report.reordered += result.reordered;
    const allOurs = !ours.malformed && ours.layers.every((l) => l.field !== 'data');
    const missing = allOurs ? missingFields(oursFlat, theirs, LINK_TRAILER_FIELDS) : [];
    for (const m of [...result.mismatches, ...missing]) {
      const known = KNOWN_MISMATCHES.find((k) => k.field === m.field && k.frame.test(frame.name));
      if (known) report.allowed.push({ ...m, frame: `#${i + 1} ${frame.name}`, reason: known.reason });
      else report.mismatches.push({ ...m, frame: `#${i + 1} ${frame.name}` });
    }
  });
  return report;
}

function printReport(r: Report): void {
  const byLayer = new Map<string, string[]>();
  for (const field of [...r.byField.keys()].sort()) {
    const layer = field.split('.')[0];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), field]);
  }
  console.log(
    [
      `synthetic frames vs tshark: ${r.frames} frames compared, ${r.fields} field values compared ` +
        `(${r.byField.size} distinct fields, ${r.reordered} equal only out of order), ` +
        `${r.mismatches.length} mismatches, ${r.allowed.length} allow-listed`,
      ...[...byLayer].map(([layer, fields]) => `  ${layer} (${fields.length}): ${fields.join(' ')}`),
      ...r.mismatches.map(
        (m) =>
          `  MISMATCH ${m.frame} ${m.field}[${m.occurrence}]: ours=${m.ours} tshark=${m.theirs ?? '(absent)'}`,
      ),
      ...r.allowed.map(
        (m) =>
          `  ALLOWED ${m.frame} ${m.field}[${m.occurrence}]: ours=${m.ours} tshark=${m.theirs} — ${m.reason}`,
      ),
      `  shown by tshark in our layers more often than by us: ${r.onlyTshark.size}`,
      ...[...r.onlyTshark]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([f, s]) => `    ${f} (${s.frames}, e.g. ${s.example})${f in NOT_EMITTED ? '' : ' UNLISTED'}`),
      ...r.weThrow.map((s) => `  WE THROW ${s}`),
      ...r.tsharkMalformed.map((s) => `  TSHARK MALFORMED/EXPERT ERROR ${s}`),
    ].join('\n'),
  );
}

/** `field` values of a frame (first occurrence first). */
function values(fields: FieldValues, field: string): string[] {
  return fields.get(field) ?? [];
}

describe('tshark agreement on frames built by our writers (cases the corpus lacks)', () => {
  const frames = syntheticFrames();
  // To look at the frames in Wireshark: CNIKIT_SYNTHETIC_PCAP=/tmp/synthetic.pcap npx vitest run …
  const keep = process.env.CNIKIT_SYNTHETIC_PCAP;
  if (keep) writeFileSync(keep, pcapFile(frames.map((f) => f.data)));

  it.skipIf(!TSHARK && !CI)(
    'every field we emit equals tshark, and tshark finds every frame well formed',
    () => {
      if (!TSHARK) throw new Error('tshark is required when CI=true (see scripts/install-peers.sh)');
      const tshark = tsharkDecode(
        frames.map((f) => f.data),
        AGREEMENT_PREFS,
      );
      expect(tshark.length).toBe(frames.length);
      const report = compareAll(frames, tshark);
      printReport(report);
      expect(report.mismatches).toEqual([]);
      expect(report.weThrow).toEqual([]);
      expect(report.tsharkMalformed).toEqual([]);
      expect(report.frames).toBe(frames.length);
      const unlisted = [...report.onlyTshark]
        .filter(([f]) => !(f in NOT_EMITTED))
        .map(([f, s]) => `${f} (${s.frames}, e.g. ${s.example})`);
      expect(unlisted).toEqual([]);
      expect(Object.keys(NOT_EMITTED).filter((f) => !report.onlyTshark.has(f))).toEqual([]);
      const notCompared = SENTINELS.filter((field) => (report.byField.get(field) ?? 0) === 0);
      expect(notCompared).toEqual([]);
    },
  );

  it.skipIf(!TSHARK && !CI)('tshark accepts every checksum our writers computed', () => {
    if (!TSHARK) throw new Error('tshark is required when CI=true (see scripts/install-peers.sh)');
    const tshark = tsharkDecode(
      frames.map((f) => f.data),
      CHECKSUM_PREFS,
    );
    const bad: string[] = [];
    let checked = 0;
    frames.forEach((frame, i) => {
      const fields = flattenTshark(tshark[i]);
      for (const field of frame.good) {
        const first = values(fields, field)[0];
        checked++;
        if (first !== '1') bad.push(`#${i + 1} ${frame.name}: ${field} = ${first ?? '(absent)'}`);
      }
      // No checksum anywhere in the frame (quoted datagrams included) may be reported bad.
      for (const [field, list] of fields) {
        if (field.endsWith('.checksum.status') && list.includes('0')) {
          bad.push(`#${i + 1} ${frame.name}: ${field} = ${list.join(',')}`);
        }
      }
    });
    console.log(
      `checksums: ${checked} checksum statuses checked good over ${frames.length} frames; ${bad.length} bad`,
    );
    for (const b of bad) console.log(`  BAD CHECKSUM ${b}`);
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});
